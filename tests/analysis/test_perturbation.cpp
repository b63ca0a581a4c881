// Perturbed evaluation: with nothing perturbed it must reproduce the plain
// simulation bit for bit; jitter and delays must move spikes as specified.
#include <gtest/gtest.h>

#include "analysis_test_util.hpp"
#include "eisnn/analysis/perturbation.hpp"
#include "eisnn/kernel.hpp"
#include "eisnn/network.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn::analysis {
namespace {

using testing::small_config;
using testing::synthetic_dataset;

// The plain simulation of the held-out trials, as the trainer evaluates them.
std::vector<TrialResult> plain(const Network& net, const Config& c, const task::Dataset& d) {
  BatchRequest req;
  req.n_trials = static_cast<int>(d.heldout_trials.size());
  req.n_steps = d.n_steps;
  req.rates = [&](int i) { return d.trial_rates(d.heldout_trials[static_cast<std::size_t>(i)]); };
  req.seed = c.seed;
  req.epoch = kHeldoutKey;
  req.trial_keys = d.heldout_trials;
  return simulate_batch(net, c, req);
}

void expect_same(const Evaluation& ev, const std::vector<TrialResult>& ref) {
  ASSERT_EQ(ev.y.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    EXPECT_EQ(ev.y[i], ref[i].y) << "trial " << i;
    if (!ev.spikes.empty()) {
      EXPECT_EQ(ev.spikes[i].index, ref[i].spikes.index) << "trial " << i;
      EXPECT_EQ(ev.spikes[i].step_start, ref[i].spikes.step_start) << "trial " << i;
    }
  }
}

class Perturb : public ::testing::Test {
 protected:
  // Strong input so that the network fires and delays matter.
  Config c = small_config({"connectivity.w_in_max_mV=8"});
  Network net = build_network(c);
  task::Dataset d = synthetic_dataset();
};

TEST_F(Perturb, NothingPerturbedReproducesThePlainSimulation) {
  const auto ref = plain(net, c, d);
  std::size_t n_spikes = 0;
  for (const auto& r : ref) n_spikes += r.spikes.n_spikes();
  ASSERT_GT(n_spikes, 100u) << "the test network must be active";
  expect_same(evaluate(net, c, d, {}, true), ref);
}

TEST_F(Perturb, JitterZeroReproducesThePlainSimulationExactly) {
  const auto ref = plain(net, c, d);
  expect_same(evaluate(net, c, d, {0, DelayKind::none, 0, 3}, true), ref);
  // The delay policy with zero extra delay goes through the ring buffer path.
  expect_same(evaluate(net, c, d, {0, DelayKind::random, 0, 1}, true), ref);
  expect_same(evaluate(net, c, d, {0, DelayKind::constant, 0, 0}, true), ref);
}

TEST_F(Perturb, DelaysAndJitterChangeTheRun) {
  const auto ref = plain(net, c, d);
  for (const Perturbation& p :
       {Perturbation{0, DelayKind::constant, 2, 0}, Perturbation{0, DelayKind::random, 2, 0},
        Perturbation{3, DelayKind::none, 0, 0}}) {
    const Evaluation ev = evaluate(net, c, d, p, true);
    bool differs = false;
    for (std::size_t i = 0; i < ref.size(); ++i)
      differs |= ev.spikes[i].index != ref[i].spikes.index;
    EXPECT_TRUE(differs) << "jitter " << p.input_jitter_ms << " delay " << p.delay_j_ms;
  }
  // Same key, same draws.
  const Perturbation p{2, DelayKind::random, 2, 5};
  EXPECT_EQ(evaluate(net, c, d, p).y, evaluate(net, c, d, p).y);
}

TEST_F(Perturb, SilencingNothingChangesNothing) {
  const Network same = silence(net, {});
  EXPECT_EQ(same.w_rec.w_mV, net.w_rec.w_mV);
  EXPECT_EQ(same.w_in.w_mV, net.w_in.w_mV);
  EXPECT_EQ(evaluate(same, c, d).y, evaluate(net, c, d).y);
}

TEST_F(Perturb, SilencingZeroesExactlyTheChosenSynapses) {
  Silencing s;
  s.ee = true;
  s.recurrent_from = {net.n_e};  // the first I unit
  const Network quiet = silence(net, s);
  for (int pre = 0; pre < net.n_units(); ++pre)
    for (auto k = net.w_rec.begin(pre); k < net.w_rec.end(pre); ++k) {
      const bool off = (pre < net.n_e && net.w_rec.post[k] < net.n_e) || pre == net.n_e;
      EXPECT_EQ(quiet.w_rec.w_mV[k], off ? 0.0f : net.w_rec.w_mV[k]);
    }
}

TEST_F(Perturb, StrongestInhibitorySynapsesAreCrossOrWithinTuned) {
  std::vector<int> preferred(static_cast<std::size_t>(net.n_units()));
  for (int u = 0; u < net.n_units(); ++u) preferred[static_cast<std::size_t>(u)] = u % 2;
  const auto cross = strongest_inhibitory(net, preferred, true, 0.25);
  const auto all_cross = strongest_inhibitory(net, preferred, true, 1.0);
  ASSERT_FALSE(cross.empty());
  EXPECT_EQ(cross.size(), static_cast<std::size_t>(std::lround(0.25 * all_cross.size())));
  // None left out is stronger than the weakest chosen.
  float weakest_chosen = INFINITY;
  for (auto k : cross) weakest_chosen = std::min(weakest_chosen, std::fabs(net.w_rec.w_mV[k]));
  for (std::size_t i = cross.size(); i < all_cross.size(); ++i)
    EXPECT_LE(std::fabs(net.w_rec.w_mV[all_cross[i]]), weakest_chosen);
  for (auto k : cross) {
    int pre = 0;
    while (net.w_rec.end(pre) <= k) ++pre;
    EXPECT_GE(pre, net.n_e);
    EXPECT_NE(preferred[static_cast<std::size_t>(pre)], preferred[net.w_rec.post[k]]);
  }
}

// Records the step of every spike of every unit (one lane).
struct SpikeTimes {
  std::vector<std::pair<int, int>> spikes;  // (step, unit)
  void step(int t, std::span<const lanes_f>, std::span<const lanes_f>, std::span<const lanes_i>,
            std::span<const std::vector<std::uint16_t>> z) {
    for (auto u : z[0]) spikes.push_back({t, u});
  }
};

// Every spike delayed by the same number of extra steps.
struct ConstantDelay {
  static constexpr bool enabled = true;
  int j = 0;
  int max_steps() const { return j; }
  int extra_steps(int, int, int) { return j; }
};

TEST(Delay, ARelayedSpikeArrivesJStepsLater) {
  // Channel 0 -> unit 0 and unit 0 -> unit 1, 30 mV each: one input spike at
  // step 5 makes unit 0 fire at 5 and unit 1 at 6, or 6 + J when delayed.
  Network net;
  net.n_in = 1;
  net.n_e = 2;
  net.n_i = 1;
  net.n_out = 1;
  net.w_in = SparseWeights::from_triplets(1, 3, {0}, {0}, {30.0f});
  net.w_rec = SparseWeights::from_triplets(3, 3, {0}, {1}, {30.0f});
  net.w_out = SparseWeights::from_triplets(3, 1, {1}, {0}, {1.0f});
  const NeuronConstants k = NeuronConstants::from(NeuronParams{});
  SpikeTrain input;
  for (int t = 0; t < 30; ++t) {
    if (t == 5) input.push(0);
    input.end_step();
  }
  const std::vector<float> v0(3, k.E_L_mV);
  const float* v0_ptr[] = {v0.data()};
  const SpikeTrain* in_ptr[] = {&input};
  for (int j : {0, 1, 3, 10}) {
    LaneKernel kernel;
    SpikeTimes obs;
    ConstantDelay delay{j};
    kernel.run(net, k, v0_ptr, in_ptr, 30, obs, delay);
    EXPECT_EQ(obs.spikes, (std::vector<std::pair<int, int>>{{5, 0}, {6 + j, 1}})) << "J = " << j;
  }
}

TEST(Jitter, ShiftsStayWithinJAndZeroIsIdentity) {
  SpikeTrain in;
  for (int t = 0; t < 100; ++t) {
    if (t % 7 == 0) in.push(t % 3);
    in.end_step();
  }
  Rng rng(1, {2});
  const SpikeTrain same = jitter_spikes(in, 0, rng);
  EXPECT_EQ(same.index, in.index);
  EXPECT_EQ(same.step_start, in.step_start);

  // Spikes far from the edges survive, each within J of where it was.
  const SpikeTrain moved = jitter_spikes(in, 3, rng);
  EXPECT_EQ(moved.n_steps, in.n_steps);
  EXPECT_GE(moved.n_spikes() + 1, in.n_spikes());  // only the spike at t = 0 may be lost
  int n_far = 0;
  for (int t = 0; t < 100; ++t)
    for (auto ch : moved.at(t)) {
      bool near = false;
      for (int s = std::max(0, t - 3); s <= std::min(99, t + 3); ++s)
        for (auto c : in.at(s)) near |= c == ch;
      EXPECT_TRUE(near) << "spike of channel " << ch << " at " << t;
      n_far += !near;
    }
  EXPECT_EQ(n_far, 0);
}

}  // namespace
}  // namespace eisnn::analysis
