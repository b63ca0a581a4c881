// Random-dot motion movies (Zhu et al. 2026; generator C16Mftang/ccd-task).
#include "eisnn/task/stimulus.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "eisnn/error.hpp"

namespace eisnn::task {
namespace {

// Sub-streams of stream::dataset.
constexpr std::uint64_t kTrialTableStream = 1;
constexpr std::uint64_t kDotStream = 2;

// Sub-samples per pixel side when measuring how much of a pixel a dot covers.
constexpr int kSupersample = 16;

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& rule) {
  throw InputError("[task] " + key + " = " + value + ": " + rule);
}

std::string str(double x) {
  std::string s = std::to_string(x);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

int change_frame_min(const TaskParams& p) {
  return static_cast<int>(std::lround(p.change_min_s * p.fps));
}
int change_frame_max(const TaskParams& p) {
  return static_cast<int>(std::lround(p.change_max_s * p.fps));
}

// Fisher-Yates shuffle of 0..n-1 with our own generator (std::shuffle's
// algorithm differs between standard libraries).
std::vector<int> permutation(int n, Rng& rng) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  return order;
}

}  // namespace

void validate_task(const TaskParams& p) {
  for (auto [key, c] : {std::pair{"coherence_high", p.coherence_high},
                        std::pair{"coherence_low", p.coherence_low}}) {
    if (!(c >= 0.0 && c <= 1.0)) bad(key, str(c), "a coherence must lie in [0, 1]");
  }
  if (p.trials_per_movie < 2 || p.trials_per_movie % 2 != 0)
    bad("trials_per_movie", std::to_string(p.trials_per_movie),
        "must be even and at least 2 (half the trials change, half start in state 1)");
  if (p.front_end == "cnn" && p.n_trials % p.trials_per_movie != 0)
    bad("n_trials", std::to_string(p.n_trials),
        "must be a multiple of trials_per_movie = " + std::to_string(p.trials_per_movie));
  if (p.n_frames < 4 || p.n_frames % 4 != 0)
    bad("n_frames", std::to_string(p.n_frames),
        "must be a positive multiple of 4 (the CNN pools 4 frames into one step)");
  if (p.directions_deg.empty()) bad("directions_deg", "[]", "needs at least one direction");
  if (!(p.change_min_s <= p.change_max_s))
    bad("change_min_s", str(p.change_min_s),
        "must not exceed change_max_s = " + str(p.change_max_s));
  const int f_lo = change_frame_min(p), f_hi = change_frame_max(p);
  if (f_lo < 1)
    bad("change_min_s", str(p.change_min_s), "a change needs at least one frame before it");
  if (f_hi > p.n_frames - 1)
    bad("change_max_s", str(p.change_max_s),
        "a change needs at least one frame after it (trial is " + std::to_string(p.n_frames) +
            " frames at " + str(p.fps) + " fps)");
  if (!(p.dot_size_px > 0.0)) bad("dot_size_px", str(p.dot_size_px), "must be positive");
  if (p.frame_w_px > p.window_w_px || p.frame_h_px > p.window_h_px)
    bad("frame_w_px", std::to_string(p.frame_w_px) + "x" + std::to_string(p.frame_h_px),
        "the resized frame cannot be larger than the window " + std::to_string(p.window_w_px) +
            "x" + std::to_string(p.window_h_px));
}

std::vector<TrialSpec> make_trial_table(const TaskParams& p, std::uint64_t seed) {
  validate_task(p);
  const int per_movie = p.trials_per_movie;
  const int n_movies = (p.n_trials + per_movie - 1) / per_movie;
  const int f_lo = change_frame_min(p), f_hi = change_frame_max(p);

  std::vector<TrialSpec> table;
  table.reserve(static_cast<std::size_t>(n_movies) * per_movie);
  for (int m = 0; m < n_movies; ++m) {
    Rng rng(seed, {stream::dataset, kTrialTableStream, static_cast<std::uint64_t>(m)});
    // Two independent random halves, as the generator's two randperm calls.
    const std::vector<int> change_order = permutation(per_movie, rng);
    const std::vector<int> start_order = permutation(per_movie, rng);
    std::vector<TrialSpec> movie(per_movie);
    for (int k = 0; k < per_movie / 2; ++k) {
      movie[change_order[k]].change_frame = 0;  // marked; frame drawn below
      movie[start_order[k]].start_state = 1;
    }
    for (auto& t : movie) {
      t.movie = m;
      t.direction_deg = p.directions_deg[rng.below(p.directions_deg.size())];
      if (t.change_frame == 0)
        t.change_frame = f_lo + static_cast<int>(rng.below(f_hi - f_lo + 1));
      else
        t.change_frame = -1;
    }
    table.insert(table.end(), movie.begin(), movie.end());
  }
  table.resize(p.n_trials);
  return table;
}

void trial_labels(const TrialSpec& t, int n_frames, int frame_ms, std::uint8_t* labels) {
  for (int f = 0; f < n_frames; ++f)
    std::fill_n(labels + static_cast<std::size_t>(f) * frame_ms, frame_ms,
                static_cast<std::uint8_t>(t.state_at(f)));
}

Rng dot_rng(std::uint64_t seed, int trial_index) {
  return Rng(seed, {stream::dataset, kDotStream, static_cast<std::uint64_t>(trial_index)});
}

DotMotion::DotMotion(const TaskParams& p) : p_(p) {
  validate_task(p_);
  pix_size_cm_ = p_.screen_width_cm / p_.window_w_px;

  // Every dot centre sits at a whole pixel plus the same fraction (0 or 1/2,
  // from the window centre), so one footprint serves all dots. Pixel i covers
  // [i, i + 1); the dot is a disk of diameter dot_size_px.
  const double r = 0.5 * p_.dot_size_px;
  const double frac = 0.5 * (p_.window_w_px % 2);  // same rule for y below
  const double frac_y = 0.5 * (p_.window_h_px % 2);
  stamp_lo_ = static_cast<int>(std::floor(std::min(frac, frac_y) - r));
  const int hi = static_cast<int>(std::ceil(std::max(frac, frac_y) + r));
  stamp_n_ = hi - stamp_lo_;
  stamp_.assign(static_cast<std::size_t>(stamp_n_) * stamp_n_, 0.0f);
  for (int j = 0; j < stamp_n_; ++j) {
    for (int i = 0; i < stamp_n_; ++i) {
      const double px = stamp_lo_ + i, py = stamp_lo_ + j;  // pixel corner, relative to centre
      double cover = 0.0;
      if (p_.antialias) {
        int inside = 0;
        for (int sy = 0; sy < kSupersample; ++sy) {
          for (int sx = 0; sx < kSupersample; ++sx) {
            const double x = px + (sx + 0.5) / kSupersample - frac;
            const double y = py + (sy + 0.5) / kSupersample - frac_y;
            inside += (x * x + y * y <= r * r);
          }
        }
        cover = static_cast<double>(inside) / (kSupersample * kSupersample);
      } else {
        const double x = px + 0.5 - frac, y = py + 0.5 - frac_y;
        cover = (x * x + y * y <= r * r) ? 1.0 : 0.0;
      }
      stamp_[static_cast<std::size_t>(j) * stamp_n_ + i] = static_cast<float>(cover);
    }
  }
}

int DotMotion::n_coherent(double coherence) const {
  // The tolerance keeps products such as 0.1 * 150 = 15.000000000000002 at 15.
  const double n = coherence * p_.n_dots;
  return std::clamp(static_cast<int>(std::ceil(n - 1e-9)), 0, p_.n_dots);
}

int DotMotion::x_px(double x_deg) const {
  const double cm = 2.0 * p_.screen_dist_cm * std::tan(M_PI * x_deg / 360.0);
  return static_cast<int>(std::lround(cm / pix_size_cm_)) + p_.window_w_px / 2;
}

int DotMotion::y_px(double y_deg) const {
  const double cm = 2.0 * p_.screen_dist_cm * std::tan(M_PI * y_deg / 360.0);
  return static_cast<int>(std::lround(cm / pix_size_cm_)) + p_.window_h_px / 2;
}

void DotMotion::replot(Rng& rng, DotField& field, int i) const {
  field.x_deg[i] = (rng.uniform() - 0.5) * p_.aperture_w_deg;
  field.y_deg[i] = (rng.uniform() - 0.5) * p_.aperture_h_deg;
}

void DotMotion::start(const TrialSpec& trial, Rng& rng, DotField& field) const {
  const int n = p_.n_dots;
  field.x_deg.assign(n, 0.0);
  field.y_deg.assign(n, 0.0);
  field.age_frames.assign(n, 0);
  for (int i = 0; i < n; ++i) replot(rng, field, i);
  // Staggered ages, so that dots do not all expire in the same frame.
  if (p_.dot_lifetime_frames > 0)
    for (int i = 0; i < n; ++i)
      field.age_frames[i] = static_cast<int>(rng.below(p_.dot_lifetime_frames));
  set_directions(trial, trial.start_state, rng, field);
}

void DotMotion::set_directions(const TrialSpec& trial, int state, Rng& rng, DotField& field) const {
  const int n = p_.n_dots;
  const int n_coh = n_coherent(state == 1 ? p_.coherence_high : p_.coherence_low);
  field.direction_deg.resize(n);
  field.dx_deg.resize(n);
  field.dy_deg.resize(n);
  for (int i = 0; i < n; ++i) {
    // Every dot draws a direction, coherent ones too, as in the generator.
    const double random_deg = rng.uniform() * 360.0;
    field.direction_deg[i] = i < n_coh ? trial.direction_deg : random_deg;
    const double rad = field.direction_deg[i] * M_PI / 180.0;
    field.dx_deg[i] = p_.speed_deg_s * std::sin(rad) / p_.fps;
    field.dy_deg[i] = -p_.speed_deg_s * std::cos(rad) / p_.fps;  // 0 deg = up = -y
  }
}

void DotMotion::step(Rng& rng, DotField& field) const {
  const double w = p_.aperture_w_deg, h = p_.aperture_h_deg;
  for (int i = 0; i < p_.n_dots; ++i) {
    double x = field.x_deg[i] + field.dx_deg[i];
    double y = field.y_deg[i] + field.dy_deg[i];
    // Dots leaving the aperture re-enter one aperture width back.
    if (x < -0.5 * w) x += w;
    if (x > 0.5 * w) x -= w;
    if (y < -0.5 * h) y += h;
    if (y > 0.5 * h) y -= h;
    field.x_deg[i] = x;
    field.y_deg[i] = y;
  }
  if (p_.dot_lifetime_frames > 0) {
    for (int i = 0; i < p_.n_dots; ++i) {
      if (++field.age_frames[i] >= p_.dot_lifetime_frames) {
        field.age_frames[i] = 0;
        replot(rng, field, i);
      }
    }
  }
}

void DotMotion::render_window(const DotField& field, std::uint8_t* window) const {
  const int w = p_.window_w_px, h = p_.window_h_px;
  // Coverage of white over black; overlapping dots blend as alpha over alpha.
  std::vector<float> cover(static_cast<std::size_t>(w) * h, 0.0f);
  for (std::size_t d = 0; d < field.x_deg.size(); ++d) {
    const int cx = x_px(field.x_deg[d]), cy = y_px(field.y_deg[d]);
    for (int j = 0; j < stamp_n_; ++j) {
      const int y = cy + stamp_lo_ + j;
      if (y < 0 || y >= h) continue;
      const float* s = &stamp_[static_cast<std::size_t>(j) * stamp_n_];
      float* row = &cover[static_cast<std::size_t>(y) * w];
      for (int i = 0; i < stamp_n_; ++i) {
        const int x = cx + stamp_lo_ + i;
        if (x < 0 || x >= w || s[i] == 0.0f) continue;
        row[x] = 1.0f - (1.0f - row[x]) * (1.0f - s[i]);
      }
    }
  }
  // Round to 8 bits (coverage is never negative, so + 0.5 and truncation round).
  for (std::size_t k = 0; k < cover.size(); ++k)
    window[k] = static_cast<std::uint8_t>(255.0f * cover[k] + 0.5f);
}

void DotMotion::resize(const std::uint8_t* window, std::uint8_t* frame) const {
  const int iw = p_.window_w_px, ih = p_.window_h_px;
  const int ow = p_.frame_w_px, oh = p_.frame_h_px;
  const double sx = static_cast<double>(iw) / ow, sy = static_cast<double>(ih) / oh;
  for (int oy = 0; oy < oh; ++oy) {
    // Half-pixel centres; for the study's 5x reduction every sample lands on
    // a pixel centre, so the "bilinear" resize picks one pixel in 25.
    const double fy = std::clamp((oy + 0.5) * sy - 0.5, 0.0, ih - 1.0);
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, ih - 1);
    const double ty = fy - y0;
    for (int ox = 0; ox < ow; ++ox) {
      const double fx = std::clamp((ox + 0.5) * sx - 0.5, 0.0, iw - 1.0);
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, iw - 1);
      const double tx = fx - x0;
      const double top = window[y0 * iw + x0] + (window[y0 * iw + x1] - window[y0 * iw + x0]) * tx;
      const double bot = window[y1 * iw + x0] + (window[y1 * iw + x1] - window[y1 * iw + x0]) * tx;
      const double v = top + (bot - top) * ty;
      frame[oy * ow + ox] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));  // truncates
    }
  }
}

void DotMotion::movie(const TrialSpec& trial, std::uint64_t seed, int trial_index,
                      std::uint8_t* frames, std::vector<std::uint8_t>* window_frames) const {
  const std::size_t window_size = static_cast<std::size_t>(p_.window_w_px) * p_.window_h_px;
  const std::size_t frame_size = static_cast<std::size_t>(p_.frame_w_px) * p_.frame_h_px;
  if (window_frames) window_frames->assign(window_size * p_.n_frames, 0);
  std::vector<std::uint8_t> window(window_size);
  Rng rng = dot_rng(seed, trial_index);
  run(trial, rng, [&](int f, const DotField& field) {
    render_window(field, window.data());
    resize(window.data(), frames + f * frame_size);
    if (window_frames)
      std::copy(window.begin(), window.end(), window_frames->begin() + f * window_size);
  });
}

}  // namespace eisnn::task
