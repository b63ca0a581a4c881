// The time-stepping kernel shared by simulation, training and perturbation.
// It advances one trial of the adaptive LIF network (equations in neuron.hpp)
// event by event: input and recurrent spikes are scattered along their sparse
// rows into a synaptic buffer, so a spike costs its out-degree; the dense part
// is one pass over the units per step.
//
// What is kept of the trajectory is decided by an observer, called once per
// step after the units are updated:
//   obs.step(t, v_mV, b_prev, r_prev, spikes)
// with v_mV the voltages v_t, b_prev = b_{t-1} (adaptation that set A_t),
// r_prev = r_{t-1} (refractory counters that gated z_t) and `spikes` the units
// with z_t = 1, ascending. All arrays have n_units entries.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "eisnn/network.hpp"
#include "eisnn/neuron.hpp"
#include "eisnn/spike_train.hpp"

namespace eisnn {

class TrialKernel {
 public:
  // Runs `input.n_steps` steps from v = v0_mV, b = r = z = 0.
  template <class Observer>
  void run(const Network& net, const NeuronConstants& k, std::span<const float> v0_mV,
           const SpikeTrain& input, Observer& obs) {
    const int n = net.n_units();
    resize(n);
    std::copy(v0_mV.begin(), v0_mV.end(), v_.begin());
    std::fill(b_.begin(), b_.end(), 0.0f);
    std::fill(b_prev_.begin(), b_prev_.end(), 0.0f);
    std::fill(r_.begin(), r_.end(), 0);
    std::fill(r_prev_.begin(), r_prev_.end(), 0);
    std::fill(z_prev_.begin(), z_prev_.end(), 0.0f);
    std::fill(i_syn_.begin(), i_syn_.end(), 0.0f);
    spikes_.clear();

    float* v = v_.data();
    float* b = b_.data();
    float* b_prev = b_prev_.data();
    std::int32_t* r = r_.data();
    std::int32_t* r_prev = r_prev_.data();
    float* z_prev = z_prev_.data();
    float* i_syn = i_syn_.data();
    std::uint8_t* z = z_.data();
    const std::int32_t last_ref = k.n_ref - 1;

    for (int t = 0; t < input.n_steps; ++t) {
      // Input spikes act in the same step.
      for (std::uint16_t ch : input.at(t))
        for (std::uint32_t s = net.w_in.begin(ch); s < net.w_in.end(ch); ++s)
          i_syn[net.w_in.post[s]] += net.w_in.w_mV[s];

      // Dense update of every unit; branch-free so that it vectorises.
      for (int u = 0; u < n; ++u) {
        const float vu = k.E_L_mV + k.alpha * (v[u] - k.E_L_mV) + i_syn[u];
        const float threshold = k.v_th_mV + k.beta_mV * b[u];
        const std::int32_t ru = r[u];
        const bool spike = (vu > threshold) & (ru == 0);
        v[u] = vu;
        i_syn[u] = 0.0f;
        b_prev[u] = b[u];
        b[u] = k.rho * b[u] + z_prev[u];
        r_prev[u] = ru;
        r[u] = spike ? last_ref : std::max(ru - 1, 0);
        z[u] = spike;
      }

      spikes_.clear();
      for (int u = 0; u < n; ++u)
        if (z[u]) spikes_.push_back(static_cast<std::uint16_t>(u));
      obs.step(t, std::span<const float>(v, n), std::span<const float>(b_prev, n),
               std::span<const std::int32_t>(r_prev, n), std::span<const std::uint16_t>(spikes_));

      // Recurrent spikes and the delayed reset arrive at the next step.
      std::fill(z_prev, z_prev + n, 0.0f);
      for (std::uint16_t u : spikes_) {
        z_prev[u] = 1.0f;
        i_syn[u] -= k.reset_mV;
        for (std::uint32_t s = net.w_rec.begin(u); s < net.w_rec.end(u); ++s)
          i_syn[net.w_rec.post[s]] += net.w_rec.w_mV[s];
      }
    }
  }

 private:
  void resize(int n) {
    const auto size = static_cast<std::size_t>(n);
    v_.resize(size);
    b_.resize(size);
    b_prev_.resize(size);
    r_.resize(size);
    r_prev_.resize(size);
    z_prev_.resize(size);
    i_syn_.resize(size);
    z_.resize(size);
    spikes_.reserve(size);
  }

  std::vector<float> v_, b_, b_prev_, z_prev_, i_syn_;
  std::vector<std::int32_t> r_, r_prev_;
  std::vector<std::uint8_t> z_;
  std::vector<std::uint16_t> spikes_;
};

}  // namespace eisnn
