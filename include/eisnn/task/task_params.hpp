// Configuration of the coherence change-detection task (section [task]).
//
// Defaults are the study's (Zhu et al. 2026, SPEC §3), read from its stimulus
// generator (C16Mftang/ccd-task: gentrials_200718.m, createDriftingDots.m) and
// its video front end (C16Mftang/front-end-CNN). docs/task.md explains each.
#pragma once

#include <string>
#include <vector>

#include "eisnn/params.hpp"

namespace eisnn {

struct TaskParams {
  // Dataset: movies of `trials_per_movie` trials, half with a change, half
  // starting in state 1 (independently).
  int n_trials = 600;
  int trials_per_movie = 10;
  double heldout_fraction = 0.2;  // whole movies, taken from the end of the dataset

  // Display (the study's Psychtoolbox window and the monitor it assumed).
  int window_w_px = 320;
  int window_h_px = 180;
  double screen_width_cm = 30.0;
  double screen_dist_cm = 50.0;

  // Dots.
  int n_dots = 150;
  double dot_size_px = 9.0;      // diameter
  double aperture_w_deg = 42.0;  // square aperture centred on the screen
  double aperture_h_deg = 42.0;
  double speed_deg_s = 15.0;
  std::vector<double> directions_deg = {0.0, 90.0, 180.0, 270.0};  // 0 = up, clockwise
  double coherence_high = 1.0;                                     // state 1
  double coherence_low = 0.15;                                     // state 0
  int dot_lifetime_frames = 0;                                     // 0 = unlimited
  bool antialias = true;

  // Timing.
  double fps = 60.0;
  int n_frames = 240;
  double change_min_s = 0.5;
  double change_max_s = 3.5;
  int frame_ms = 17;  // each frame stands for this many 1-ms network steps

  // Movie as the CNN sees it (bilinear resize of the window).
  int frame_w_px = 64;
  int frame_h_px = 36;

  // Front end: `cnn` renders movies and runs the study's CNN; `file` reads
  // rates and labels that were made elsewhere.
  std::string front_end = "cnn";
  std::string cnn_weights = "ch_model6";  // bundled name (ch_model6, ch_model4) or a path to .h5
  std::string rates_file;                 // front_end = file: .h5, .npy or .npz
  std::string labels_file;                // .npy labels when rates_file is a .npy
  std::string rates_key = "rates";        // dataset / array name inside .h5 or .npz
  std::string labels_key = "labels";

  // Targets (not part of the dataset: changing them never rebuilds it).
  std::string encoding = "main";  // main: 1 output; one_hot: 2 outputs [1 - label, label]
  bool swap_labels = false;

  // Where built datasets are cached, keyed by a hash of the keys above.
  std::string cache_dir = "cache/datasets";

  template <class V>
  void visit(V& v) {
    v("n_trials", n_trials, Range::at_least(1),
      "trials in the dataset (multiple of trials_per_movie)");
    v("trials_per_movie", trials_per_movie, Range::at_least(2),
      "trials per movie (even): half change, half start in state 1");
    v("heldout_fraction", heldout_fraction, Range::between(0.0, 0.9),
      "fraction of movies held out from training (taken from the end)");
    v("window_w_px", window_w_px, Range::at_least(1), "stimulus window width (px)");
    v("window_h_px", window_h_px, Range::at_least(1), "stimulus window height (px)");
    v("screen_width_cm", screen_width_cm, Range::positive(), "monitor width (cm)");
    v("screen_dist_cm", screen_dist_cm, Range::positive(), "viewing distance (cm)");
    v("n_dots", n_dots, Range::at_least(0), "dots in the aperture");
    v("dot_size_px", dot_size_px, Range::positive(), "dot diameter (px)");
    v("aperture_w_deg", aperture_w_deg, Range::positive(), "aperture width (deg)");
    v("aperture_h_deg", aperture_h_deg, Range::positive(), "aperture height (deg)");
    v("speed_deg_s", speed_deg_s, Range::non_negative(), "dot speed (deg/s)");
    v("directions_deg", directions_deg, Range::any(),
      "coherent directions, one drawn per trial (deg, 0 = up, clockwise)");
    v("coherence_high", coherence_high, Range::unit(), "coherence of state 1");
    v("coherence_low", coherence_low, Range::unit(), "coherence of state 0");
    v("dot_lifetime_frames", dot_lifetime_frames, Range::at_least(0),
      "frames before a dot is replotted at random (0 = unlimited)");
    v("antialias", antialias, "render dots anti-aliased (false: hard-edged)");
    v("fps", fps, Range::positive(), "frame rate (frames/s)");
    v("n_frames", n_frames, Range::at_least(4), "frames per trial (multiple of 4)");
    v("change_min_s", change_min_s, Range::non_negative(), "earliest change time (s)");
    v("change_max_s", change_max_s, Range::non_negative(), "latest change time (s)");
    v("frame_ms", frame_ms, Range::at_least(1), "network steps (ms) per frame");
    v("frame_w_px", frame_w_px, Range::at_least(1), "frame width after resize (px)");
    v("frame_h_px", frame_h_px, Range::at_least(1), "frame height after resize (px)");
    v("front_end", front_end, Choices{{"cnn", "file"}},
      "cnn: render dots and run the study's CNN; file: read rates_file");
    v("cnn_weights", cnn_weights,
      "CNN weights: bundled name (ch_model6, ch_model4) or path to an .h5 file");
    v("rates_file", rates_file, "front_end = file: rates [trials, ms, channels] (.h5, .npy, .npz)");
    v("labels_file", labels_file,
      "front_end = file with a .npy rates_file: labels [trials, ms] (.npy)");
    v("rates_key", rates_key, "name of the rates array in an .h5 or .npz file");
    v("labels_key", labels_key, "name of the labels array in an .h5 or .npz file");
    v("encoding", encoding, Choices{{"main", "one_hot"}},
      "targets: main (1 output) or one_hot (2 outputs)");
    v("swap_labels", swap_labels, "invert the targets");
    v("cache_dir", cache_dir, "folder for cached datasets (relative to the working folder)");
  }
};

}  // namespace eisnn
