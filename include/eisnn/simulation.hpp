// Forward simulation of batches of trials, in parallel over trials. Each trial
// draws its initial voltages and input spikes from random streams keyed by
// (seed, epoch, trial), so results are bit-identical for any thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/neuron.hpp"
#include "eisnn/random.hpp"
#include "eisnn/spike_train.hpp"

namespace eisnn {

// Input spikes: Bernoulli per ms and channel, spike if p > U(0, 1).
// rates: [n_steps][n_in] spike probabilities per ms.
SpikeTrain draw_input_spikes(const float* rates, int n_steps, int n_in, Rng& rng);

// Initial voltages of one trial (initial_state section): Normal(mean, sd),
// plus E_L when v0_add_rest is set.
std::vector<float> draw_initial_voltage(const InitialStateParams& init, const NeuronParams& neuron,
                                        int n_units, Rng& rng);

struct TrialResult {
  SpikeTrain spikes;        // the network's spikes, by step
  std::vector<float> y;     // [n_steps][n_out] readout
  std::vector<float> v_mV;  // [n_steps][record.size()] recorded voltages
  std::uint64_t n_input_spikes = 0;
  std::uint64_t n_synaptic_events = 0;  // input + recurrent deliveries
};

struct BatchRequest {
  int n_trials = 0;
  int n_steps = 0;
  // Spike probabilities of trial i, [n_steps][n_in]; must stay valid during the call.
  std::function<const float*(int trial)> rates;
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;          // key of the random streams, with the trial
  std::vector<int> trial_keys;      // stream key per trial (default: its index)
  std::vector<int> record_voltage;  // units whose v is kept
  int threads = 0;                  // 0: OpenMP's default
};

// Called after each finished trial with (trials done, trials in all), from one thread at a time.
using ProgressFn = std::function<void(int done, int total)>;

std::vector<TrialResult> simulate_batch(const Network& net, const Config& config,
                                        const BatchRequest& request,
                                        const ProgressFn& progress = {});

// One trial from given initial voltages and input spikes.
TrialResult simulate_trial(const Network& net, const NeuronConstants& k,
                           std::span<const float> v0_mV, const SpikeTrain& input,
                           const std::vector<int>& record_voltage = {});

}  // namespace eisnn
