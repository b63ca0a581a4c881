// Configuration of training (section [training]), defaults as in the study
// (Zhu et al. 2026): full BPTT, MSE task loss plus a rolling rate loss, two
// Adam optimisers, Dale's principle with count-preserving recurrent rewiring.
#pragma once

#include <string>

#include "eisnn/params.hpp"

namespace eisnn {

struct TrainingParams {
  // Loss = task + rate_cost * rate loss (see train/loss.hpp).
  std::string loss = "task+rate";     // task+rate | task | rate
  std::string rate_loss = "rolling";  // rolling | plain
  double rate_cost = 0.1;
  double rate_target_per_ms = 0.02;  // 20 Hz

  // Adam (Kingma & Ba 2015, in the form of Keras: eps added to sqrt(v)).
  double lr = 1e-3;      // input and recurrent weights
  double lr_out = 1e-5;  // readout weights
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-7;

  int batch_size = 30;  // consecutive trials per batch
  int batches_per_epoch = 10;
  int epochs = 1000;

  bool dale = true;            // keep every weight's sign; false: free signs, fixed mask
  bool rewire = true;          // replace pruned recurrent synapses (with dale)
  double rewire_scale = 10.0;  // new synapse = initial law x this (zhu2026: 10, clean: 1)

  int eval_every_epochs = 1;       // held-out score
  int snapshot_every_epochs = 10;  // weight snapshots (the initial weights too)
  int checkpoint_every_epochs = 10;
  int threads = 0;                 // 0: all cores
  double silent_rate_hz = 0.1;     // warn when the mean rate falls below ...
  double ceiling_rate_hz = 200.0;  // ... or rises above these

  template <class V>
  void visit(V& v) {
    v("loss", loss, Choices{{"task+rate", "task", "rate"}}, "terms of the loss");
    v("rate_loss", rate_loss, Choices{{"rolling", "plain"}},
      "rolling: running mean rate over the batch in time; plain: mean rate");
    v("rate_cost", rate_cost, Range::non_negative(), "weight of the rate loss");
    v("rate_target_per_ms", rate_target_per_ms, Range::unit(), "target rate (spikes per ms)");
    v("lr", lr, Range::non_negative(), "Adam learning rate of input and recurrent weights");
    v("lr_out", lr_out, Range::non_negative(), "Adam learning rate of readout weights");
    v("adam_beta1", adam_beta1, Range{0.0, 1.0, false, true}, "Adam first-moment decay");
    v("adam_beta2", adam_beta2, Range{0.0, 1.0, false, true}, "Adam second-moment decay");
    v("adam_eps", adam_eps, Range::positive(), "Adam epsilon, added to sqrt(v)");
    v("batch_size", batch_size, Range::at_least(1), "trials per batch (consecutive trials)");
    v("batches_per_epoch", batches_per_epoch, Range::at_least(1), "updates per epoch");
    v("epochs", epochs, Range::at_least(0), "epochs to train");
    v("dale", dale, "keep the sign of every unit's weights (Dale's principle)");
    v("rewire", rewire, "with dale: replace each pruned recurrent synapse by a new one");
    v("rewire_scale", rewire_scale, Range::positive(),
      "magnitude of new synapses relative to the initial law (zhu2026: 10, clean: 1)");
    v("eval_every_epochs", eval_every_epochs, Range::at_least(1), "held-out scoring interval");
    v("snapshot_every_epochs", snapshot_every_epochs, Range::at_least(1),
      "weight snapshot interval (epochs)");
    v("checkpoint_every_epochs", checkpoint_every_epochs, Range::at_least(1),
      "checkpoint interval (epochs)");
    v("threads", threads, Range::non_negative(), "worker threads (0 = all cores)");
    v("silent_rate_hz", silent_rate_hz, Range::non_negative(), "warn below this mean rate (Hz)");
    v("ceiling_rate_hz", ceiling_rate_hz, Range::positive(), "warn above this mean rate (Hz)");
  }
};

}  // namespace eisnn
