// The adaptive LIF unit against closed forms (equations in neuron.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "eisnn/kernel.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn {
namespace {

// One E unit driven by one input channel with weight w_in (mV per input spike);
// one I unit without connections, since every population needs a member.
Network single_unit(float w_in_mV) {
  Network net;
  net.n_in = 1;
  net.n_e = 1;
  net.n_i = 1;
  net.n_out = 1;
  net.w_in = SparseWeights::from_triplets(1, 2, {0}, {0}, {w_in_mV});
  net.w_rec = SparseWeights::from_triplets(2, 2, {}, {}, {});
  net.w_out = SparseWeights::from_triplets(2, 1, {0}, {0}, {1.0f});
  return net;
}

SpikeTrain constant_input(int n_steps, bool on) {
  SpikeTrain train;
  for (int t = 0; t < n_steps; ++t) {
    if (on) train.push(0);
    train.end_step();
  }
  return train;
}

const NeuronConstants k = NeuronConstants::from(NeuronParams{});

TEST(Neuron, PassiveDecayIsExponential) {
  const Network net = single_unit(0.0f);
  const std::vector<float> v0 = {-60.0f, -70.6f};
  const TrialResult r = simulate_trial(net, k, v0, constant_input(100, false), {0});
  for (int t = 0; t < 100; ++t) {
    const double expected = -70.6 + std::pow(std::exp(-1.0 / 20.0), t + 1) * (-60.0 + 70.6);
    EXPECT_NEAR(r.v_mV[static_cast<std::size_t>(t)], expected, 1e-4) << "t = " << t;
  }
  EXPECT_EQ(r.spikes.n_spikes(), 0u);
}

TEST(Neuron, ConstantDriveCrossesThresholdWhenTheClosedFormSays) {
  const float w = 1.2f;  // fixed point E_L + w / (1 - alpha) = -70.6 + 24.6 mV > v_th
  const Network net = single_unit(w);
  const double alpha = std::exp(-1.0 / 20.0), v0 = -70.6;
  int expected = -1;
  for (int t = 0; expected < 0; ++t) {
    const double a = std::pow(alpha, t + 1);
    const double v = -70.6 + a * (v0 + 70.6) + w * (1.0 - a) / (1.0 - alpha);
    if (v > -50.4) expected = t;
  }
  const TrialResult r =
      simulate_trial(net, k, std::vector<float>{-70.6f, -70.6f}, constant_input(200, true));
  ASSERT_GT(r.spikes.n_spikes(), 0u);
  int first = -1;
  for (int t = 0; t < 200 && first < 0; ++t)
    if (!r.spikes.at(t).empty()) first = t;
  EXPECT_EQ(first, expected);
}

TEST(Neuron, StrongDriveFiresEveryFourSteps) {
  const Network net = single_unit(100.0f);
  const TrialResult r =
      simulate_trial(net, k, std::vector<float>{-70.6f, -70.6f}, constant_input(1000, true));
  std::vector<int> times;
  for (int t = 0; t < 1000; ++t)
    if (!r.spikes.at(t).empty()) times.push_back(t);
  EXPECT_EQ(times.size(), 250u);  // the 250 Hz ceiling
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], 4);
}

TEST(Neuron, SpikeSubtractsResetOneStepLater) {
  // Spike at the first step, then no input: the next step decays and loses v_th - E_L.
  Network net = single_unit(100.0f);
  SpikeTrain input;
  input.push(0);
  input.end_step();
  for (int t = 1; t < 5; ++t) input.end_step();
  const TrialResult r = simulate_trial(net, k, std::vector<float>{-70.6f, -70.6f}, input, {0});
  ASSERT_EQ(r.spikes.at(0).size(), 1u);
  const double v_spike = r.v_mV[0];
  const double expected = -70.6 + std::exp(-1.0 / 20.0) * (v_spike + 70.6) - 20.2;
  EXPECT_NEAR(r.v_mV[1], expected, 1e-4);
}

// Records A_t - v_th = beta b_{t-1} at every step.
struct ThresholdProbe {
  float beta;
  std::vector<double> excess_mV;
  std::vector<int> spike_steps;
  void step(int t, std::span<const lanes_f>, std::span<const lanes_f> b_prev,
            std::span<const lanes_i>, std::span<const std::vector<std::uint16_t>> spikes) {
    excess_mV.push_back(beta * b_prev[0][0]);
    if (!spikes[0].empty() && spikes[0][0] == 0) spike_steps.push_back(t);
  }
};

TEST(Neuron, ThresholdRisesByBetaPerSpikeAndDecaysWithTauA) {
  // Just above threshold once: the reset then keeps the unit silent.
  Network net = single_unit(21.0f);
  SpikeTrain input;
  input.push(0);
  input.end_step();
  for (int t = 1; t < 300; ++t) input.end_step();
  ThresholdProbe probe{k.beta_mV, {}, {}};
  LaneKernel kernel;
  const std::vector<float> v0 = {-70.6f, -70.6f};
  const float* v0_ptr[] = {v0.data()};
  const SpikeTrain* input_ptr[] = {&input};
  kernel.run(net, k, v0_ptr, input_ptr, input.n_steps, probe);
  ASSERT_EQ(probe.spike_steps, std::vector<int>{0});
  EXPECT_EQ(probe.excess_mV[0], 0.0);
  EXPECT_EQ(probe.excess_mV[1], 0.0);  // b_t takes z_{t-1}: the rise shows at t = 2
  const double rho = std::exp(-1.0 / 100.0);
  for (int t = 2; t < 300; ++t)
    EXPECT_NEAR(probe.excess_mV[t], 0.16 * std::pow(rho, t - 2), 1e-6) << "t = " << t;
}

}  // namespace
}  // namespace eisnn
