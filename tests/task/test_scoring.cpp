// Input spikes, targets and task-success measures, on outputs whose scores
// are known by construction.
#include <gtest/gtest.h>

#include <cmath>

#include "eisnn/task/scoring.hpp"
#include "task_test_util.hpp"

namespace eisnn::task {
namespace {

TEST(Scoring, TargetsPerEncodingAndSwap) {
  const std::vector<std::uint8_t> labels = {0, 1, 1};
  EXPECT_EQ(make_targets(labels, "main", false), (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(make_targets(labels, "main", true), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(make_targets(labels, "one_hot", false), (std::vector<float>{1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(make_targets(labels, "one_hot", true), (std::vector<float>{0, 1, 1, 0, 1, 0}));
  testing::expect_input_error([&] { make_targets(labels, "two_hot", false); }, {"two_hot"});
}

// Two trials of 2000 ms: trial 0 changes 0 -> 1 at 1000 ms, trial 1 stays 1.
struct Case {
  int n_steps = 2000;
  std::vector<std::uint8_t> labels = std::vector<std::uint8_t>(4000, 0);
  std::vector<int> change_ms = {1000, -1};
  Case() {
    for (int t = 1000; t < 2000; ++t) labels[t] = 1;
    for (int t = 0; t < 2000; ++t) labels[2000 + t] = 1;
  }
};

TEST(Scoring, PerfectOutputScoresOneAndInvertedZero) {
  const Case c;
  std::vector<float> y = make_targets(c.labels, "main", false);
  Score s = score(y, c.n_steps, 1, c.labels, c.change_ms);
  EXPECT_EQ(s.n_trials, 2);
  EXPECT_DOUBLE_EQ(s.per_ms_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.pre_change_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.end_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.mse, 0.0);
  EXPECT_EQ(s.n_response_delays, 1);
  EXPECT_DOUBLE_EQ(s.response_delay_ms, 0.0);

  for (float& v : y) v = 1.0f - v;
  s = score(y, c.n_steps, 1, c.labels, c.change_ms);
  EXPECT_DOUBLE_EQ(s.per_ms_accuracy, 0.0);
  EXPECT_DOUBLE_EQ(s.mse, 1.0);
  // Read with swapped labels, the inverted output is perfect again.
  s = score(y, c.n_steps, 1, c.labels, c.change_ms, /*swap=*/true);
  EXPECT_DOUBLE_EQ(s.per_ms_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.response_delay_ms, 0.0);
}

TEST(Scoring, LateResponseGivesItsDelayAndWindowAccuracies) {
  const Case c;
  // Output 0.2 until 1150 ms on trial 0 (150 ms late), then 0.9; trial 1 at 0.9.
  std::vector<float> y(4000, 0.9f);
  for (int t = 0; t < 1150; ++t) y[t] = 0.2f;
  const Score s = score(y, c.n_steps, 1, c.labels, c.change_ms);
  EXPECT_DOUBLE_EQ(s.response_delay_ms, 150.0);  // 75th percentile of post-change values is 0.9
  EXPECT_DOUBLE_EQ(s.pre_change_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.end_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.per_ms_accuracy, (4000.0 - 150.0) / 4000.0);
  const double sq = 1000 * 0.04 + 150 * 0.64 + 850 * 0.01 + 2000 * 0.01;
  EXPECT_NEAR(s.mse, sq / 4000.0, 1e-6);
  // Only held-out trial 1: no change trial, no delay.
  const Score only1 = score(y, c.n_steps, 1, c.labels, c.change_ms, false, {1});
  EXPECT_EQ(only1.n_trials, 1);
  EXPECT_EQ(only1.n_response_delays, 0);
  EXPECT_TRUE(std::isnan(only1.response_delay_ms));
}

TEST(Scoring, OneHotUsesTheLargerOutputAndTheStateOneOutputForDelay) {
  Case c;
  // Trial 0 now changes 1 -> 0 at 1000 ms.
  for (int t = 0; t < 2000; ++t) c.labels[t] = t < 1000;
  std::vector<float> y(4000 * 2);
  for (int k = 0; k < 4000; ++k) {
    const bool one = k < 2000 ? k < 1040 : true;  // trial 0 switches 40 ms late
    y[2 * k] = one ? 0.1f : 0.7f;
    y[2 * k + 1] = one ? 0.8f : 0.3f;
  }
  const Score s = score(y, c.n_steps, 2, c.labels, c.change_ms);
  EXPECT_DOUBLE_EQ(s.per_ms_accuracy, (4000.0 - 40.0) / 4000.0);
  EXPECT_DOUBLE_EQ(s.response_delay_ms, 40.0);  // falls to its 25th percentile, 0.3
}

}  // namespace
}  // namespace eisnn::task
