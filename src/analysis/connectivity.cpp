#include "eisnn/analysis/connectivity.hpp"

#include <cmath>
#include <limits>

#include "eisnn/error.hpp"

namespace eisnn::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Mean of the finite entries; NaN if none.
double finite_mean(std::initializer_list<double> values) {
  double sum = 0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  return n ? sum / n : kNaN;
}

}  // namespace

BlockMeans block_means(const SparseWeights& w_rec, const std::vector<int>& group) {
  EISNN_ASSERT(group.size() == static_cast<std::size_t>(w_rec.n_pre));
  EISNN_ASSERT(w_rec.n_pre == w_rec.n_post);
  std::array<std::int64_t, kGroups> size{};
  for (int g : group) ++size[static_cast<std::size_t>(g)];

  BlockMeans b;
  std::array<double, 16> sum{};
  for (int pre = 0; pre < w_rec.n_pre; ++pre)
    for (std::uint32_t s = w_rec.begin(pre); s < w_rec.end(pre); ++s) {
      const auto k = static_cast<std::size_t>(group[pre] * 4 + group[w_rec.post[s]]);
      sum[k] += w_rec.w_mV[s];
      ++b.n_synapses[k];
    }
  for (int pre = 0; pre < kGroups; ++pre)
    for (int post = 0; post < kGroups; ++post) {
      const auto k = static_cast<std::size_t>(pre * 4 + post);
      // Within one group the self pairs are not possible synapses.
      b.n_pairs[k] = size[pre] * size[post] - (pre == post ? size[pre] : 0);
      b.mean_mV[k] = b.n_pairs[k] > 0 ? sum[k] / static_cast<double>(b.n_pairs[k]) : kNaN;
    }
  return b;
}

TuningRatios tuning_ratios(const BlockMeans& b) {
  TuningRatios r;
  r.i_cross_mV = finite_mean({b.at(kI1, kE0), b.at(kI1, kI0), b.at(kI0, kE1), b.at(kI0, kI1)});
  r.i_within_mV = finite_mean({b.at(kI1, kE1), b.at(kI1, kI1), b.at(kI0, kE0), b.at(kI0, kI0)});
  r.e_cross_mV = finite_mean({b.at(kE1, kE0), b.at(kE1, kI0), b.at(kE0, kE1), b.at(kE0, kI1)});
  r.e_within_mV = finite_mean({b.at(kE1, kE1), b.at(kE1, kI1), b.at(kE0, kE0), b.at(kE0, kI0)});
  r.i_ratio = r.i_cross_mV / r.i_within_mV;
  r.e_ratio = r.e_cross_mV / r.e_within_mV;
  return r;
}

InputWeights input_weights(const Network& net, const std::vector<int>& channel_state) {
  EISNN_ASSERT(channel_state.size() == static_cast<std::size_t>(net.n_in));
  InputWeights w;
  std::array<double, 4> sum{};
  for (int ch = 0; ch < net.n_in; ++ch) {
    const int bias = channel_state[ch] == 1 ? 0 : 1;
    ++(bias == 0 ? w.n_channels_1 : w.n_channels_0);
    for (std::uint32_t s = net.w_in.begin(ch); s < net.w_in.end(ch); ++s)
      sum[static_cast<std::size_t>(bias * 2 + (net.is_excitatory(net.w_in.post[s]) ? 0 : 1))] +=
          net.w_in.w_mV[s];
  }
  const std::array<int, 2> n_channels = {w.n_channels_1, w.n_channels_0};
  const std::array<int, 2> n_units = {net.n_e, net.n_i};
  for (int bias = 0; bias < 2; ++bias)
    for (int pop = 0; pop < 2; ++pop) {
      const auto k = static_cast<std::size_t>(bias * 2 + pop);
      const double n_pairs = static_cast<double>(n_channels[bias]) * n_units[pop];
      w.mean_mV[k] = n_pairs > 0 ? sum[k] / n_pairs : kNaN;
    }
  return w;
}

std::vector<double> readout_means(const Network& net, const std::vector<int>& group) {
  EISNN_ASSERT(group.size() == static_cast<std::size_t>(net.n_units()));
  std::array<int, kGroups> size{};
  for (int g : group) ++size[static_cast<std::size_t>(g)];
  std::vector<double> sum(static_cast<std::size_t>(kGroups * net.n_out), 0.0);
  for (int u = 0; u < net.n_units(); ++u)
    for (std::uint32_t s = net.w_out.begin(u); s < net.w_out.end(u); ++s)
      sum[static_cast<std::size_t>(group[u] * net.n_out + net.w_out.post[s])] += net.w_out.w_mV[s];
  for (int g = 0; g < kGroups; ++g)
    for (int o = 0; o < net.n_out; ++o) {
      double& m = sum[static_cast<std::size_t>(g * net.n_out + o)];
      m = size[g] > 0 ? m / size[g] : kNaN;
    }
  return sum;
}

SignPooling sign_pooling(const SparseWeights& w_rec, const std::vector<int>& preferred) {
  EISNN_ASSERT(preferred.size() == static_cast<std::size_t>(w_rec.n_pre));
  SignPooling p;
  std::int64_t n1 = 0;
  for (int s : preferred) n1 += s == 1;
  const std::int64_t n = w_rec.n_pre, n0 = n - n1;
  // Ordered pairs without self pairs.
  p.n_pairs_same = n1 * (n1 - 1) + n0 * (n0 - 1);
  p.n_pairs_opposite = 2 * n1 * n0;

  std::array<double, 4> sum{};
  for (int pre = 0; pre < w_rec.n_pre; ++pre)
    for (std::uint32_t s = w_rec.begin(pre); s < w_rec.end(pre); ++s) {
      const float w = w_rec.w_mV[s];
      if (w == 0.0f) continue;
      const int sign = w > 0 ? 0 : 1;
      const int opposite = preferred[pre] != preferred[w_rec.post[s]] ? 1 : 0;
      const auto k = static_cast<std::size_t>(sign * 2 + opposite);
      sum[k] += w;
      ++p.n_synapses[k];
    }
  for (std::size_t k = 0; k < 4; ++k) {
    const std::int64_t pairs = (k % 2) ? p.n_pairs_opposite : p.n_pairs_same;
    p.mean_mV[k] = pairs > 0 ? sum[k] / static_cast<double>(pairs) : kNaN;
    p.mean_existing_mV[k] =
        p.n_synapses[k] > 0 ? sum[k] / static_cast<double>(p.n_synapses[k]) : kNaN;
  }
  p.pos_ratio = p.mean_mV[1] / p.mean_mV[0];
  p.neg_ratio = p.mean_mV[3] / p.mean_mV[2];
  return p;
}

SignChanges sign_changes(const SparseWeights& now, const SparseWeights& initial) {
  EISNN_ASSERT(now.n_pre == initial.n_pre && now.n_post == initial.n_post);
  SignChanges c;
  for (int pre = 0; pre < now.n_pre; ++pre) {
    // Both rows are sorted by post: walk them together.
    std::uint32_t a = now.begin(pre), b = initial.begin(pre);
    while (a < now.end(pre) && b < initial.end(pre)) {
      if (now.post[a] < initial.post[b]) {
        ++a;
      } else if (initial.post[b] < now.post[a]) {
        ++b;
      } else {
        ++c.n_compared;
        const float x = now.w_mV[a], y = initial.w_mV[b];
        if ((x > 0 && y < 0) || (x < 0 && y > 0)) ++c.n_changed;
        ++a;
        ++b;
      }
    }
  }
  c.fraction = c.n_compared > 0
                   ? static_cast<double>(c.n_changed) / static_cast<double>(c.n_compared)
                   : kNaN;
  return c;
}

}  // namespace eisnn::analysis
