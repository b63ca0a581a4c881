// Dissection of one training run (Zhu et al. 2026, SPEC §5): the trained
// network, its naive counterparts (the initial weights, snapshot epoch 0,
// and the study's convention, the weights after 10 epochs) and every weight
// snapshot, each simulated on the held-out trials of the run's dataset.
// Layouts of the files written here: docs/analysis.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "eisnn/analysis/connectivity.hpp"
#include "eisnn/analysis/perturbation.hpp"
#include "eisnn/analysis/tuning.hpp"
#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/task/dataset.hpp"

namespace eisnn::analysis {

// What a run folder of `eisnn train` holds, read and checked.
struct RunFolder {
  std::filesystem::path dir;
  Config config;  // from config.toml
  Network trained;
  std::string trained_source;  // "network.h5" or "checkpoint.h5"
  int trained_epoch = 0;
  std::vector<std::pair<int, std::filesystem::path>> snapshots;  // (epoch, file), by epoch

  std::optional<std::filesystem::path> snapshot(int epoch) const;
};

// Reads a run folder. Without network.h5 (a run still training) it throws
// InputError unless `allow_checkpoint`, which takes the checkpoint's network.
RunFolder open_run(const std::filesystem::path& dir, bool allow_checkpoint = false);

// Reads the network of a snapshot or network file; InputError names the file.
Network read_network_file(const std::filesystem::path& file, const std::string& group = "/network");

// Everything measured on one network.
struct NetworkAnalysis {
  std::string name;  // naive0, naive10, trained
  int epoch = 0;
  Network net;
  task::Score score;
  Tuning tuning;
  BlockMeans blocks;
  TuningRatios ratios;
  InputWeights input;
  std::vector<double> readout_mV;  // [group][n_out], readout_means
  SignPooling signs;
  std::optional<SignChanges> rec_sign_changes, in_sign_changes;  // against the initial weights
};

// The ratios over training, one entry per snapshot (and the trained network).
struct TrainingCourse {
  std::vector<int> epoch;
  std::vector<TuningRatios> own;    // with each snapshot's own tuning
  std::vector<TuningRatios> final;  // with the trained network's tuning
  std::vector<BlockMeans> blocks;   // own tuning
  std::vector<double> per_ms_accuracy, rate_e_hz, rate_i_hz;
};

// A change trial of the trained network, for a raster plot.
struct Raster {
  int trial = -1, change_ms = -1, n_steps = 0, n_out = 0;
  std::vector<std::uint32_t> time_ms;
  std::vector<std::uint16_t> unit;
  std::vector<float> y;              // [n_steps][n_out]
  std::vector<std::uint8_t> labels;  // [n_steps]
};

struct RunAnalysis {
  std::vector<NetworkAnalysis> networks;  // naive0, naive10 (when its snapshot exists), trained
  TrainingCourse course;
  std::vector<int> channel_state;                                // [n_in] 1: 1-biased
  std::vector<double> channel_rate_state1, channel_rate_state0;  // spike probability per ms
  Raster raster;
  bool one_hot = false;  // one-hot measures written
};

struct AnalyzeOptions {
  bool one_hot = false;     // ask for one-hot measures (the run must have 2 readouts)
  int snapshot_stride = 1;  // use every n-th snapshot for the course over training
  int threads = 0;
};

RunAnalysis analyze_run(const RunFolder& run, const task::Dataset& data,
                        const AnalyzeOptions& options, const StepFn& on_step = {});

// Writes analysis.h5 (atomically) and returns the short text summary.
void write_analysis(const RunAnalysis& a, const RunFolder& run, const std::filesystem::path& file);
std::string summarize(const RunAnalysis& a, const RunFolder& run);

// Writes perturb.h5 (atomically) and returns the short text summary.
void write_perturbation(const PerturbationReport& p, const RunFolder& run,
                        const PerturbOptions& options, const std::filesystem::path& file);
std::string summarize(const PerturbationReport& p, const RunFolder& run);

}  // namespace eisnn::analysis
