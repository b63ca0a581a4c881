// The training loop of the study (Zhu et al. 2026): batches of consecutive
// trials in a shuffled order, one BPTT update each, then Dale's principle and
// rewiring; held-out scoring, weight snapshots and checkpoints along the way.
//
// Every random draw is keyed by (seed, update, trial), and a checkpoint holds
// the weights, the optimiser state and the update counter, so a run resumed
// from a checkpoint ends with the same weights, bit for bit, as one never
// stopped.
//
// Over the ranks of a Communicator (an MPI job), every rank holds the whole
// network and applies the same update; the trials of each batch and of each
// held-out evaluation are split between the ranks (Bptt), and only rank 0
// writes files. The weights are bit-identical to a single-process run.
//
// Files in the run folder (layouts in docs/file-formats.md):
//   config.toml, run.toml       what the run used
//   checkpoint.h5               last checkpoint (written atomically)
//   metrics.h5                  per-update and held-out metrics
//   snapshots/epoch-NNNNN.h5    weights at epoch 0 and every snapshot interval
//   network.h5, heldout.h5      the trained network and its held-out trials
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/parallel/communicator.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/task/dataset.hpp"
#include "eisnn/task/scoring.hpp"
#include "eisnn/train/adam.hpp"
#include "eisnn/train/bptt.hpp"

namespace eisnn {

// A run that cannot go on (a NaN loss, ...): the message names the update and
// the last good checkpoint.
class TrainingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct UpdateRecord {
  std::int64_t update = 0;
  int epoch = 0;
  LossTerms loss;
  double accuracy = 0;  // per-ms accuracy on the batch
  double rate_e_hz = 0, rate_i_hz = 0;
  int n_pruned = 0;    // recurrent synapses pruned (and made anew)
  double seconds = 0;  // wall time of the update
};

struct EvalRecord {
  int epoch = 0;  // epochs completed when scored
  task::Score score;
  double rate_e_hz = 0, rate_i_hz = 0;
};

struct TrainerCallbacks {
  std::function<void(const UpdateRecord&)> on_update;
  std::function<void(const EvalRecord&)> on_eval;
  std::function<void(const std::string&)> on_warning;
  std::function<void(const std::filesystem::path&, std::int64_t update)> on_checkpoint;
  std::function<bool()> should_stop;  // asked after every update: true saves and returns
};

// The held-out trials of `data` as every evaluation of a run sees them:
// initial voltages and input spikes keyed by (seed, kHeldoutKey, trial), so
// scores taken at any epoch, or later by an analysis, compare exactly.
std::vector<TrialResult> simulate_heldout_trials(const Network& net, const Config& config,
                                                 const task::Dataset& data, int threads);

class Trainer {
 public:
  // A new run in `dir` (which must not hold a checkpoint). With `comm`
  // (which must outlive the trainer), every rank of it constructs a trainer
  // the same way and calls run() together.
  Trainer(const Config& config, const task::Dataset& data, std::filesystem::path dir,
          Communicator* comm = nullptr);

  // Continues the run in `dir` from its checkpoint; `epochs` > 0 changes the
  // number of epochs to train in all.
  static Trainer resume(std::filesystem::path dir, const task::Dataset& data, int epochs = 0,
                        Communicator* comm = nullptr);

  // Reads the configuration a run was started with (from its checkpoint).
  static Config config_of_run(const std::filesystem::path& dir);

  // Trains up to the configured number of epochs; returns false if stopped
  // early (on every rank, if `should_stop` is true on any).
  bool run(const TrainerCallbacks& callbacks = {});

  const Config& config() const { return config_; }
  // Threads change the speed, never the results.
  void set_threads(int threads) { config_.training.threads = threads; }
  const Network& network() const { return net_; }
  std::int64_t next_update() const { return next_update_; }
  std::int64_t n_updates() const;
  const std::vector<UpdateRecord>& updates() const { return updates_; }
  const std::vector<EvalRecord>& evals() const { return evals_; }

  // The batch (trial indices) of an update.
  std::vector<int> batch_trials(std::int64_t update) const;

  // Held-out score of the current network (forward only); `results`, if
  // given, receives the held-out trials' spikes and readouts, and makes this
  // rank simulate all of them instead of its share.
  EvalRecord evaluate(int epoch, std::vector<TrialResult>* results = nullptr) const;

  Communicator& communicator() const { return *comm_; }
  bool writes_files() const { return comm_->rank() == 0; }

 private:
  Trainer(const task::Dataset& data, std::filesystem::path dir, Communicator* comm);
  void setup();
  void step(const TrainerCallbacks& cb);
  void write_checkpoint() const;
  void write_metrics() const;
  void write_snapshot(int epoch) const;
  void write_final() const;

  Config config_;
  const task::Dataset& data_;
  std::filesystem::path dir_;
  std::unique_ptr<Communicator> serial_;  // used when no communicator is given
  Communicator* comm_ = nullptr;
  Network net_;
  AdamState adam_in_, adam_rec_, adam_out_;
  std::int64_t next_update_ = 0;
  std::vector<UpdateRecord> updates_;
  std::vector<EvalRecord> evals_;
  std::vector<float> targets_;             // [n_trials][n_steps][n_out]
  std::vector<std::vector<int>> batches_;  // fixed batches of consecutive training trials
  Bptt bptt_;
};

}  // namespace eisnn
