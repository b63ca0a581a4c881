#include "eisnn/network.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "eisnn/error.hpp"
#include "eisnn/random.hpp"

namespace eisnn {

std::vector<float> SparseWeights::dense() const {
  std::vector<float> out(static_cast<std::size_t>(n_pre) * n_post, 0.0f);
  for (int i = 0; i < n_pre; ++i)
    for (std::uint32_t k = begin(i); k < end(i); ++k)
      out[static_cast<std::size_t>(i) * n_post + post[k]] = w_mV[k];
  return out;
}

SparseWeights SparseWeights::from_triplets(int n_pre, int n_post, std::vector<std::uint32_t> pre,
                                           std::vector<std::uint16_t> post,
                                           std::vector<float> w_mV) {
  EISNN_ASSERT(pre.size() == post.size() && post.size() == w_mV.size());
  std::vector<std::size_t> order(pre.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return pre[a] != pre[b] ? pre[a] < pre[b] : post[a] < post[b];
  });

  SparseWeights s;
  s.n_pre = n_pre;
  s.n_post = n_post;
  s.row_start.assign(static_cast<std::size_t>(n_pre) + 1, 0);
  s.post.reserve(order.size());
  s.w_mV.reserve(order.size());
  for (std::size_t k : order) {
    EISNN_ASSERT(pre[k] < static_cast<std::uint32_t>(n_pre) && post[k] < n_post);
    ++s.row_start[pre[k] + 1];
    s.post.push_back(post[k]);
    s.w_mV.push_back(w_mV[k]);
  }
  std::partial_sum(s.row_start.begin(), s.row_start.end(), s.row_start.begin());
  return s;
}

std::vector<bool> Network::projects_to_output() const {
  std::vector<bool> out(static_cast<std::size_t>(n_units()), false);
  for (int u = 0; u < n_units(); ++u)
    out[static_cast<std::size_t>(u)] = w_out.end(u) > w_out.begin(u);
  return out;
}

OutDegrees out_degrees(const Config& config) {
  const auto& n = config.network;
  const auto& c = config.connectivity;
  auto k = [](double p, int eligible) { return static_cast<int>(std::lround(p * eligible)); };
  return {k(c.p_EE, n.n_e - 1), k(c.p_EI, n.n_i), k(c.p_IE, n.n_e), k(c.p_II, n.n_i - 1)};
}

namespace {

// k distinct elements of `pool`, uniformly, by a partial Fisher-Yates shuffle.
// `pool` is reordered; the chosen elements are returned ascending.
std::vector<int> choose(std::vector<int>& pool, int k, Rng& rng) {
  EISNN_ASSERT(k >= 0 && static_cast<std::size_t>(k) <= pool.size());
  for (int i = 0; i < k; ++i) {
    const auto j = i + static_cast<int>(rng.below(pool.size() - static_cast<std::size_t>(i)));
    std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
  }
  std::vector<int> chosen(pool.begin(), pool.begin() + k);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<int> range_of(int first, int count) {
  std::vector<int> v(static_cast<std::size_t>(count));
  std::iota(v.begin(), v.end(), first);
  return v;
}

}  // namespace

float draw_weight_mV(const Network& net, const ConnectivityParams& c, int pre, double factor,
                     Rng& rng) {
  const double m = rng.lognormal(c.w_mu, c.w_sigma);
  const double w = net.is_excitatory(pre) ? m * c.w_scale : -m * c.w_scale * c.i_scale;
  return static_cast<float>(w * factor);
}

Network build_network(const Config& config) {
  validate(config);
  const auto& p = config.network;
  const auto& c = config.connectivity;
  Network net;
  net.n_in = p.n_in;
  net.n_e = p.n_e;
  net.n_i = p.n_i;
  net.n_out = p.n_out;
  const int n = net.n_units();
  Rng rng(config.seed, {stream::connectivity});

  // Recurrent: each unit picks exactly k targets in each population, never itself.
  const OutDegrees k = out_degrees(config);
  std::vector<std::uint32_t> pre;
  std::vector<std::uint16_t> post;
  std::vector<float> w;
  for (int i = 0; i < n; ++i) {
    const bool exc = net.is_excitatory(i);
    for (const bool to_e : {true, false}) {
      std::vector<int> pool = to_e ? range_of(0, p.n_e) : range_of(p.n_e, p.n_i);
      std::erase(pool, i);
      const int k_block = exc ? (to_e ? k.ee : k.ei) : (to_e ? k.ie : k.ii);
      for (int j : choose(pool, k_block, rng)) {
        pre.push_back(static_cast<std::uint32_t>(i));
        post.push_back(static_cast<std::uint16_t>(j));
        w.push_back(draw_weight_mV(net, c, i, 1.0, rng));
      }
    }
  }
  net.w_rec = SparseWeights::from_triplets(n, n, std::move(pre), std::move(post), std::move(w));

  // Readout: each readout unit listens to fixed numbers of E and I units.
  pre.clear();
  post.clear();
  w.clear();
  for (int o = 0; o < p.n_out; ++o) {
    std::vector<int> e_pool = range_of(0, p.n_e), i_pool = range_of(p.n_e, p.n_i);
    std::vector<int> sources = choose(e_pool, c.n_out_from_e, rng);
    for (int u : choose(i_pool, c.n_out_from_i, rng)) sources.push_back(u);
    for (int u : sources) {
      pre.push_back(static_cast<std::uint32_t>(u));
      post.push_back(static_cast<std::uint16_t>(o));
      w.push_back(draw_weight_mV(net, c, u, 1.0, rng));
    }
  }
  net.w_out =
      SparseWeights::from_triplets(n, p.n_out, std::move(pre), std::move(post), std::move(w));

  // Input: each channel projects to in_fan_out units that do not feed a readout.
  const std::vector<bool> to_output = net.projects_to_output();
  std::vector<int> eligible;
  for (int u = 0; u < n; ++u)
    if (!c.no_input_to_output || !to_output[static_cast<std::size_t>(u)]) eligible.push_back(u);
  if (static_cast<int>(eligible.size()) < c.in_fan_out)
    throw InputError("connectivity.in_fan_out = " + std::to_string(c.in_fan_out) + " exceeds the " +
                     std::to_string(eligible.size()) + " units that do not project to a readout");
  pre.clear();
  post.clear();
  w.clear();
  for (int ch = 0; ch < p.n_in; ++ch) {
    std::vector<int> pool = eligible;
    for (int u : choose(pool, c.in_fan_out, rng)) {
      pre.push_back(static_cast<std::uint32_t>(ch));
      post.push_back(static_cast<std::uint16_t>(u));
      w.push_back(static_cast<float>(rng.uniform(0.0, c.w_in_max_mV)));
    }
  }
  net.w_in = SparseWeights::from_triplets(p.n_in, n, std::move(pre), std::move(post), std::move(w));
  return net;
}

}  // namespace eisnn
