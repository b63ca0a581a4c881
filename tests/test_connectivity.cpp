#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "eisnn/config.hpp"
#include "eisnn/network.hpp"

namespace eisnn {
namespace {

Config with_seed(std::uint64_t seed) {
  Config c = load_config("", {});
  c.seed = seed;
  return c;
}

TEST(Connectivity, OutDegreesOfTheStudy) {
  const OutDegrees k = out_degrees(with_seed(1));
  EXPECT_EQ(k.ee, 38);
  EXPECT_EQ(k.ei, 12);
  EXPECT_EQ(k.ie, 60);
  EXPECT_EQ(k.ii, 17);
  EXPECT_EQ(build_network(with_seed(1)).w_rec.n_synapses(), 16620u);
}

TEST(Connectivity, ExactOutDegreePerBlockNoSelfSignsByPopulation) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const Network net = build_network(with_seed(seed));
    const OutDegrees k = out_degrees(with_seed(seed));
    for (int i = 0; i < net.n_units(); ++i) {
      int to_e = 0, to_i = 0;
      for (std::uint32_t s = net.w_rec.begin(i); s < net.w_rec.end(i); ++s) {
        const int j = net.w_rec.post[s];
        ASSERT_NE(i, j) << "self-connection";
        (net.is_excitatory(j) ? to_e : to_i)++;
        if (net.is_excitatory(i))
          ASSERT_GT(net.w_rec.w_mV[s], 0.0f);
        else
          ASSERT_LT(net.w_rec.w_mV[s], 0.0f);
      }
      EXPECT_EQ(to_e, net.is_excitatory(i) ? k.ee : k.ie) << "unit " << i;
      EXPECT_EQ(to_i, net.is_excitatory(i) ? k.ei : k.ii) << "unit " << i;
    }
  }
}

TEST(Connectivity, WeightMomentsFollowTheLognormalLaw) {
  // m ~ LogNormal(-0.64, 0.51): E weights m/10, I weights -m (i_scale 10).
  double sum_log_e = 0, sum_log2_e = 0, sum_e = 0, sum_i = 0;
  std::size_t n_e = 0, n_i = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const Network net = build_network(with_seed(seed));
    for (int pre = 0; pre < net.n_units(); ++pre)
      for (std::uint32_t s = net.w_rec.begin(pre); s < net.w_rec.end(pre); ++s) {
        const double w = net.w_rec.w_mV[s];
        if (net.is_excitatory(pre)) {
          const double l = std::log(w / 0.1);
          sum_log_e += l;
          sum_log2_e += l * l;
          sum_e += w;
          ++n_e;
        } else {
          sum_i += w;
          ++n_i;
        }
      }
  }
  const double mean_log = sum_log_e / n_e;
  const double sd_log = std::sqrt(sum_log2_e / n_e - mean_log * mean_log);
  const double mean_m = std::exp(-0.64 + 0.51 * 0.51 / 2);  // 0.6005
  EXPECT_NEAR(mean_log, -0.64, 0.01);
  EXPECT_NEAR(sd_log, 0.51, 0.01);
  EXPECT_NEAR(sum_e / n_e, 0.1 * mean_m, 0.002);
  EXPECT_NEAR(sum_i / n_i, -mean_m, 0.02);
}

TEST(Connectivity, ReadoutAndInputUnitsAreDisjoint) {
  Config c = with_seed(4);
  c.network.n_out = 2;
  c.task.encoding = "one_hot";
  const Network net = build_network(c);
  const std::vector<bool> to_out = net.projects_to_output();
  for (int o = 0; o < 2; ++o) {
    int from_e = 0, from_i = 0;
    for (int u = 0; u < net.n_units(); ++u)
      for (std::uint32_t s = net.w_out.begin(u); s < net.w_out.end(u); ++s)
        if (net.w_out.post[s] == o) (net.is_excitatory(u) ? from_e : from_i)++;
    EXPECT_EQ(from_e, 38);
    EXPECT_EQ(from_i, 15);
  }
  for (int ch = 0; ch < net.n_in; ++ch) {
    EXPECT_EQ(net.w_in.end(ch) - net.w_in.begin(ch), 60u);
    for (std::uint32_t s = net.w_in.begin(ch); s < net.w_in.end(ch); ++s) {
      EXPECT_FALSE(to_out[net.w_in.post[s]]) << "input onto readout-projecting unit";
      EXPECT_GE(net.w_in.w_mV[s], 0.0f);
      EXPECT_LE(net.w_in.w_mV[s], 2.0f);
    }
  }
}

TEST(Connectivity, OtherTablesAndSizesAreHonoured) {
  Config c = with_seed(1);
  c.network.n_e = 800;
  c.network.n_i = 200;
  c.connectivity.p_EE = 0.05;
  c.connectivity.p_II = 0.5;
  const Network net = build_network(c);
  EXPECT_EQ(net.n_units(), 1000);
  int ee = 0;
  for (std::uint32_t s = net.w_rec.begin(0); s < net.w_rec.end(0); ++s)
    ee += net.w_rec.post[s] < 800;
  EXPECT_EQ(ee, std::lround(0.05 * 799));
}

TEST(Connectivity, SameSeedSameNetwork) {
  const Network a = build_network(with_seed(11)), b = build_network(with_seed(11)),
                c = build_network(with_seed(12));
  EXPECT_EQ(a.w_rec.post, b.w_rec.post);
  EXPECT_EQ(a.w_rec.w_mV, b.w_rec.w_mV);
  EXPECT_NE(a.w_rec.post, c.w_rec.post);
}

}  // namespace
}  // namespace eisnn
