#include <gtest/gtest.h>

#include "eisnn/config.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn {
namespace {

Config small_config() {
  Config c = load_config("", {});
  c.seed = 3;
  return c;
}

std::vector<TrialResult> run(const Config& c, const Network& net, int threads, int n_trials,
                             int n_steps, const std::vector<float>& rates) {
  BatchRequest req;
  req.n_trials = n_trials;
  req.n_steps = n_steps;
  req.rates = [&](int) { return rates.data(); };
  req.seed = c.seed;
  req.threads = threads;
  req.record_voltage = {0, 250};
  return simulate_batch(net, c, req);
}

// FNV-1a over (trial, step, unit) of every spike: a fingerprint of a whole run.
std::uint64_t checksum(const std::vector<TrialResult>& results) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t x) {
    for (int b = 0; b < 8; ++b) h = (h ^ ((x >> (8 * b)) & 0xff)) * 1099511628211ull;
  };
  for (std::size_t i = 0; i < results.size(); ++i)
    for (int t = 0; t < results[i].spikes.n_steps; ++t)
      for (auto u : results[i].spikes.at(t)) {
        mix(i);
        mix(static_cast<std::uint64_t>(t));
        mix(u);
      }
  return h;
}

TEST(Simulation, InputSpikesAreBernoulliWithTheRate) {
  const int n_steps = 20000, n_in = 3;
  std::vector<float> rates(n_steps * n_in);
  for (int t = 0; t < n_steps; ++t)
    rates[t * 3] = 0.0f, rates[t * 3 + 1] = 0.3f, rates[t * 3 + 2] = 1.0f;
  Rng r1(1, {stream::input_spikes, 0, 7}), r2(1, {stream::input_spikes, 0, 7}),
      r3(1, {stream::input_spikes, 1, 7});
  const SpikeTrain a = draw_input_spikes(rates.data(), n_steps, n_in, r1);
  const SpikeTrain b = draw_input_spikes(rates.data(), n_steps, n_in, r2);
  const SpikeTrain c = draw_input_spikes(rates.data(), n_steps, n_in, r3);
  EXPECT_EQ(a.index, b.index);  // same key, same spikes
  EXPECT_NE(a.index, c.index);  // another presentation, new spikes
  double count[3] = {0, 0, 0};
  for (auto ch : a.index) count[ch] += 1;
  EXPECT_EQ(count[0], 0);
  EXPECT_EQ(count[2], n_steps);
  EXPECT_NEAR(count[1] / n_steps, 0.3, 0.015);  // 4.6 sd
}

TEST(Simulation, BitIdenticalForAnyThreadCount) {
  const Config c = small_config();
  const Network net = build_network(c);
  const std::vector<float> rates(1000 * 16, 0.17f);
  const auto one = run(c, net, 1, 6, 1000, rates);
  const auto two = run(c, net, 2, 6, 1000, rates);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].spikes.index, two[i].spikes.index);
    EXPECT_EQ(one[i].spikes.step_start, two[i].spikes.step_start);
    EXPECT_EQ(one[i].y, two[i].y);
    EXPECT_EQ(one[i].v_mV, two[i].v_mV);
  }
  EXPECT_GT(one[0].spikes.n_spikes(), 100u) << "the test needs an active network";
}

TEST(Simulation, TrialsDifferAndRepeat) {
  const Config c = small_config();
  const Network net = build_network(c);
  const std::vector<float> rates(500 * 16, 0.17f);
  const auto a = run(c, net, 2, 2, 500, rates);
  const auto b = run(c, net, 2, 2, 500, rates);
  EXPECT_NE(a[0].spikes.index, a[1].spikes.index);
  EXPECT_EQ(checksum(a), checksum(b));
}

// Regression: a fixed small run must keep its exact spikes. If a deliberate
// change of the model or of the random streams alters them, update the number
// and say why in the commit.
TEST(Simulation, StoredChecksumOfAFixedRun) {
  const Config c = small_config();
  const Network net = build_network(c);
  const std::vector<float> rates(1000 * 16, 0.17f);
  const auto results = run(c, net, 2, 4, 1000, rates);
  std::size_t n = 0;
  for (const auto& r : results) n += r.spikes.n_spikes();
  EXPECT_EQ(n, 7277u);
  EXPECT_EQ(checksum(results), 10972654000627473025ull);
}

TEST(Simulation, ReadoutIsTheFilteredSpikeSum) {
  const Config c = small_config();
  const Network net = build_network(c);
  const std::vector<float> rates(300 * 16, 0.17f);
  const auto r = run(c, net, 1, 1, 300, rates)[0];
  std::vector<float> w_out(static_cast<std::size_t>(net.n_units()), 0.0f);
  for (int u = 0; u < net.n_units(); ++u)
    for (auto s = net.w_out.begin(u); s < net.w_out.end(u); ++s) w_out[u] = net.w_out.w_mV[s];
  double y = 0;
  for (int t = 0; t < 300; ++t) {
    y *= 0.8;
    for (auto u : r.spikes.at(t)) y += w_out[u];
    EXPECT_NEAR(r.y[static_cast<std::size_t>(t)], y, 1e-4);
  }
}

}  // namespace
}  // namespace eisnn
