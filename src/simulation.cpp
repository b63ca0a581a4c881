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

// Keeps spikes, readout and chosen voltages of the trials in a group of lanes.
class Recorder {
 public:
  Recorder(const Network& net, const NeuronConstants& k, const std::vector<int>& record,
           int n_steps, std::span<TrialResult* const> out)
      : net_(net), kappa_(k.kappa), record_(record), out_(out) {
    for (TrialResult* r : out_) {
      r->spikes.clear();
      r->spikes.step_start.reserve(static_cast<std::size_t>(n_steps) + 1);
      r->y.clear();
      r->y.reserve(static_cast<std::size_t>(n_steps) * net.n_out);
      r->v_mV.clear();
      r->v_mV.reserve(static_cast<std::size_t>(n_steps) * record.size());
    }
    y_.assign(out_.size() * net.n_out, 0.0f);
  }

  void step(int, std::span<const lanes_f> v, std::span<const lanes_f>, std::span<const lanes_i>,
            std::span<const std::vector<std::uint16_t>> spikes) {
    for (std::size_t lane = 0; lane < out_.size(); ++lane) {
      TrialResult& r = *out_[lane];
      float* y = y_.data() + lane * net_.n_out;
      for (int o = 0; o < net_.n_out; ++o) y[o] *= kappa_;
      for (std::uint16_t u : spikes[lane]) {
        r.spikes.push(u);
        for (std::uint32_t s = net_.w_out.begin(u); s < net_.w_out.end(u); ++s)
          y[net_.w_out.post[s]] += net_.w_out.w_mV[s];
        r.n_synaptic_events += net_.w_rec.end(u) - net_.w_rec.begin(u);
      }
      r.spikes.end_step();
      r.y.insert(r.y.end(), y, y + net_.n_out);
      for (int u : record_) r.v_mV.push_back(v[static_cast<std::size_t>(u)][lane]);
    }
  }

 private:
  const Network& net_;
  float kappa_;
  const std::vector<int>& record_;
  std::span<TrialResult* const> out_;
  std::vector<float> y_;  // [lane][n_out]
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
  TrialResult* out[] = {&result};
  const float* v0[] = {v0_mV.data()};
  const SpikeTrain* in[] = {&input};
  Recorder recorder(net, k, record_voltage, input.n_steps, out);
  LaneKernel kernel;
  kernel.run(net, k, v0, in, input.n_steps, recorder);
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
  const int n_groups = (request.n_trials + kLanes - 1) / kLanes;
  int done = 0;
  const int threads = request.threads > 0 ? request.threads : omp_get_max_threads();

#pragma omp parallel num_threads(std::min(threads, n_groups))
  {
    LaneKernel kernel;  // buffers reused across this thread's groups
    std::vector<std::vector<float>> v0(kLanes);
    std::vector<SpikeTrain> input(kLanes);
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < n_groups; ++g) {
      const int first = g * kLanes;
      const int n_used = std::min(kLanes, request.n_trials - first);
      std::vector<const float*> v0_ptr;
      std::vector<const SpikeTrain*> input_ptr;
      std::vector<TrialResult*> out;
      for (int lane = 0; lane < n_used; ++lane) {
        const int i = first + lane;
        const auto key = static_cast<std::uint64_t>(
            request.trial_keys.empty() ? i : request.trial_keys[static_cast<std::size_t>(i)]);
        Rng init_rng(request.seed, {stream::initial_state, request.epoch, key});
        Rng input_rng(request.seed, {stream::input_spikes, request.epoch, key});
        v0[lane] =
            draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), init_rng);
        input[lane] = draw_input_spikes(request.rates(i), request.n_steps, net.n_in, input_rng);
        v0_ptr.push_back(v0[lane].data());
        input_ptr.push_back(&input[lane]);
        out.push_back(&results[static_cast<std::size_t>(i)]);
      }
      Recorder recorder(net, k, request.record_voltage, request.n_steps, out);
      kernel.run(net, k, v0_ptr, input_ptr, request.n_steps, recorder);
      for (int lane = 0; lane < n_used; ++lane) {
        out[lane]->n_input_spikes = input[lane].n_spikes();
        out[lane]->n_synaptic_events += input_events(net, input[lane]);
      }

      if (progress) {
#pragma omp critical(eisnn_progress)
        {
          done += n_used;
          progress(done, request.n_trials);
        }
      }
    }
  }
  return results;
}

}  // namespace eisnn
