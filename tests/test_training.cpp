// Training: the optimiser against hand-computed steps, the constraints of
// Dale's principle and rewiring, and whole training runs that must not depend
// on threads or on being interrupted and resumed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <set>

#include "eisnn/config.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/network_io.hpp"
#include "eisnn/random.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/adam.hpp"
#include "eisnn/train/bptt.hpp"
#include "eisnn/train/constraints.hpp"
#include "eisnn/train/trainer.hpp"
#include "small_run.hpp"

namespace eisnn {
namespace {

using testing::fresh_dir;
using testing::small_config;
using testing::synthetic_dataset;

TEST(Adam, TwoStepsMatchHandComputedValues) {
  // w = 1, gradients 0.5 then -0.25, lr 0.1, beta1 0.9, beta2 0.999, eps 1e-7:
  //   m1 = 0.05, v1 = 0.00025, lr_1 = 0.1 sqrt(0.001) / 0.1 = 0.0316228, w1 = 0.9000006
  //   m2 = 0.02, v2 = 0.00031225, lr_2 = 0.1 sqrt(0.001999) / 0.19 = 0.0235317, w2 = 0.8733671
  std::vector<float> w = {1.0f};
  AdamState s;
  s.reset(1);
  const AdamSettings settings{0.1, 0.9, 0.999, 1e-7};
  adam_update(w, {0.5f}, s, settings);
  EXPECT_NEAR(s.m[0], 0.05, 1e-8);
  EXPECT_NEAR(s.v[0], 0.00025, 1e-10);
  EXPECT_NEAR(w[0], 0.9000006, 2e-7);
  adam_update(w, {-0.25f}, s, settings);
  EXPECT_NEAR(s.m[0], 0.02, 1e-8);
  EXPECT_NEAR(s.v[0], 0.00031225, 1e-10);
  EXPECT_NEAR(w[0], 0.8733671, 2e-7);
  EXPECT_EQ(s.step, 2);
}

// Flips the sign of every third recurrent weight, as a large update might.
void flip_some(Network& net) {
  for (std::size_t s = 0; s < net.w_rec.n_synapses(); s += 3) net.w_rec.w_mV[s] *= -1.0f;
  for (std::size_t s = 0; s < net.w_in.n_synapses(); s += 5) net.w_in.w_mV[s] = -0.5f;
}

TEST(Constraints, DaleKeepsSignsAndRewiringKeepsTheCount) {
  const Config c = small_config();
  Network net = build_network(c);
  const std::size_t n_syn = net.w_rec.n_synapses();
  AdamState adam;
  adam.reset(n_syn);
  std::fill(adam.m.begin(), adam.m.end(), 1.0f);
  std::set<std::pair<int, int>> before;
  for (int i = 0; i < net.n_units(); ++i)
    for (auto s = net.w_rec.begin(i); s < net.w_rec.end(i); ++s)
      before.insert({i, net.w_rec.post[s]});

  flip_some(net);
  const ConstraintReport r = apply_constraints(net, adam, c, 0);
  EXPECT_EQ(r.n_pruned, static_cast<int>((n_syn + 2) / 3));
  EXPECT_GT(r.n_clamped_in, 0);
  ASSERT_EQ(net.w_rec.n_synapses(), n_syn);
  std::set<std::pair<int, int>> after;
  int n_new = 0;
  for (int i = 0; i < net.n_units(); ++i)
    for (auto s = net.w_rec.begin(i); s < net.w_rec.end(i); ++s) {
      const int j = net.w_rec.post[s];
      EXPECT_NE(i, j);
      EXPECT_GT(net.w_rec.w_mV[s] * net.sign(i), 0.0f) << "wrong sign " << i << "->" << j;
      EXPECT_TRUE(after.insert({i, j}).second) << "duplicate synapse";
      if (adam.m[s] == 0.0f) {
        ++n_new;  // made by rewiring: Adam state starts at zero
      } else {
        EXPECT_EQ(adam.m[s], 1.0f);
        EXPECT_TRUE(before.count({i, j})) << "kept synapse that did not exist";
      }
    }
  EXPECT_EQ(n_new, r.n_pruned);
  for (float w : net.w_in.w_mV) EXPECT_GE(w, 0.0f);
}

TEST(Constraints, WithoutDaleTheMaskNeverChanges) {
  const Config c = small_config({"condition=no-dale"});
  Network net = build_network(c);
  const auto post = net.w_rec.post;
  AdamState adam;
  adam.reset(net.w_rec.n_synapses());
  flip_some(net);
  const auto w = net.w_rec.w_mV;
  const ConstraintReport r = apply_constraints(net, adam, c, 0);
  EXPECT_EQ(r.n_pruned, 0);
  EXPECT_EQ(net.w_rec.post, post);
  EXPECT_EQ(net.w_rec.w_mV, w);  // signs are free
}

void expect_same_network(const Network& a, const Network& b) {
  EXPECT_EQ(a.w_rec.post, b.w_rec.post);
  EXPECT_EQ(a.w_rec.row_start, b.w_rec.row_start);
  EXPECT_EQ(a.w_rec.w_mV, b.w_rec.w_mV);
  EXPECT_EQ(a.w_in.w_mV, b.w_in.w_mV);
  EXPECT_EQ(a.w_out.w_mV, b.w_out.w_mV);
}

TEST(Trainer, SameWeightsForOneAndTwoThreads) {
  const task::Dataset data = synthetic_dataset();
  Config c1 = small_config({"training.threads=1"});
  Config c2 = small_config({"training.threads=2"});
  Trainer t1(c1, data, fresh_dir("threads1"));
  Trainer t2(c2, data, fresh_dir("threads2"));
  ASSERT_TRUE(t1.run());
  ASSERT_TRUE(t2.run());
  expect_same_network(t1.network(), t2.network());
  EXPECT_NE(t1.network().w_rec.w_mV, build_network(c1).w_rec.w_mV) << "training changed nothing";
}

TEST(Trainer, ResumedRunEqualsUninterruptedRun) {
  const task::Dataset data = synthetic_dataset();
  const Config c = small_config({"training.epochs=3", "training.checkpoint_every_epochs=1"});
  Trainer whole(c, data, fresh_dir("whole"));
  ASSERT_TRUE(whole.run());

  const auto dir = fresh_dir("parts");
  {
    Trainer first(c, data, dir);
    int updates = 0;
    TrainerCallbacks cb;
    cb.should_stop = [&] { return ++updates == 3; };  // stop mid-epoch
    EXPECT_FALSE(first.run(cb));
    EXPECT_EQ(first.next_update(), 3);
  }
  Trainer second = Trainer::resume(dir, data);
  EXPECT_EQ(second.next_update(), 3);
  ASSERT_TRUE(second.run());
  expect_same_network(whole.network(), second.network());
  ASSERT_EQ(whole.updates().size(), second.updates().size());
  EXPECT_EQ(whole.updates().back().loss.total, second.updates().back().loss.total);

  // The files a run leaves.
  for (const char* f : {"checkpoint.h5", "metrics.h5", "network.h5", "heldout.h5",
                        "snapshots/epoch-00000.h5", "snapshots/epoch-00003.h5"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  const Network saved = read_network(h5::File::open(dir / "network.h5"));
  expect_same_network(saved, second.network());
}

TEST(Trainer, DivergenceStopsWithTheUpdateNamed) {
  const task::Dataset data = synthetic_dataset();
  const Config c = small_config({"training.lr=1e30", "training.dale=false"});
  Trainer t(c, data, fresh_dir("diverge"));
  try {
    t.run();
    FAIL() << "no TrainingError";
  } catch (const TrainingError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("update "), std::string::npos) << m;
    EXPECT_NE(m.find("checkpoint.h5"), std::string::npos) << m;
  }
}

TEST(Trainer, RefusesAFolderWithACheckpoint) {
  const task::Dataset data = synthetic_dataset();
  const Config c = small_config({"training.epochs=1"});
  const auto dir = fresh_dir("twice");
  Trainer(c, data, dir).run();
  EXPECT_THROW(Trainer(c, data, dir), InputError);
  EXPECT_THROW(Trainer::resume(fresh_dir("empty"), data), InputError);
}

// The task-loss gradient of k copies of one trial: each copy's share is the
// lone trial's scaled by 1/k, a power of two, so the sum over copies equals
// the lone trial's gradient bit for bit, whichever lanes and groups the copies
// share and however the backward pass pairs the groups.
TEST(Bptt, ATrialsGradientDoesNotDependOnItsGroupMates) {
  const Config c = small_config({"training.loss=\"task\""});
  const Network net = build_network(c);
  const int n_steps = 200;
  const std::vector<float> rates(static_cast<std::size_t>(n_steps) * net.n_in, 0.3f);
  std::vector<float> target(static_cast<std::size_t>(n_steps) * net.n_out);
  for (std::size_t i = 0; i < target.size(); ++i) target[i] = static_cast<float>((i / 50) % 2);
  Rng in(3, {stream::input_spikes, 0, 0});
  Rng v0(3, {stream::initial_state, 0, 0});
  const SpikeTrain input = draw_input_spikes(rates.data(), n_steps, net.n_in, in);
  const std::vector<float> v0_mV =
      draw_initial_voltage(c.initial_state, c.neuron, net.n_units(), v0);
  auto gradient = [&](int copies, int threads) {
    BatchData batch;
    batch.n_steps = n_steps;
    batch.input.assign(static_cast<std::size_t>(copies), input);
    batch.v0_mV.assign(static_cast<std::size_t>(copies), v0_mV);
    batch.target.assign(static_cast<std::size_t>(copies), target.data());
    Bptt bptt;
    WeightGradients g;
    bptt.run(net, NeuronConstants::from(c.neuron), LossSettings::from(c.training), batch, g,
             threads);
    return g;
  };
  const WeightGradients lone = gradient(1, 1);
  EXPECT_NE(lone.w_rec, std::vector<float>(lone.w_rec.size(), 0.0f)) << "no recurrent gradient";
  for (auto [copies, threads] : {std::pair{8, 1}, {16, 1}, {16, 2}, {32, 2}}) {
    const WeightGradients g = gradient(copies, threads);
    EXPECT_EQ(g.w_in, lone.w_in) << copies << " copies, " << threads << " threads";
    EXPECT_EQ(g.w_rec, lone.w_rec) << copies << " copies, " << threads << " threads";
    EXPECT_EQ(g.w_out, lone.w_out) << copies << " copies, " << threads << " threads";
  }
}

}  // namespace
}  // namespace eisnn
