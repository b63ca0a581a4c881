// eisnn stimulus: PNG frames of one trial's dot movie around its change.
// eisnn dataset: build (or take from the cache) the task dataset, write it,
// and log the per-channel rate report.
#include <omp.h>
#include <png.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "commands.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/task/dataset.hpp"
#include "eisnn/task/stimulus.hpp"

namespace eisnn::app {
namespace {

// An RGB image, rows top to bottom.
struct Image {
  int w = 0, h = 0;
  std::vector<std::uint8_t> rgb;  // [h][w][3]
  Image(int w_, int h_, std::uint8_t fill = 0)
      : w(w_), h(h_), rgb(std::size_t(w_) * h_ * 3, fill) {}
  std::uint8_t* at(int x, int y) { return &rgb[(std::size_t(y) * w + x) * 3]; }
};

// Writes a PNG atomically (temporary file, then rename).
void write_png(const std::filesystem::path& path, const Image& img) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = img.w;
  png.height = img.h;
  png.format = PNG_FORMAT_RGB;
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  if (!png_image_write_to_file(&png, tmp.c_str(), 0, img.rgb.data(), img.w * 3, nullptr)) {
    std::filesystem::remove(tmp);
    throw InputError("cannot write PNG '" + path.string() + "': " + png.message);
  }
  std::filesystem::rename(tmp, path);
}

// Pastes a gray frame [h][w] at (x0, y0), scaled up `scale` times (nearest).
void paste(Image& dst, const std::uint8_t* gray, int w, int h, int scale, int x0, int y0) {
  for (int y = 0; y < h * scale; ++y)
    for (int x = 0; x < w * scale; ++x) {
      std::uint8_t* p = dst.at(x0 + x, y0 + y);
      p[0] = p[1] = p[2] = gray[(y / scale) * w + x / scale];
    }
}

// A coloured frame around a tile marks its state: green = 1 (coherent), orange = 0.
void border(Image& dst, int x0, int y0, int w, int h, int state) {
  const std::uint8_t c[3] = {static_cast<std::uint8_t>(state ? 40 : 230),
                             static_cast<std::uint8_t>(state ? 200 : 140), 40};
  for (int t = 1; t <= 2; ++t) {
    for (int x = x0 - t; x < x0 + w + t; ++x)
      std::copy(c, c + 3, dst.at(x, y0 - t)), std::copy(c, c + 3, dst.at(x, y0 + h + t - 1));
    for (int y = y0 - t; y < y0 + h + t; ++y)
      std::copy(c, c + 3, dst.at(x0 - t, y)), std::copy(c, c + 3, dst.at(x0 + w + t - 1, y));
  }
}

// Frames to show: around the change, or spread over a trial without one.
std::vector<int> pick_frames(const task::TrialSpec& t, int n_frames) {
  std::vector<int> frames;
  if (t.change_frame >= 0) {
    for (int d : {-30, -12, -4, -1, 0, 3, 11, 29})
      frames.push_back(std::clamp(t.change_frame + d, 0, n_frames - 1));
  } else {
    for (int k = 0; k < 8; ++k) frames.push_back(k * (n_frames - 1) / 7);
  }
  frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  return frames;
}

void run_stimulus(const ConfigFlags& flags, int trial_index, const std::filesystem::path& dir) {
  const auto started = std::chrono::steady_clock::now();
  RunInfo info{command_line(), flags.threads, utc_now(), "", 0.0};
  const Config config = flags.load();
  const TaskParams& p = config.task;
  const auto table = task::make_trial_table(p, config.seed);
  if (trial_index < 0 || trial_index >= static_cast<int>(table.size()))
    throw InputError("--trial " + std::to_string(trial_index) + " is out of range [0, " +
                     std::to_string(table.size() - 1) +
                     "] ([task] n_trials = " + std::to_string(p.n_trials) + ")");
  prepare_output_dir(dir);

  const task::TrialSpec& t = table[trial_index];
  const task::DotMotion dots(p);
  const std::size_t frame_size = std::size_t(p.frame_w_px) * p.frame_h_px;
  const std::size_t window_size = std::size_t(p.window_w_px) * p.window_h_px;
  std::vector<std::uint8_t> frames(frame_size * p.n_frames), window;
  dots.movie(t, config.seed, trial_index, frames.data(), &window);

  // Contact sheet: the window (top row) and the frame the CNN sees, scaled
  // back up to the window's size (bottom row), for each chosen frame.
  const std::vector<int> shown = pick_frames(t, p.n_frames);
  const int scale = std::max(1, p.window_w_px / p.frame_w_px);
  const int tile_w = std::max(p.window_w_px, p.frame_w_px * scale);
  const int tile_h = std::max(p.window_h_px, p.frame_h_px * scale);
  const int gap = 8;
  Image sheet(gap + int(shown.size()) * (tile_w + gap), gap + 2 * (tile_h + gap), 64);
  const std::string stem = "trial-" + std::to_string(trial_index);
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const int f = shown[k], x0 = gap + int(k) * (tile_w + gap);
    const std::uint8_t* win = &window[f * window_size];
    const std::uint8_t* small = &frames[f * frame_size];
    paste(sheet, win, p.window_w_px, p.window_h_px, 1, x0, gap);
    paste(sheet, small, p.frame_w_px, p.frame_h_px, scale, x0, 2 * gap + tile_h);
    border(sheet, x0, gap, p.window_w_px, p.window_h_px, t.state_at(f));
    border(sheet, x0, 2 * gap + tile_h, p.frame_w_px * scale, p.frame_h_px * scale, t.state_at(f));

    char name[64];
    std::snprintf(name, sizeof name, "-frame-%03d.png", f);
    Image one(p.window_w_px, p.window_h_px);
    paste(one, win, p.window_w_px, p.window_h_px, 1, 0, 0);
    write_png(dir / (stem + name), one);
    Image low(p.frame_w_px, p.frame_h_px);
    paste(low, small, p.frame_w_px, p.frame_h_px, 1, 0, 0);
    std::snprintf(name, sizeof name, "-frame-%03d-cnn.png", f);
    write_png(dir / (stem + name), low);
  }
  write_png(dir / (stem + "-sheet.png"), sheet);

  std::string list;
  for (int f : shown) list += (list.empty() ? "" : ", ") + std::to_string(f);
  spdlog::info("trial {} (movie {}): starts in state {}, {}, direction {} deg", trial_index,
               t.movie, t.start_state,
               t.change_frame >= 0 ? "changes at frame " + std::to_string(t.change_frame) + " (" +
                                         std::to_string(t.change_frame * p.frame_ms) + " ms)"
                                   : std::string("no change"),
               t.direction_deg);
  spdlog::info(
      "wrote {} (frames {}; top: {}x{} window, bottom: {}x{} CNN input; green = state 1, orange = "
      "state 0)",
      (dir / (stem + "-sheet.png")).string(), list, p.window_w_px, p.window_h_px, p.frame_w_px,
      p.frame_h_px);
  info.finished = utc_now();
  info.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_run_record(dir, config, info);
}

void log_report(const task::Dataset& d) {
  const task::ChannelReport& r = d.report;
  spdlog::info("input rates (spike probability per ms), {} test over {} trials, alpha {} / {}:",
               r.test, r.n_trials_tested, r.alpha, d.n_in);
  spdlog::info("  ch   state0   state1        t          p  bias");
  double m0 = 0, m1 = 0;
  for (int c = 0; c < d.n_in; ++c) {
    m0 += r.mean_rate_state0[c] / d.n_in;
    m1 += r.mean_rate_state1[c] / d.n_in;
    spdlog::info("  {:2d}  {:7.4f}  {:7.4f}  {:7.2f}  {:9.2e}  {}", c, r.mean_rate_state0[c],
                 r.mean_rate_state1[c], r.t_stat[c], r.p_value[c],
                 r.significant[c] ? (r.preferred_state[c] ? "state 1" : "state 0") : "-");
  }
  spdlog::info("mean over channels: state 0 {:.4f} ({:.0f} Hz), state 1 {:.4f} ({:.0f} Hz)", m0,
               m0 * 1000, m1, m1 * 1000);
  auto join = [](const std::vector<int>& v) {
    std::string s;
    for (int c : v) s += (s.empty() ? "" : ", ") + std::to_string(c);
    return s.empty() ? std::string("none") : s;
  };
  spdlog::info("channels biased to state 1: {}; to state 0: {}", join(r.biased_to(1)),
               join(r.biased_to(0)));
}

void run_dataset(const ConfigFlags& flags, const std::filesystem::path& out) {
  const auto started = std::chrono::steady_clock::now();
  const Config config = flags.load();
  if (flags.threads > 0) omp_set_num_threads(flags.threads);
  int last_decile = -1;
  auto progress = [&](int done, int total) {
    const int decile = 10 * done / total;
    if (decile != last_decile) spdlog::info("built {}/{} trials", done, total);
    last_decile = decile;
  };
  bool built = false;
  const task::Dataset d =
      task::load_or_build_dataset(config, config.task.cache_dir, progress, &built);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (config.task.front_end == "cnn")
    spdlog::info("{} dataset {} in {:.1f} s ({} trials, {} threads)",
                 built ? "built" : "read cached", d.file.string(), wall_s, d.n_trials,
                 omp_get_max_threads());
  else
    spdlog::info("read {} in {:.1f} s ({} trials x {} ms x {} channels)", d.file.string(), wall_s,
                 d.n_trials, d.n_steps, d.n_in);
  log_report(d);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  task::write_dataset(d, out);
  spdlog::info("wrote {} ({} training, {} held-out trials)", out.string(), d.train_trials.size(),
               d.heldout_trials.size());
}

}  // namespace

void add_stimulus_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("stimulus", "Write PNG frames of one trial's dot movie around its change");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  auto trial = std::make_shared<int>(0);
  auto out = std::make_shared<std::string>();
  cmd->add_option("-t,--trial", *trial, "trial index in the dataset (default 0)");
  cmd->add_option("-o,--out", *out, "output folder")->required();
  cmd->callback([flags, trial, out] {
    single_process_only("stimulus");
    run_stimulus(*flags, *trial, *out);
  });
}

void add_dataset_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "dataset",
      "Build the task dataset (or read it from [task] cache_dir), write it and report input rates");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  auto out = std::make_shared<std::string>();
  cmd->add_option("-o,--out", *out, "dataset file to write (.h5; layout in docs/task.md)")
      ->required();
  cmd->callback([flags, out] {
    single_process_only("dataset");
    run_dataset(*flags, *out);
  });
}

}  // namespace eisnn::app
