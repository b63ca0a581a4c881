// A small network and a synthetic task that train in well under a second,
// shared by the training and analysis tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "eisnn/config.hpp"
#include "eisnn/random.hpp"
#include "eisnn/task/dataset.hpp"

namespace eisnn::testing {

// A 50-unit network that trains in well under a second.
inline std::vector<std::string> small_overrides() {
  return {"network.n_e=40",
          "network.n_i=10",
          "connectivity.in_fan_out=12",
          "connectivity.n_out_from_e=8",
          "connectivity.n_out_from_i=3",
          "task.front_end=\"file\"",
          "training.batch_size=8",
          "training.batches_per_epoch=2",
          "training.epochs=2",
          "preset=clean",
          "training.lr=0.01",
          "training.threads=2"};
}

inline Config small_config(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = small_overrides();
  o.insert(o.end(), extra.begin(), extra.end());
  return load_config("", o);
}

// 16 channels, state 1 raises channels 0-7; half the trials change state;
// the last movie (8 trials here) is held out.
inline task::Dataset synthetic_dataset(int n_trials = 40, int n_steps = 300) {
  task::Dataset d;
  d.n_trials = n_trials;
  d.n_steps = n_steps;
  d.n_in = 16;
  d.config_hash = "synthetic";
  Rng rng(5, {99});
  for (int i = 0; i < n_trials; ++i) {
    const int start = i % 2, change = (i % 4 < 2) ? 100 + static_cast<int>(rng.below(100)) : -1;
    d.change_ms.push_back(change);
    for (int t = 0; t < n_steps; ++t) {
      const int state = (change >= 0 && t >= change) ? 1 - start : start;
      d.labels.push_back(static_cast<std::uint8_t>(state));
      for (int ch = 0; ch < 16; ++ch) d.rates.push_back(ch < 8 && state ? 0.3f : 0.1f);
    }
    (i < n_trials - 8 ? d.train_trials : d.heldout_trials).push_back(i);
  }
  d.report.preferred_state.assign(16, 0);
  for (int ch = 0; ch < 8; ++ch) d.report.preferred_state[static_cast<std::size_t>(ch)] = 1;
  d.report.mean_rate_state1.assign(16, 0.1);
  d.report.mean_rate_state0.assign(16, 0.1);
  return d;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eisnn-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace eisnn::testing
