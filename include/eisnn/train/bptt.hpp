// Exact backpropagation through time for the adaptive LIF network (equations
// in neuron.hpp), with the pseudo-derivative of Bellec et al. 2018:
//   dz_t/ds_t = gamma_pd max(0, 1 - |s_t|), and 0 while the unit is refractory.
// Gradients flow through the membrane, the adaptive threshold, the delayed
// reset, the recurrence and the readout filter; the refractory counter carries
// none. The result is the exact gradient of the discrete dynamics under that
// pseudo-derivative, not an approximation such as e-prop.
//
// Sparsity is what makes it fast. The forward pass keeps only the (unit, step)
// pairs whose pseudo-derivative is non-zero; the backward pass visits only
// those pairs for the recurrent adjoint, and the weight gradients are
// accumulated event by event, at input and network spikes.
//
// Loss (train/train_params.hpp):
//   task: mean over trials, steps and outputs of (y - target)^2
//   rate, rolling: the batch's trials are concatenated in time into one
//     sequence of B T steps; R_s = (spikes of the unit up to s) / s;
//     loss = rate_cost * sum over trials and units of the trial's time mean
//     of (R_s - target)^2 (as the study's code computes it)
//   rate, plain: rate_cost * sum over units of (mean rate - target)^2
//
// Over several ranks (a Communicator of an MPI job) each rank takes a
// contiguous block of the groups of kLanes consecutive trials, the same groups
// a single process forms. The ranks exchange what couples the trials (spike
// counts for the running rate, the readouts, every trial's gradient), and
// every rank sums the gradients in trial order: the result is bit-identical
// for any number of ranks and threads.
#pragma once

#include <cstdint>
#include <vector>

#include "eisnn/network.hpp"
#include "eisnn/neuron.hpp"
#include "eisnn/parallel/communicator.hpp"
#include "eisnn/spike_train.hpp"
#include "eisnn/train/train_params.hpp"

namespace eisnn {

struct LossSettings {
  bool task_in_gradient = true;
  bool rate_in_gradient = true;
  bool rolling = true;
  double rate_cost = 0.1;
  double rate_target_per_ms = 0.02;

  static LossSettings from(const TrainingParams& p);
};

struct LossTerms {
  double task = 0;   // MSE
  double rate = 0;   // rate_cost x rate loss
  double total = 0;  // the terms that enter the gradient
};

// Per-synapse gradients dL/dw in the CSR order of the network's matrices.
struct WeightGradients {
  std::vector<float> w_in, w_rec, w_out;
};

// One batch: per trial its input spikes, initial voltages and targets.
struct BatchData {
  int n_steps = 0;
  std::vector<SpikeTrain> input;          // [B]
  std::vector<std::vector<float>> v0_mV;  // [B][n_units]
  std::vector<const float*> target;       // [B] -> [n_steps][n_out]
  int n_trials() const { return static_cast<int>(input.size()); }
};

// What the forward pass produced, per trial; pointers are valid until the next run.
struct BatchOutcome {
  LossTerms loss;
  std::vector<const SpikeTrain*> spikes;  // [B]; over several ranks, null for other ranks' trials
  std::vector<const std::vector<float>*> y;                     // [B] -> [n_steps][n_out]
  std::vector<const std::vector<std::uint32_t>*> spike_counts;  // [B] -> spikes per unit
  std::uint64_t n_spikes = 0;
  std::uint64_t n_active = 0;  // (unit, step) pairs with a non-zero pseudo-derivative
  double forward_s = 0;        // wall time of the forward pass
  double backward_s = 0;       // wall time of the rate terms and the backward pass
};

class Bptt {
 public:
  struct Tape;       // one trial's forward record (defined in bptt.cpp)
  struct GroupTape;  // pseudo-derivatives of a group of trials, lane-major

  Bptt();
  ~Bptt();
  Bptt(Bptt&&) noexcept;
  Bptt& operator=(Bptt&&) noexcept;

  // Forward and backward over the batch. Gradients are summed over trials in
  // trial order, so they are bit-identical for any thread count. With `comm`,
  // this rank computes only its trials (trials_of_rank), whose input spikes
  // and initial voltages are the only ones `batch` needs; every rank receives
  // the same gradients, loss, readouts and spike counts.
  BatchOutcome run(const Network& net, const NeuronConstants& k, const LossSettings& loss,
                   const BatchData& batch, WeightGradients& grads, int threads = 0,
                   Communicator* comm = nullptr);

  // The trials of a batch of `n_trials` that rank `rank` of `n_ranks` computes.
  static Share trials_of_rank(int n_trials, int rank, int n_ranks);

 private:
  std::vector<Tape> tapes_;        // one per trial, buffers reused across calls
  std::vector<GroupTape> groups_;  // one per group of trials
};

}  // namespace eisnn
