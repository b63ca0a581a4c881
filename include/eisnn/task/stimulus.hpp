// Random-dot motion movies for the coherence change-detection task of Zhu et
// al. (2026), rebuilt from the study's generator (C16Mftang/ccd-task,
// createDriftingDots.m after G.M. Boynton, and gentrials_200718.m).
//
// Geometry: dot positions live in degrees of visual angle inside a square
// aperture centred on the screen; screen pixels are derived per frame with the
// generator's angle-to-pixel rule, rounded to whole pixels. Directions are
// degrees clockwise from up. Each trial starts from fresh uniform positions;
// a change redraws the dot directions but keeps the positions. See docs/task.md.
#pragma once

#include <cstdint>
#include <vector>

#include "eisnn/random.hpp"
#include "eisnn/task/task_params.hpp"

namespace eisnn::task {

// One trial of the dataset.
struct TrialSpec {
  int movie = 0;          // movie the trial belongs to (trials_per_movie trials each)
  int start_state = 0;    // 1: coherence_high first, 0: coherence_low first
  int change_frame = -1;  // first frame of the other state; -1: no change
  double direction_deg = 0.0;

  // State shown in `frame`.
  int state_at(int frame) const {
    return (change_frame >= 0 && frame >= change_frame) ? 1 - start_state : start_state;
  }
};

// Checks the stimulus keys of [task] and their relations; throws InputError
// naming the key, the value and what is allowed.
void validate_task(const TaskParams& p);

// The trial table of a dataset: per movie, exactly half the trials change and,
// independently, half start in state 1; change frames are uniform over
// [change_min_s, change_max_s] at frame resolution. Keyed by (seed, movie).
std::vector<TrialSpec> make_trial_table(const TaskParams& p, std::uint64_t seed);

// State labels of one trial at ms resolution: labels[ms] = state of frame
// ms / frame_ms, for n_frames * frame_ms entries.
void trial_labels(const TrialSpec& t, int n_frames, int frame_ms, std::uint8_t* labels);

// Positions and motion of all dots (degrees; one entry per dot).
struct DotField {
  std::vector<double> x_deg, y_deg;    // centre, aperture centred at (0, 0), y down
  std::vector<double> dx_deg, dy_deg;  // displacement per frame
  std::vector<double> direction_deg;   // current direction of each dot
  std::vector<int> age_frames;         // frames since (re)plotting, for dot_lifetime_frames
};

class DotMotion {
 public:
  explicit DotMotion(const TaskParams& p);  // validates p

  int window_w() const { return p_.window_w_px; }
  int window_h() const { return p_.window_h_px; }
  int frame_w() const { return p_.frame_w_px; }
  int frame_h() const { return p_.frame_h_px; }
  int n_frames() const { return p_.n_frames; }

  // Number of dots moving in the trial direction at coherence c: ceil(c * n_dots).
  int n_coherent(double coherence) const;

  // Runs one trial: calls on_frame(frame, field) for every frame after the dots
  // have moved (the generator moves, then draws). Random numbers come from `rng`.
  template <class F>
  void run(const TrialSpec& trial, Rng& rng, F&& on_frame) const {
    DotField field;
    start(trial, rng, field);
    for (int f = 0; f < p_.n_frames; ++f) {
      if (f == trial.change_frame) set_directions(trial, trial.state_at(f), rng, field);
      step(rng, field);
      on_frame(f, static_cast<const DotField&>(field));
    }
  }

  // Screen position of a dot centre (px, whole pixels as in the generator).
  int x_px(double x_deg) const;
  int y_px(double y_deg) const;

  // Draws the field into a window image [window_h][window_w], 0-255 gray.
  void render_window(const DotField& field, std::uint8_t* window) const;

  // Bilinear resize (TensorFlow's default: half-pixel centres, no
  // anti-aliasing, result truncated to 8 bits) of a window image to a frame
  // [frame_h][frame_w].
  void resize(const std::uint8_t* window, std::uint8_t* frame) const;

  // The movie of one trial as the CNN sees it: [n_frames][frame_h][frame_w]
  // gray (the study's RGB frames have three equal channels). Random numbers
  // are keyed by (seed, trial index), never by thread. If `window_frames` is
  // not null it receives the full-resolution frames [n_frames][window_h][window_w].
  void movie(const TrialSpec& trial, std::uint64_t seed, int trial_index, std::uint8_t* frames,
             std::vector<std::uint8_t>* window_frames = nullptr) const;

 private:
  void start(const TrialSpec& trial, Rng& rng, DotField& field) const;
  void set_directions(const TrialSpec& trial, int state, Rng& rng, DotField& field) const;
  void step(Rng& rng, DotField& field) const;
  void replot(Rng& rng, DotField& field, int i) const;

  TaskParams p_;
  double pix_size_cm_;        // screen cm per pixel
  int stamp_lo_, stamp_n_;    // dot footprint: offsets stamp_lo_ .. stamp_lo_+stamp_n_-1
  std::vector<float> stamp_;  // [stamp_n_][stamp_n_] coverage in [0, 1]
};

// Random stream of trial `trial_index`'s dots.
Rng dot_rng(std::uint64_t seed, int trial_index);

}  // namespace eisnn::task
