// The batch of a training-update benchmark: the default network resized to
// `n_units`, `n_trials` trials of `n_steps` ms at the CNN's mean input rate,
// alternating state targets, and fresh optimiser state.
#pragma once

#include "eisnn/config.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/adam.hpp"
#include "eisnn/train/bptt.hpp"
#include "eisnn/train/constraints.hpp"

namespace eisnn::bench {

struct Setup {
  Config config;
  Network net;
  BatchData batch;
  std::vector<float> target;
  AdamState adam_in, adam_rec, adam_out;

  Setup(int n_units, int n_steps, int n_trials) {
    config = load_config("", {});
    config.network.n_e = n_units * 4 / 5;
    config.network.n_i = n_units - config.network.n_e;
    net = build_network(config);
    batch.n_steps = n_steps;
    // Alternating state targets with the CNN's mean input rate.
    target.resize(static_cast<std::size_t>(n_steps));
    for (int t = 0; t < n_steps; ++t) target[t] = (t / 1000) % 2;
    const std::vector<float> rates(static_cast<std::size_t>(n_steps) * net.n_in, 0.17f);
    for (int b = 0; b < n_trials; ++b) {
      Rng in(1, {stream::input_spikes, 0, static_cast<std::uint64_t>(b)});
      Rng v0(1, {stream::initial_state, 0, static_cast<std::uint64_t>(b)});
      batch.input.push_back(draw_input_spikes(rates.data(), n_steps, net.n_in, in));
      batch.v0_mV.push_back(
          draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), v0));
      batch.target.push_back(target.data());
    }
    adam_in.reset(net.w_in.n_synapses());
    adam_rec.reset(net.w_rec.n_synapses());
    adam_out.reset(net.w_out.n_synapses());
  }

  // One whole update: forward, backward, Adam, Dale's masks and rewiring.
  BatchOutcome update(Bptt& bptt, WeightGradients& grads, int threads, std::uint64_t index,
                      Communicator* comm = nullptr) {
    const BatchOutcome out =
        bptt.run(net, NeuronConstants::from(config.neuron), LossSettings::from(config.training),
                 batch, grads, threads, comm);
    adam_update(net.w_in.w_mV, grads.w_in, adam_in, {1e-3});
    adam_update(net.w_rec.w_mV, grads.w_rec, adam_rec, {1e-3});
    adam_update(net.w_out.w_mV, grads.w_out, adam_out, {1e-5});
    apply_constraints(net, adam_rec, config, index);
    return out;
  }
};

}  // namespace eisnn::bench
