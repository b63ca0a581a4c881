// The time-stepping kernel shared by simulation, training and perturbation.
// It advances up to kLanes trials of the adaptive LIF network (equations in
// neuron.hpp) at once, one per lane. Input and recurrent spikes are scattered
// along their sparse rows into a synaptic buffer, so a spike costs its
// out-degree; the dense part is one vector pass over the units per step.
//
// What is kept of the trajectory is decided by an observer, called once per
// step after the units are updated:
//   obs.step(t, v_mV, b_prev, r_prev, spikes)
// with, per unit and lane, v_mV = v_t, b_prev = b_{t-1} (the adaptation that
// set A_t), r_prev = r_{t-1} (the refractory count that gated z_t); and
// spikes[lane] the units with z_t = 1, ascending. Arrays have n_units entries.
//
// Perturbation studies (analysis/perturbation.hpp) may delay the recurrent
// delivery of a spike by extra whole steps through a delay policy (see
// NoExtraDelay); the default policy compiles to the plain kernel.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "eisnn/error.hpp"
#include "eisnn/lanes.hpp"
#include "eisnn/network.hpp"
#include "eisnn/neuron.hpp"
#include "eisnn/spike_train.hpp"

namespace eisnn {

// Delay policy of the plain kernel: every recurrent spike arrives one step
// after it was fired. A policy with `enabled = true` must provide
// max_steps() (the largest extra delay) and extra_steps(lane, unit, t), the
// extra delay in [0, max_steps()] of the spike unit `unit` fired at step t.
// The spike's own reset and its adaptation are never delayed: only what its
// targets receive.
struct NoExtraDelay {
  static constexpr bool enabled = false;
  int max_steps() const { return 0; }
  int extra_steps(int, int, int) { return 0; }
};

class LaneKernel {
 public:
  // Runs n_steps steps of trials given per lane by their initial voltages
  // (n_units each) and input spikes; lanes beyond v0.size() stay silent.
  template <class Observer>
  void run(const Network& net, const NeuronConstants& k, std::span<const float* const> v0_mV,
           std::span<const SpikeTrain* const> input, int n_steps, Observer& obs) {
    NoExtraDelay none;
    run(net, k, v0_mV, input, n_steps, obs, none);
  }

  // The same with recurrent deliveries delayed as `delay` says (a policy as NoExtraDelay).
  template <class Observer, class Delay>
  void run(const Network& net, const NeuronConstants& k, std::span<const float* const> v0_mV,
           std::span<const SpikeTrain* const> input, int n_steps, Observer& obs, Delay& delay) {
    const int n = net.n_units();
    const int n_used = static_cast<int>(v0_mV.size());
    EISNN_ASSERT(n_used <= kLanes && input.size() == v0_mV.size());
    resize(n, net.n_in);
    for (int u = 0; u < n; ++u) {
      v_[u] = splat(k.E_L_mV);
      for (int lane = 0; lane < n_used; ++lane) v_[u][lane] = v0_mV[lane][u];
    }
    std::fill(b_.begin(), b_.end(), lanes_f{});
    std::fill(r_.begin(), r_.end(), lanes_i{});
    std::fill(z_prev_.begin(), z_prev_.end(), lanes_f{});
    std::fill(i_syn_.begin(), i_syn_.end(), lanes_f{});
    for (auto& s : spikes_) s.clear();

    // b and r are double-buffered: a step reads b_{t-1}, r_{t-1} (also what
    // the observer gets) and writes b_t, r_t into the other buffer.
    lanes_f* v = v_.data();
    lanes_f* b_prev = b_.data();
    lanes_f* b = b_next_.data();
    lanes_i* r_prev = r_.data();
    lanes_i* r = r_next_.data();
    lanes_f* z_prev = z_prev_.data();
    lanes_f* i_syn = i_syn_.data();
    const lanes_f E_L = splat(k.E_L_mV), alpha = splat(k.alpha), v_th = splat(k.v_th_mV);
    const lanes_f beta = splat(k.beta_mV), rho = splat(k.rho);
    const lanes_i last_ref = lanes_i{} + (k.n_ref - 1), zero_i{}, one_i = lanes_i{} + 1;

    // Delayed deliveries wait in a ring of n_slots synaptic buffers [slot][unit].
    [[maybe_unused]] int n_slots = 1;
    if constexpr (Delay::enabled) {
      n_slots = delay.max_steps() + 1;
      pending_.assign(static_cast<std::size_t>(n_slots) * n, lanes_f{});
    }

    for (int t = 0; t < n_steps; ++t) {
      if constexpr (Delay::enabled) {
        lanes_f* due = pending_.data() + static_cast<std::size_t>(t % n_slots) * n;
        for (int u = 0; u < n; ++u) {
          i_syn[u] += due[u];
          due[u] = lanes_f{};
        }
      }

      // Input spikes act in the same step. The few channels spike in many
      // lanes at once: a channel's row is added once for all its lanes (a
      // blend leaves the others), in the order of the per-lane lists.
      std::fill(channel_lanes_.begin(), channel_lanes_.end(), lane_mask{0});
      for (int lane = 0; lane < n_used; ++lane)
        for (std::uint16_t ch : input[lane]->at(t))
          channel_lanes_[ch] |= static_cast<lane_mask>(1u << lane);
      for (int ch = 0; ch < net.n_in; ++ch) {
        if (channel_lanes_[ch] == 0) continue;
        const lanes_i spiked = lanes_of(channel_lanes_[ch]);
        for (std::uint32_t s = net.w_in.begin(ch); s < net.w_in.end(ch); ++s) {
          lanes_f& target = i_syn[net.w_in.post[s]];
          target = spiked ? target + splat(net.w_in.w_mV[s]) : target;
        }
      }

      // Dense update of every unit, kLanes trials per instruction.
      for (int u = 0; u < n; ++u) {
        const lanes_f vu = E_L + alpha * (v[u] - E_L) + i_syn[u];
        const lanes_f threshold = v_th + beta * b_prev[u];
        const lanes_i ru = r_prev[u];
        const lanes_i spike = (vu > threshold) & (ru == zero_i);
        v[u] = vu;
        i_syn[u] = lanes_f{};
        b[u] = rho * b_prev[u] + z_prev[u];
        const lanes_i decayed = ru - one_i;
        r[u] = spike ? last_ref : (decayed > zero_i ? decayed : zero_i);
        spiked_[u] = lane_bits(spike);
      }

      for (int lane = 0; lane < kLanes; ++lane) spikes_[lane].clear();
      for (int u = 0; u < n; ++u)
        if (spiked_[u])
          for (int lane = 0; lane < n_used; ++lane)
            if (spiked_[u] >> lane & 1) spikes_[lane].push_back(static_cast<std::uint16_t>(u));
      obs.step(t, std::span<const lanes_f>(v, n), std::span<const lanes_f>(b_prev, n),
               std::span<const lanes_i>(r_prev, n),
               std::span<const std::vector<std::uint16_t>>(spikes_));

      std::swap(b, b_prev);
      std::swap(r, r_prev);

      // Recurrent spikes and the delayed reset arrive at the next step.
      for (int lane = 0; lane < n_used; ++lane) {
        for (std::uint16_t u : last_spikes_[lane]) z_prev[u][lane] = 0.0f;
        for (std::uint16_t u : spikes_[lane]) {
          z_prev[u][lane] = 1.0f;
          i_syn[u][lane] -= k.reset_mV;
          lanes_f* target = i_syn;
          if constexpr (Delay::enabled) {
            // Arrives at step t + 1 + extra; extra = 0 is the plain path.
            const int extra = delay.extra_steps(lane, u, t);
            EISNN_ASSERT(extra >= 0 && extra < n_slots);
            if (extra > 0)
              target = pending_.data() + static_cast<std::size_t>((t + 1 + extra) % n_slots) * n;
          }
          for (std::uint32_t s = net.w_rec.begin(u); s < net.w_rec.end(u); ++s)
            target[net.w_rec.post[s]][lane] += net.w_rec.w_mV[s];
        }
        last_spikes_[lane].swap(spikes_[lane]);
      }
      // last_spikes_ now holds this step's spikes; spikes_ is scratch.
    }
    for (auto& s : last_spikes_) s.clear();
  }

 private:
  void resize(int n, int net_n_in) {
    const auto size = static_cast<std::size_t>(n);
    v_.resize(size);
    b_.resize(size);
    b_next_.resize(size);
    r_.resize(size);
    r_next_.resize(size);
    z_prev_.resize(size);
    i_syn_.resize(size);
    spiked_.resize(size);
    channel_lanes_.resize(static_cast<std::size_t>(net_n_in));
    for (auto& s : spikes_) s.reserve(size);
    for (auto& s : last_spikes_) s.reserve(size);
  }

  std::vector<lanes_f> v_, b_, b_next_, z_prev_, i_syn_;
  std::vector<lanes_f> pending_;  // [slot][unit], only with an enabled delay policy
  std::vector<lanes_i> r_, r_next_;
  std::vector<lane_mask> spiked_, channel_lanes_;
  std::vector<std::uint16_t> spikes_[kLanes], last_spikes_[kLanes];
};

}  // namespace eisnn
