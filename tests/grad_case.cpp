// Writes a gradient file for a small network in which spikes, adaptation and
// refractoriness are all active, for tests/python/test_gradient.py to check
// against an independent PyTorch autograd of the same forward pass.
// Usage: grad_case OUT.h5 [section.key=value ...]
#include <cstdio>

#include "eisnn/config.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/gradient_file.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/bptt.hpp"

int main(int argc, char** argv) {
  using namespace eisnn;
  if (argc < 2) {
    std::fprintf(stderr, "usage: grad_case OUT.h5 [section.key=value ...]\n");
    return 2;
  }
  // Strong recurrent weights and input onto every unit (readout units too), so
  // that the readout path carries gradient and spikes hit the refractory period.
  std::vector<std::string> overrides = {"network.n_in=4",
                                        "network.n_e=16",
                                        "network.n_i=4",
                                        "connectivity.n_out_from_e=4",
                                        "connectivity.n_out_from_i=2",
                                        "connectivity.in_fan_out=10",
                                        "connectivity.no_input_to_output=false",
                                        "connectivity.p_EE=0.3",
                                        "connectivity.w_scale=4.0",
                                        "connectivity.i_scale=0.5",
                                        "connectivity.w_in_max_mV=12.0",
                                        "task.front_end=\"file\"",
                                        "simulation.duration_ms=150",
                                        "simulation.n_trials=3",
                                        "preset=clean"};
  for (int i = 2; i < argc; ++i) overrides.emplace_back(argv[i]);
  try {
    const Config config = load_config("", overrides);
    const Network net = build_network(config);
    const int n_steps = config.simulation.duration_ms, n_trials = config.simulation.n_trials;
    const std::vector<float> rates(static_cast<std::size_t>(n_steps) * net.n_in, 0.3f);
    std::vector<std::vector<float>> targets(n_trials);
    BatchData batch;
    batch.n_steps = n_steps;
    for (int b = 0; b < n_trials; ++b) {
      Rng in(config.seed, {stream::input_spikes, 0, static_cast<std::uint64_t>(b)});
      Rng v0(config.seed, {stream::initial_state, 0, static_cast<std::uint64_t>(b)});
      batch.input.push_back(draw_input_spikes(rates.data(), n_steps, net.n_in, in));
      batch.v0_mV.push_back(
          draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), v0));
      targets[b].resize(static_cast<std::size_t>(n_steps) * net.n_out);
      for (std::size_t i = 0; i < targets[b].size(); ++i) targets[b][i] = ((i / 37 + b) % 2);
      batch.target.push_back(targets[b].data());
    }
    Bptt bptt;
    WeightGradients grads;
    const BatchOutcome out = bptt.run(net, NeuronConstants::from(config.neuron),
                                      LossSettings::from(config.training), batch, grads);
    write_gradient_file(argv[1], net, config, batch, out, grads);
    std::printf("grad_case: %llu spikes, %llu active pseudo-derivatives, loss %.6g\n",
                static_cast<unsigned long long>(out.n_spikes),
                static_cast<unsigned long long>(out.n_active), out.loss.total);
  } catch (const InputError& e) {
    std::fprintf(stderr, "grad_case: %s\n", e.what());
    return 2;
  }
  return 0;
}
