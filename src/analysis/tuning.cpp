#include "eisnn/analysis/tuning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "eisnn/error.hpp"

namespace eisnn::analysis {

std::vector<int> Tuning::preferred_state() const {
  std::vector<int> s(group.size());
  for (std::size_t u = 0; u < group.size(); ++u) s[u] = group_state(group[u]);
  return s;
}

std::array<int, kGroups> Tuning::group_sizes() const {
  std::array<int, kGroups> n{};
  for (int g : group) ++n[static_cast<std::size_t>(g)];
  return n;
}

std::pair<double, double> mann_whitney_u(const std::vector<double>& a,
                                         const std::vector<double>& b) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  if (a.empty() || b.empty()) return {nan, nan};

  // Average ranks of the pooled sample; tie groups give the variance correction.
  std::vector<std::pair<double, int>> pooled;
  for (double x : a) pooled.push_back({x, 0});
  for (double x : b) pooled.push_back({x, 1});
  std::sort(pooled.begin(), pooled.end());
  const std::size_t n = pooled.size();
  double rank_sum_a = 0, tie_term = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second == 0) rank_sum_a += rank;
    const auto t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double u1 = rank_sum_a - n1 * (n1 + 1) / 2;
  const double u = std::max(u1, n1 * n2 - u1);
  const double nn = n1 + n2;
  const double var = n1 * n2 / 12.0 * ((nn + 1) - tie_term / (nn * (nn - 1)));
  if (!(var > 0)) return {u1, 1.0};  // every value ties: no difference to test
  const double z = (u - n1 * n2 / 2 - 0.5) / std::sqrt(var);
  return {u1, std::min(1.0, std::erfc(z / std::sqrt(2.0)))};
}

Tuning compute_tuning(int n_e, int n_units, const std::vector<SpikeTrain>& spikes,
                      const std::vector<int>& trial_state, double alpha) {
  EISNN_ASSERT(spikes.size() == trial_state.size());
  EISNN_ASSERT(n_e >= 0 && n_e <= n_units);
  const auto n = static_cast<std::size_t>(n_units);
  Tuning t;
  t.alpha = alpha;

  // Per-trial rates of every unit, split by the trial's state: [unit][trial].
  std::vector<std::vector<double>> rates1(n), rates0(n);
  std::vector<double> count(n);
  for (std::size_t k = 0; k < spikes.size(); ++k) {
    const int state = trial_state[k];
    if (state != 0 && state != 1) continue;
    std::fill(count.begin(), count.end(), 0.0);
    for (std::uint16_t u : spikes[k].index) {
      EISNN_ASSERT(u < n);
      count[u] += 1;
    }
    const double trial_s = spikes[k].n_steps / 1000.0;
    for (std::size_t u = 0; u < n; ++u) (state ? rates1 : rates0)[u].push_back(count[u] / trial_s);
    ++(state ? t.n_trials_state1 : t.n_trials_state0);
  }

  auto mean = [](const std::vector<double>& v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN()
                     : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  for (std::size_t u = 0; u < n; ++u) {
    const double r1 = mean(rates1[u]), r0 = mean(rates0[u]);
    const auto [u_stat, p] = mann_whitney_u(rates1[u], rates0[u]);
    t.r1_hz.push_back(r1);
    t.r0_hz.push_back(r0);
    t.index.push_back(r1 + r0 > 0 ? (r1 - r0) / (r1 + r0) : 0.0);
    t.u_stat.push_back(u_stat);
    t.p_value.push_back(p);
    t.significant.push_back(p < alpha / static_cast<double>(n) ? 1 : 0);
    const bool excitatory = static_cast<int>(u) < n_e;
    const bool prefers_1 = r1 > r0;  // the study's rule: ties and silence are 0-tuned
    t.group.push_back(excitatory ? (prefers_1 ? kE1 : kE0) : (prefers_1 ? kI1 : kI0));
  }
  return t;
}

}  // namespace eisnn::analysis
