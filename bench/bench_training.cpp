// One training update of the default network: 30 trials x 4080 ms, forward
// with tape, backward, Adam, Dale's masks and rewiring. Target: at most 0.3 s
// on 2 cores. Also the cost for other sizes N and trial lengths T.
#include <benchmark/benchmark.h>

#include "eisnn/config.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/adam.hpp"
#include "eisnn/train/bptt.hpp"
#include "eisnn/train/constraints.hpp"

namespace {

using namespace eisnn;

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
};

void BM_TrainingUpdate(benchmark::State& state) {
  const int n_units = static_cast<int>(state.range(0));
  const int n_steps = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  Setup s(n_units, n_steps, 30);
  const NeuronConstants k = NeuronConstants::from(s.config.neuron);
  const LossSettings loss = LossSettings::from(s.config.training);
  Bptt bptt;
  WeightGradients grads;
  std::uint64_t update = 0, active = 0, spikes = 0;
  for (auto _ : state) {
    const BatchOutcome out = bptt.run(s.net, k, loss, s.batch, grads, threads);
    adam_update(s.net.w_in.w_mV, grads.w_in, s.adam_in, {1e-3});
    adam_update(s.net.w_rec.w_mV, grads.w_rec, s.adam_rec, {1e-3});
    adam_update(s.net.w_out.w_mV, grads.w_out, s.adam_out, {1e-5});
    apply_constraints(s.net, s.adam_rec, s.config, update++);
    active += out.n_active;
    spikes += out.n_spikes;
  }
  const double unit_steps = static_cast<double>(state.iterations()) * 30 * n_steps * n_units;
  state.counters["active_frac"] = static_cast<double>(active) / unit_steps;
  state.counters["rate_Hz"] = 1000.0 * static_cast<double>(spikes) / unit_steps;
}
BENCHMARK(BM_TrainingUpdate)
    ->ArgNames({"N", "T", "threads"})
    ->Args({300, 4080, 1})
    ->Args({300, 4080, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// How the cost grows with network size and trial length (2 threads).
BENCHMARK(BM_TrainingUpdate)
    ->Name("BM_TrainingUpdate_scaling")
    ->ArgNames({"N", "T", "threads"})
    ->ArgsProduct({{300, 1000, 3000}, {1000, 4080, 10000}, {2}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
