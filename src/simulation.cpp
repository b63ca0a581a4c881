#include "eisnn/simulation.hpp"

#include <omp.h>

#include "eisnn/error.hpp"
#include "eisnn/kernel.hpp"

namespace eisnn {

SpikeTrain draw_input_spikes(const float* rates, int n_steps, int n_in, Rng& rng) {
  SpikeTrain train;
  train.step_start.reserve(static_cast<std::size_t>(n_steps) + 1);
  for (int t = 0; t < n_steps; ++t) {
    const float* p = rates + static_cast<std::size_t>(t) * n_in;
    for (int c = 0; c < n_in; ++c)
      if (p[c] > rng.uniform_float()) train.push(c);
    train.end_step();
  }
  return train;
}

std::vector<float> draw_initial_voltage(const InitialStateParams& init, const NeuronParams& neuron,
                                        int n_units, Rng& rng) {
  const double offset = init.v0_add_rest ? neuron.E_L_mV : 0.0;
  std::vector<float> v0(static_cast<std::size_t>(n_units));
  for (float& v : v0) v = static_cast<float>(offset + rng.normal(init.v0_mean_mV, init.v0_sd_mV));
  return v0;
}

namespace {

// Keeps spikes, readout and chosen voltages of one trial.
class Recorder {
 public:
  Recorder(const Network& net, const NeuronConstants& k, const std::vector<int>& record,
           int n_steps, TrialResult& out)
      : net_(net), kappa_(k.kappa), record_(record), out_(out), y_(net.n_out, 0.0f) {
    out_.spikes.clear();
    out_.spikes.step_start.reserve(static_cast<std::size_t>(n_steps) + 1);
    out_.y.clear();
    out_.y.reserve(static_cast<std::size_t>(n_steps) * net.n_out);
    out_.v_mV.clear();
    out_.v_mV.reserve(static_cast<std::size_t>(n_steps) * record.size());
  }

  void step(int, std::span<const float> v, std::span<const float>, std::span<const std::int32_t>,
            std::span<const std::uint16_t> spikes) {
    for (float& y : y_) y *= kappa_;
    for (std::uint16_t u : spikes) {
      out_.spikes.push(u);
      for (std::uint32_t s = net_.w_out.begin(u); s < net_.w_out.end(u); ++s)
        y_[net_.w_out.post[s]] += net_.w_out.w_mV[s];
      out_.n_synaptic_events += net_.w_rec.end(u) - net_.w_rec.begin(u);
    }
    out_.spikes.end_step();
    out_.y.insert(out_.y.end(), y_.begin(), y_.end());
    for (int u : record_) out_.v_mV.push_back(v[static_cast<std::size_t>(u)]);
  }

 private:
  const Network& net_;
  float kappa_;
  const std::vector<int>& record_;
  TrialResult& out_;
  std::vector<float> y_;
};

std::uint64_t input_events(const Network& net, const SpikeTrain& input) {
  std::uint64_t n = 0;
  for (std::uint16_t c : input.index) n += net.w_in.end(c) - net.w_in.begin(c);
  return n;
}

}  // namespace

TrialResult simulate_trial(const Network& net, const NeuronConstants& k,
                           std::span<const float> v0_mV, const SpikeTrain& input,
                           const std::vector<int>& record_voltage) {
  EISNN_ASSERT(v0_mV.size() == static_cast<std::size_t>(net.n_units()));
  TrialResult result;
  Recorder recorder(net, k, record_voltage, input.n_steps, result);
  TrialKernel kernel;
  kernel.run(net, k, v0_mV, input, recorder);
  result.n_input_spikes = input.n_spikes();
  result.n_synaptic_events += input_events(net, input);
  return result;
}

std::vector<TrialResult> simulate_batch(const Network& net, const Config& config,
                                        const BatchRequest& request, const ProgressFn& progress) {
  EISNN_ASSERT(request.rates);
  EISNN_ASSERT(request.trial_keys.empty() ||
               request.trial_keys.size() == static_cast<std::size_t>(request.n_trials));
  const NeuronConstants k = NeuronConstants::from(config.neuron);
  std::vector<TrialResult> results(static_cast<std::size_t>(request.n_trials));
  int done = 0;
  const int threads = request.threads > 0 ? request.threads : omp_get_max_threads();

#pragma omp parallel num_threads(threads)
  {
    TrialKernel kernel;  // buffers reused across this thread's trials
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < request.n_trials; ++i) {
      const auto key = static_cast<std::uint64_t>(
          request.trial_keys.empty() ? i : request.trial_keys[static_cast<std::size_t>(i)]);
      Rng init_rng(request.seed, {stream::initial_state, request.epoch, key});
      Rng input_rng(request.seed, {stream::input_spikes, request.epoch, key});
      const std::vector<float> v0 =
          draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), init_rng);
      const SpikeTrain input =
          draw_input_spikes(request.rates(i), request.n_steps, net.n_in, input_rng);

      TrialResult& result = results[static_cast<std::size_t>(i)];
      Recorder recorder(net, k, request.record_voltage, request.n_steps, result);
      kernel.run(net, k, v0, input, recorder);
      result.n_input_spikes = input.n_spikes();
      result.n_synaptic_events += input_events(net, input);

      if (progress) {
#pragma omp critical(eisnn_progress)
        progress(++done, request.n_trials);
      }
    }
  }
  return results;
}

}  // namespace eisnn
