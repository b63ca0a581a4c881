// Adaptive leaky integrate-and-fire unit in discrete time (one step = 1 ms),
// after Bellec et al. 2018 (LSNN) as used by Zhu et al. 2026. One step from
// t-1 to t, with input spikes x_t and the units' own spikes z_{t-1}:
//
//   v_t = E_L + alpha (v_{t-1} - E_L) + x_t W_in + z_{t-1} W_rec - (v_th - E_L) z_{t-1}
//   A_t = v_th + beta b_{t-1}                      adaptive threshold
//   s_t = (v_t - A_t) / (A_t - E_L)                scaled voltage: -1 at rest, 0 at threshold
//   z_t = 1 if s_t > 0 and r_{t-1} = 0, else 0
//   b_t = rho b_{t-1} + z_{t-1}
//   r_t = clamp(r_{t-1} - 1 + n_ref z_t, 0, n_ref)
//
// There is no hard reset: a spike subtracts (v_th - E_L) one step later, and
// the next n_ref - 1 steps cannot spike. Readout: y_t = kappa y_{t-1} + z_t W_out.
#pragma once

#include <cmath>

#include "eisnn/config.hpp"

namespace eisnn {

// Constants of the update, derived once from NeuronParams.
struct NeuronConstants {
  float E_L_mV;
  float v_th_mV;
  float reset_mV;  // v_th - E_L, subtracted one step after a spike
  float alpha;     // exp(-1 ms / tau_m)
  float rho;       // exp(-1 ms / tau_a)
  float beta_mV;
  float gamma_pd;
  float kappa;  // readout decay per step
  int n_ref;    // refractory steps, spike included

  static NeuronConstants from(const NeuronParams& p) {
    NeuronConstants c{};
    c.E_L_mV = static_cast<float>(p.E_L_mV);
    c.v_th_mV = static_cast<float>(p.v_th_mV);
    c.reset_mV = static_cast<float>(p.v_th_mV - p.E_L_mV);
    c.alpha = static_cast<float>(std::exp(-1.0 / p.tau_m_ms));
    c.rho = static_cast<float>(std::exp(-1.0 / p.tau_a_ms));
    c.beta_mV = static_cast<float>(p.beta_mV);
    c.gamma_pd = static_cast<float>(p.gamma_pd);
    c.kappa = static_cast<float>(p.readout_decay);
    c.n_ref = p.t_ref_ms;
    return c;
  }
};

}  // namespace eisnn
