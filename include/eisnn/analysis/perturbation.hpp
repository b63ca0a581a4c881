// Held-out evaluation of a network, plain or perturbed (Zhu et al. 2026,
// SPEC §5, claim C6): spike-time jitter of the input, extra delays of
// recurrent spike delivery (random or constant), and silencing of chosen
// synapses. Trials see the same initial voltages and input spikes as the
// trainer's held-out evaluation (same seed and key), so the unperturbed
// score equals the one in the run's metrics; jitter draws come from their
// own streams, keyed by (kind, J, repeat, trial).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eisnn/analysis/tuning.hpp"
#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/random.hpp"
#include "eisnn/spike_train.hpp"
#include "eisnn/task/dataset.hpp"
#include "eisnn/task/scoring.hpp"

namespace eisnn::analysis {

enum class DelayKind { none, random, constant };

struct Perturbation {
  int input_jitter_ms = 0;  // each input spike moves by an integer in [-J, J]
  DelayKind delay = DelayKind::none;
  int delay_j_ms = 0;  // random: extra delay in [0, 2J] per spike; constant: J
  std::uint64_t repeat = 0;
};

struct Evaluation {
  task::Score score;
  std::vector<int> trials;            // dataset trials, in order
  std::vector<std::vector<float>> y;  // per trial [n_steps][n_out]
  std::vector<SpikeTrain> spikes;     // per trial, if asked for
};

// Runs `trials` of `data` (held-out trials if empty) through `net`, perturbed
// as `p` says, and scores them with task::score.
Evaluation evaluate(const Network& net, const Config& config, const task::Dataset& data,
                    const Perturbation& p = {}, bool keep_spikes = false, int threads = 0,
                    std::vector<int> trials = {});

// Input spikes moved by a random integer in [-J, J] each; spikes moved out of
// the trial are lost, spikes that meet in one step both count.
SpikeTrain jitter_spikes(const SpikeTrain& in, int j_ms, Rng& rng);

// A copy of `net` with synapses silenced (weights set to 0; the wiring stays).
struct Silencing {
  std::vector<int> input_onto;              // units whose input synapses are silenced
  std::vector<int> recurrent_from;          // units whose recurrent output is silenced
  std::vector<std::uint32_t> rec_synapses;  // single recurrent synapses (CSR index)
  bool ee = false, ei = false;              // all E->E, all E->I synapses
};
Network silence(const Network& net, const Silencing& s);

// The strongest `fraction` (by |w|) of the existing inhibitory synapses whose
// pre and post prefer opposite states (cross = true) or the same state,
// as CSR indices of w_rec. preferred: [n_units].
std::vector<std::uint32_t> strongest_inhibitory(const Network& net,
                                                const std::vector<int>& preferred, bool cross,
                                                double fraction);

// One named perturbation and its scores (one per repeat).
struct PerturbationResult {
  std::string name, description;
  std::int64_t n_silenced = 0;  // synapses or units, see description
  std::vector<double> mse, per_ms_accuracy;
};

struct JitterResult {
  std::vector<int> j_ms;
  int n_repeats = 0;
  // [j][repeat]; constant delay is not random: one value per J.
  std::vector<std::vector<double>> input_mse, input_accuracy;
  std::vector<std::vector<double>> random_mse, random_accuracy;
  std::vector<double> constant_mse, constant_accuracy;
};

struct PerturbationReport {
  task::Score baseline;
  Tuning tuning;  // of the unperturbed network, selects the synapses
  JitterResult jitter;
  std::vector<PerturbationResult> silencing;
};

struct PerturbOptions {
  std::vector<int> j_ms = {0, 1, 2, 3, 5, 10};
  int n_repeats = 3;
  double strongest_fraction = 0.25;
  int threads = 0;
};

// Called with a short description of each step as it starts.
using StepFn = std::function<void(const std::string&)>;

PerturbationReport perturb_network(const Network& net, const Config& config,
                                   const task::Dataset& data, const PerturbOptions& options,
                                   const StepFn& on_step = {});

}  // namespace eisnn::analysis
