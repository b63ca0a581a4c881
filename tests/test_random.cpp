#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eisnn/random.hpp"

namespace eisnn {
namespace {

TEST(Random, SameKeySameStream) {
  Rng a(7, {stream::input_spikes, 0, 3}), b(7, {stream::input_spikes, 0, 3});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Random, DifferentKeysDiffer) {
  Rng a(7, {stream::input_spikes, 0, 3}), b(7, {stream::input_spikes, 0, 4}),
      c(8, {stream::input_spikes, 0, 3}), d(7, {stream::initial_state, 0, 3});
  const auto x = a.next();
  EXPECT_NE(x, b.next());
  EXPECT_NE(x, c.next());
  EXPECT_NE(x, d.next());
}

TEST(Random, MomentsOfDistributions) {
  Rng rng(1, {99});
  const int n = 200000;
  double s_u = 0, s_n = 0, s_n2 = 0, s_log = 0;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform_float();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    s_u += u;
    const double z = rng.normal();
    s_n += z;
    s_n2 += z * z;
    s_log += std::log(rng.lognormal(-0.64, 0.51));
  }
  EXPECT_NEAR(s_u / n, 0.5, 0.003);
  EXPECT_NEAR(s_n / n, 0.0, 0.01);
  EXPECT_NEAR(s_n2 / n, 1.0, 0.01);
  EXPECT_NEAR(s_log / n, -0.64, 0.005);
}

TEST(Random, BelowIsUniformAndInRange) {
  Rng rng(3, {1});
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto k = rng.below(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

}  // namespace
}  // namespace eisnn
