// The dataset of the coherence change-detection task (Zhu et al. 2026, SPEC
// §3): per trial, the spike probability of each input channel at every ms,
// the state label at every ms, and the trial table. Built once from dot
// movies and the study's CNN (front end `cnn`) or read from a rate file
// (front end `file`), then cached as HDF5 under a name derived from a hash of
// every key that shaped it. File layout: docs/task.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "eisnn/config.hpp"
#include "eisnn/task/stimulus.hpp"
#include "eisnn/task/task_params.hpp"

namespace eisnn::task {

// Mean input rate per channel and state, and which channels prefer a state.
struct ChannelReport {
  std::vector<double> mean_rate_state0;  // [n_in] spike probability per ms, over all ms in state 0
  std::vector<double> mean_rate_state1;  // [n_in]
  // Test of state 1 vs state 0 with trials as the unit. "paired": on change
  // trials, the mean rate in the state-1 part minus that in the state-0 part
  // of the same trial (same dots, same direction), one-sample t-test.
  // "welch" (fewer than 2 change trials): per-trial means of no-change trials
  // in state 1 vs state 0.
  std::string test = "paired";
  int n_trials_tested = 0;
  std::vector<double> t_stat;        // [n_in], > 0: higher in state 1
  std::vector<double> p_value;       // [n_in], two-sided; NaN if too few trials
  std::vector<int> preferred_state;  // [n_in]: 1 if mean_rate_state1 > mean_rate_state0, else 0
  std::vector<std::uint8_t> significant;  // [n_in]: p_value < alpha / n_in (Bonferroni)
  double alpha = 0.05;

  std::vector<int> biased_to(int state) const;  // channels significantly higher in `state`
};

struct Dataset {
  int n_trials = 0;
  int n_steps = 0;  // ms per trial (= network steps)
  int n_in = 0;     // input channels
  int frame_ms = 17;
  std::vector<float> rates;          // [n_trials][n_steps][n_in], spike probability per ms
  std::vector<std::uint8_t> labels;  // [n_trials][n_steps], state 0 or 1
  std::vector<int> change_ms;        // [n_trials], first ms of the new state; -1: no change
  std::vector<TrialSpec> trials;     // [n_trials] (front end file: direction unknown, -1)
  std::vector<int> train_trials;     // indices, ascending
  std::vector<int> heldout_trials;   // indices, ascending; never used for training
  ChannelReport report;
  std::string config_hash;     // hash of the keys that made it (empty for `file`)
  std::string key_text;        // those keys, "key = value" lines (dataset_key_text)
  std::filesystem::path file;  // cache file it was read from or written to

  const float* trial_rates(int trial) const {
    return rates.data() + static_cast<std::size_t>(trial) * n_steps * n_in;
  }
  const std::uint8_t* trial_labels(int trial) const {
    return labels.data() + static_cast<std::size_t>(trial) * n_steps;
  }
};

// Called as progress(done, total) while trials are built; from one thread at a time.
using Progress = std::function<void(int done, int total)>;

// The [task] keys that shape the dataset, one "key = value" line each, plus
// the seed and the generator version; and its 16-hex-digit hash, which names
// the cache file. `weights_checksum` ties a CNN dataset to its weights.
std::string dataset_key_text(const TaskParams& p, std::uint64_t seed,
                             const std::string& weights_checksum);
std::string dataset_hash(const TaskParams& p, std::uint64_t seed,
                         const std::string& weights_checksum);

// Renders every trial and runs the CNN (OpenMP over trials; identical results
// for any thread count).
Dataset build_dataset(const TaskParams& p, std::uint64_t seed, const Progress& progress = {});

// Reads rates and labels for front end `file` and checks them.
Dataset read_rates_file(const TaskParams& p);

// The whole pipeline: front end `file` reads its file; front end `cnn` reads
// <cache_dir>/dataset-<hash>.h5 if present, else builds and writes it.
// `built` (optional) tells whether it was built now.
Dataset load_or_build_dataset(const Config& config, const std::filesystem::path& cache_dir,
                              const Progress& progress = {}, bool* built = nullptr);

// Writes a dataset atomically (its key_text is stored for inspection and to
// check a cache hit). Reads one back (shapes checked; InputError naming the file).
void write_dataset(const Dataset& d, const std::filesystem::path& file);
Dataset read_dataset(const std::filesystem::path& file);
std::string read_dataset_key_text(const std::filesystem::path& file);

// Helpers used by the builders, public for tests.
ChannelReport channel_report(const Dataset& d, double alpha = 0.05);
void split_trials(Dataset& d, const TaskParams& p);

// Two-sided p-value of Student's t with `df` degrees of freedom.
double student_t_two_sided_p(double t, double df);

}  // namespace eisnn::task
