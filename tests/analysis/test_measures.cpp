// Tuning and connectivity measures on hand-built spike trains and networks
// whose answers are known by construction (SPEC §5).
#include <gtest/gtest.h>

#include <cmath>

#include "eisnn/analysis/connectivity.hpp"
#include "eisnn/analysis/tuning.hpp"

namespace eisnn::analysis {
namespace {

// A train of n_steps steps in which `unit` spikes `n` times (steps 0, 10, 20, ...).
SpikeTrain train_with(int n_steps, const std::vector<std::pair<int, int>>& unit_counts) {
  std::vector<std::vector<std::uint16_t>> at(static_cast<std::size_t>(n_steps));
  for (auto [unit, n] : unit_counts)
    for (int k = 0; k < n; ++k)
      at[static_cast<std::size_t>(10 * k)].push_back(static_cast<std::uint16_t>(unit));
  SpikeTrain s;
  for (auto& step : at) {
    std::sort(step.begin(), step.end());
    for (auto u : step) s.push(u);
    s.end_step();
  }
  return s;
}

TEST(Tuning, RatesIndexAndGroupsOfHandBuiltTrains) {
  // 4 units (2 E, 2 I), trials of 500 ms. Unit 0 and 2 fire more in state 1,
  // unit 1 more in state 0, unit 3 never. A change trial (state -1) is ignored.
  std::vector<SpikeTrain> spikes;
  std::vector<int> state;
  for (int k = 0; k < 3; ++k) {
    spikes.push_back(train_with(500, {{0, 10}, {1, 2}, {2, 5}}));  // state 1
    state.push_back(1);
    spikes.push_back(train_with(500, {{0, 5}, {1, 4}, {2, 1}}));  // state 0
    state.push_back(0);
  }
  spikes.push_back(train_with(500, {{3, 40}}));
  state.push_back(-1);
  const Tuning t = compute_tuning(2, 4, spikes, state);
  EXPECT_EQ(t.n_trials_state1, 3);
  EXPECT_EQ(t.n_trials_state0, 3);
  EXPECT_DOUBLE_EQ(t.r1_hz[0], 20.0);  // 10 spikes in 0.5 s
  EXPECT_DOUBLE_EQ(t.r0_hz[0], 10.0);
  EXPECT_DOUBLE_EQ(t.index[0], 10.0 / 30.0);
  EXPECT_DOUBLE_EQ(t.index[1], (4.0 - 8.0) / 12.0);
  EXPECT_DOUBLE_EQ(t.index[3], 0.0);  // silent: index 0
  EXPECT_EQ(t.group, (std::vector<int>{kE1, kE0, kI1, kI0}));
  EXPECT_EQ(t.preferred_state(), (std::vector<int>{1, 0, 1, 0}));
  // Constant rates over trials: complete separation of the two samples.
  EXPECT_DOUBLE_EQ(t.u_stat[0], 9.0);
  EXPECT_DOUBLE_EQ(t.p_value[3], 1.0);  // all tied
}

TEST(Tuning, MannWhitneyMatchesScipy) {
  // scipy.stats.mannwhitneyu([5,7,7,9,12], [1,2,7,3], method="asymptotic"):
  // statistic 18.0, pvalue 0.06168916598092455.
  const auto [u, p] = mann_whitney_u({5, 7, 7, 9, 12}, {1, 2, 7, 3});
  EXPECT_DOUBLE_EQ(u, 18.0);
  EXPECT_NEAR(p, 0.06168916598092455, 1e-12);
  EXPECT_TRUE(std::isnan(mann_whitney_u({}, {1.0}).second));
}

// Fully connected recurrent weights (no self pairs) from a rule w(pre, post).
template <class Rule>
SparseWeights full(int n, Rule rule) {
  std::vector<std::uint32_t> pre;
  std::vector<std::uint16_t> post;
  std::vector<float> w;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j) {
        pre.push_back(static_cast<std::uint32_t>(i));
        post.push_back(static_cast<std::uint16_t>(j));
        w.push_back(rule(i, j));
      }
  return SparseWeights::from_triplets(n, n, pre, post, w);
}

// 8 units: E 0-3, I 4-7; groups E1 E1 E0 E0 I1 I1 I0 I0.
const std::vector<int> kGroupsOf8 = {kE1, kE1, kE0, kE0, kI1, kI1, kI0, kI0};

TEST(Blocks, EqualBlocksGiveRatiosOfExactlyOne) {
  const SparseWeights w = full(8, [](int i, int) { return i < 4 ? 0.5f : -2.0f; });
  const BlockMeans b = block_means(w, kGroupsOf8);
  EXPECT_EQ(b.n_pairs[0], 2);  // E1 -> E1: 2 x 2 minus 2 self pairs
  EXPECT_EQ(b.n_pairs[1], 4);  // E1 -> E0
  EXPECT_DOUBLE_EQ(b.at(kE1, kE1), 0.5);
  EXPECT_DOUBLE_EQ(b.at(kI0, kE1), -2.0);
  const TuningRatios r = tuning_ratios(b);
  EXPECT_EQ(r.i_ratio, 1.0);
  EXPECT_EQ(r.e_ratio, 1.0);
}

TEST(Blocks, StrongerCrossTunedInhibitionGivesTheExpectedIRatio) {
  // Cross-tuned I synapses -3 mV, within-tuned -1 mV: I ratio 3, E untouched.
  const auto state = [](int u) { return group_state(kGroupsOf8[static_cast<std::size_t>(u)]); };
  const SparseWeights w = full(8, [&](int i, int j) {
    if (i < 4) return 0.25f;
    return state(i) != state(j) ? -3.0f : -1.0f;
  });
  const TuningRatios r = tuning_ratios(block_means(w, kGroupsOf8));
  EXPECT_DOUBLE_EQ(r.i_ratio, 3.0);
  EXPECT_DOUBLE_EQ(r.i_cross_mV, -3.0);
  EXPECT_DOUBLE_EQ(r.i_within_mV, -1.0);
  EXPECT_DOUBLE_EQ(r.e_ratio, 1.0);
}

TEST(Blocks, AbsentSynapsesCountAsZero) {
  // Only I1 unit 4 -> E0 unit 2 exists (-4 mV): block I1 -> E0 has 4 pairs.
  const SparseWeights w = SparseWeights::from_triplets(8, 8, {4}, {2}, {-4.0f});
  const BlockMeans b = block_means(w, kGroupsOf8);
  EXPECT_DOUBLE_EQ(b.at(kI1, kE0), -1.0);
  EXPECT_EQ(b.n_synapses[kI1 * 4 + kE0], 1);
  const TuningRatios r = tuning_ratios(b);
  EXPECT_DOUBLE_EQ(r.i_cross_mV, -0.25);  // (-1 + 0 + 0 + 0) / 4
  EXPECT_TRUE(std::isinf(r.i_ratio));     // within-tuned mean is 0
}

TEST(Blocks, EmptyGroupsAreLeftOut) {
  // No I0 unit: the I ratio uses the two blocks I1 -> E0 and I1 -> E1, I1 -> I1.
  const std::vector<int> groups = {kE1, kE1, kE0, kE0, kI1, kI1};
  const SparseWeights w =
      full(6, [](int i, int j) { return i < 4 ? 1.0f : (j == 2 || j == 3 ? -2.0f : -1.0f); });
  const TuningRatios r = tuning_ratios(block_means(w, groups));
  EXPECT_DOUBLE_EQ(r.i_cross_mV, -2.0);  // I1 -> E0 only (I1 -> I0 has no pairs)
  EXPECT_DOUBLE_EQ(r.i_ratio, 2.0);
}

TEST(Inputs, MeanWeightByChannelBiasWithZeros) {
  Network net;
  net.n_in = 3;
  net.n_e = 2;
  net.n_i = 2;
  net.n_out = 1;
  // Channel 0 (1-biased) -> unit 0 (E) 2 mV; channel 1 (0-biased) -> unit 3 (I) 1 mV.
  net.w_in = SparseWeights::from_triplets(3, 4, {0, 1}, {0, 3}, {2.0f, 1.0f});
  const InputWeights w = input_weights(net, {1, 0, 0});
  EXPECT_EQ(w.n_channels_1, 1);
  EXPECT_EQ(w.n_channels_0, 2);
  EXPECT_DOUBLE_EQ(w.at(1, false), 1.0);  // 2 mV over 1 channel x 2 E units
  EXPECT_DOUBLE_EQ(w.at(1, true), 0.0);
  EXPECT_DOUBLE_EQ(w.at(0, true), 0.25);  // 1 mV over 2 channels x 2 I units
  EXPECT_DOUBLE_EQ(w.at(0, false), 0.0);
}

TEST(Signs, PoolingBySignAndTuningAndSignChanges) {
  // 4 units preferring 1, 1, 0, 0 (signs free, as without Dale's principle).
  const SparseWeights before =
      SparseWeights::from_triplets(4, 4, {0, 0, 1, 2}, {1, 2, 3, 3}, {1.0f, 1.0f, -1.0f, 2.0f});
  const SparseWeights after =
      SparseWeights::from_triplets(4, 4, {0, 0, 1, 2}, {1, 2, 3, 3}, {1.0f, -3.0f, -1.0f, -2.0f});
  const SignPooling p = sign_pooling(after, {1, 1, 0, 0});
  EXPECT_EQ(p.n_pairs_same, 4);
  EXPECT_EQ(p.n_pairs_opposite, 8);
  EXPECT_DOUBLE_EQ(p.mean_mV[0], 0.25);  // + same: 0->1
  EXPECT_DOUBLE_EQ(p.mean_mV[2], -0.5);  // - same: 2->3
  EXPECT_DOUBLE_EQ(p.mean_mV[3], -0.5);  // - opposite: 0->2, 1->3 = -4 / 8
  EXPECT_DOUBLE_EQ(p.mean_existing_mV[3], -2.0);
  EXPECT_DOUBLE_EQ(p.neg_ratio, 1.0);
  const SignChanges c = sign_changes(after, before);
  EXPECT_EQ(c.n_compared, 4);
  EXPECT_EQ(c.n_changed, 2);
  EXPECT_DOUBLE_EQ(c.fraction, 0.5);
}

}  // namespace
}  // namespace eisnn::analysis
