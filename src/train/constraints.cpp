#include "eisnn/train/constraints.hpp"

#include <algorithm>
#include <numeric>

#include "eisnn/error.hpp"
#include "eisnn/random.hpp"

namespace eisnn {
namespace {

// Clamps weights of the wrong sign to 0 in place; returns how many changed.
int clamp_to_sign(const Network& net, SparseWeights& w, bool pre_is_unit) {
  int n = 0;
  for (int pre = 0; pre < w.n_pre; ++pre) {
    const float sign = pre_is_unit ? net.sign(pre) : 1.0f;
    for (std::uint32_t s = w.begin(pre); s < w.end(pre); ++s)
      if (w.w_mV[s] * sign < 0.0f) {
        w.w_mV[s] = 0.0f;
        ++n;
      }
  }
  return n;
}

}  // namespace

ConstraintReport apply_constraints(Network& net, AdamState& adam_rec, const Config& config,
                                   std::uint64_t update) {
  ConstraintReport report;
  const TrainingParams& tp = config.training;
  if (!tp.dale) return report;

  report.n_clamped_in = clamp_to_sign(net, net.w_in, false);
  report.n_clamped_out = clamp_to_sign(net, net.w_out, true);

  // Recurrent: keep synapses whose sign still matches (a weight of exactly 0
  // has lost its sign and is pruned, as in the study's code).
  SparseWeights& w = net.w_rec;
  const int n = net.n_units();
  std::vector<std::uint32_t> pre;
  std::vector<std::uint16_t> post;
  std::vector<float> weight, m, v;
  pre.reserve(w.n_synapses());
  std::vector<bool> exists(static_cast<std::size_t>(n) * n, false);
  for (int i = 0; i < n; ++i)
    for (std::uint32_t s = w.begin(i); s < w.end(i); ++s) {
      if (w.w_mV[s] * net.sign(i) > 0.0f) {
        pre.push_back(static_cast<std::uint32_t>(i));
        post.push_back(w.post[s]);
        weight.push_back(w.w_mV[s]);
        m.push_back(adam_rec.m[s]);
        v.push_back(adam_rec.v[s]);
        exists[static_cast<std::size_t>(i) * n + w.post[s]] = true;
      } else {
        ++report.n_pruned;
      }
    }
  if (report.n_pruned == 0) return report;

  if (tp.rewire) {
    Rng rng(config.seed, {stream::rewiring, update});
    for (int made = 0; made < report.n_pruned;) {
      const auto i = static_cast<int>(rng.below(static_cast<std::uint64_t>(n)));
      const auto j = static_cast<int>(rng.below(static_cast<std::uint64_t>(n)));
      if (i == j || exists[static_cast<std::size_t>(i) * n + j]) continue;
      exists[static_cast<std::size_t>(i) * n + j] = true;
      pre.push_back(static_cast<std::uint32_t>(i));
      post.push_back(static_cast<std::uint16_t>(j));
      weight.push_back(draw_weight_mV(net, config.connectivity, i, tp.rewire_scale, rng));
      m.push_back(0.0f);
      v.push_back(0.0f);
      ++made;
    }
  }

  // Rebuild the rows in (pre, post) order, carrying the Adam state along.
  std::vector<std::size_t> order(pre.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return pre[a] != pre[b] ? pre[a] < pre[b] : post[a] < post[b];
  });
  std::fill(w.row_start.begin(), w.row_start.end(), 0u);
  w.post.resize(order.size());
  w.w_mV.resize(order.size());
  adam_rec.m.resize(order.size());
  adam_rec.v.resize(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t src = order[k];
    ++w.row_start[pre[src] + 1];
    w.post[k] = post[src];
    w.w_mV[k] = weight[src];
    adam_rec.m[k] = m[src];
    adam_rec.v[k] = v[src];
  }
  std::partial_sum(w.row_start.begin(), w.row_start.end(), w.row_start.begin());
  return report;
}

}  // namespace eisnn
