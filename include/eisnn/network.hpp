// The E/I network: populations, sparse weights and how they are first drawn.
//
// Units 0 .. n_e-1 are excitatory (E), n_e .. n_e+n_i-1 inhibitory (I).
// Every weight matrix is stored sparse by presynaptic row (CSR): the synapses
// of presynaptic index i are k in [row_start[i], row_start[i+1]), each with a
// postsynaptic index post[k] and a weight w_mV[k] (mV per spike), posts
// ascending within a row. A spike of i therefore costs its out-degree.
//   w_in:  pre = input channel, post = unit
//   w_rec: pre = unit,          post = unit   (never i -> i)
//   w_out: pre = unit,          post = readout unit
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "eisnn/config.hpp"

namespace eisnn {

struct SparseWeights {
  int n_pre = 0;
  int n_post = 0;
  std::vector<std::uint32_t> row_start;  // [n_pre + 1]
  std::vector<std::uint16_t> post;       // [n_synapses]
  std::vector<float> w_mV;               // [n_synapses]

  std::size_t n_synapses() const { return post.size(); }
  std::uint32_t begin(int pre) const { return row_start[static_cast<std::size_t>(pre)]; }
  std::uint32_t end(int pre) const { return row_start[static_cast<std::size_t>(pre) + 1]; }

  // Dense copy, row-major [n_pre][n_post], 0 where no synapse.
  std::vector<float> dense() const;
  // Builds from (pre, post, w) triplets; sorts them by (pre, post).
  static SparseWeights from_triplets(int n_pre, int n_post, std::vector<std::uint32_t> pre,
                                     std::vector<std::uint16_t> post, std::vector<float> w_mV);
};

struct Network {
  int n_in = 0;
  int n_e = 0;
  int n_i = 0;
  int n_out = 0;
  SparseWeights w_in;
  SparseWeights w_rec;
  SparseWeights w_out;

  int n_units() const { return n_e + n_i; }
  bool is_excitatory(int unit) const { return unit < n_e; }
  // +1 for E units, -1 for I units (Dale's principle).
  float sign(int unit) const { return unit < n_e ? 1.0f : -1.0f; }
  // Units that project to at least one readout unit.
  std::vector<bool> projects_to_output() const;
};

// Out-degree of each block: k = round(p * eligible targets), self excluded.
struct OutDegrees {
  int ee, ei, ie, ii;
};
OutDegrees out_degrees(const Config& config);

// Draws the initial network (SPEC of the study, Zhu et al. 2026):
// fixed out-degree recurrent wiring, lognormal magnitudes signed by the
// presynaptic population, readout from fixed numbers of E and I units, and
// input channels onto units that do not project to a readout.
Network build_network(const Config& config);

// Magnitude of one new synapse from `pre`, drawn as at initialisation and
// multiplied by `factor`: +m w_scale for E, -m w_scale i_scale for I.
float draw_weight_mV(const Network& net, const ConnectivityParams& c, int pre, double factor,
                     class Rng& rng);

}  // namespace eisnn
