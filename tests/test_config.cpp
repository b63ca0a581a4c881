#include <gtest/gtest.h>

#include <fstream>

#include "eisnn/config.hpp"
#include "eisnn/error.hpp"

namespace eisnn {
namespace {

std::filesystem::path write_toml(const std::string& text) {
  static int counter = 0;
  const auto path =
      std::filesystem::temp_directory_path() /
      ("eisnn-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".toml");
  std::ofstream(path) << text;
  return path;
}

// The message of the InputError thrown by loading `text`.
std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    (void)load_config(write_toml(text), overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

TEST(Config, DefaultsAreTheStudy) {
  const Config c = load_config("", {});
  EXPECT_EQ(c.preset, "zhu2026");
  EXPECT_EQ(c.network.n_e, 240);
  EXPECT_EQ(c.network.n_i, 60);
  EXPECT_DOUBLE_EQ(c.neuron.E_L_mV, -70.6);
  EXPECT_DOUBLE_EQ(c.connectivity.p_IE, 0.252);
  EXPECT_TRUE(c.initial_state.v0_add_rest);
}

TEST(Config, FileThenOverridesThenPreset) {
  const auto path = write_toml("seed = 5\n[neuron]\ntau_m_ms = 25\n[network]\nn_e = 100\n");
  const Config c = load_config(path, {"neuron.tau_m_ms=30", "connectivity.i_scale=1.5"});
  EXPECT_EQ(c.seed, 5u);
  EXPECT_DOUBLE_EQ(c.neuron.tau_m_ms, 30.0);
  EXPECT_EQ(c.network.n_e, 100);
  EXPECT_DOUBLE_EQ(c.connectivity.i_scale, 1.5);

  const Config clean = load_config("", {}, "clean");
  EXPECT_FALSE(clean.initial_state.v0_add_rest);
  EXPECT_EQ(load_config(write_toml("preset = \"clean\"\n"), {}).preset, "clean");
}

TEST(Config, UnknownKeyIsNamedWithTheKnownOnes) {
  const std::string m = load_error("[neuron]\ntau_mm = 3\n");
  EXPECT_NE(m.find("neuron.tau_mm"), std::string::npos) << m;
  EXPECT_NE(m.find("tau_m_ms"), std::string::npos) << m;
  EXPECT_NE(load_error("[nueron]\n").find("nueron"), std::string::npos);
}

TEST(Config, OutOfRangeAndWrongTypeSayWhatIsAllowed) {
  std::string m = load_error("[neuron]\ntau_m_ms = -5\n");
  EXPECT_NE(m.find("neuron.tau_m_ms = -5"), std::string::npos) << m;
  EXPECT_NE(m.find("> 0"), std::string::npos) << m;

  m = load_error("[connectivity]\np_EE = 1.5\n");
  EXPECT_NE(m.find("connectivity.p_EE = 1.5"), std::string::npos) << m;
  EXPECT_NE(m.find("[0, 1]"), std::string::npos) << m;

  m = load_error("[network]\nn_e = \"many\"\n");
  EXPECT_NE(m.find("must be an integer"), std::string::npos) << m;

  m = load_error("preset = \"fancy\"\n");
  EXPECT_NE(m.find("zhu2026"), std::string::npos) << m;

  m = load_error("[neuron\n");
  EXPECT_NE(m.find("not valid TOML at line 1"), std::string::npos) << m;
}

TEST(Config, RelationsBetweenKeysAreChecked) {
  // More readout sources than the population holds.
  std::string m = load_error("[connectivity]\nn_out_from_i = 61\n");
  EXPECT_NE(m.find("n_out_from_i"), std::string::npos) << m;
  // More input targets than units that may receive input.
  m = load_error("[network]\nn_e = 40\nn_i = 20\n");
  EXPECT_NE(m.find("in_fan_out"), std::string::npos) << m;
  m = load_error("[neuron]\nv_th_mV = -80\n");
  EXPECT_NE(m.find("v_th_mV"), std::string::npos) << m;
}

TEST(Config, OverridesAreCheckedLikeTheFile) {
  try {
    (void)load_config("", {"neuron.tau_m_ms=abc"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("must be a number"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)load_config("", {"neuron"}), InputError);
  EXPECT_THROW((void)load_config("", {"neuron.nope=1"}), InputError);
}

TEST(Config, ResolvedTomlLoadsBackToTheSameConfiguration) {
  const Config a = load_config(
      "", {"neuron.tau_m_ms=25.5", "seed=9", "simulation.record_voltage=[1, 2]"}, "clean");
  const Config b = load_config(write_toml(to_toml(a)), {});
  EXPECT_EQ(to_toml(a), to_toml(b));
  EXPECT_EQ(b.simulation.record_voltage, (std::vector<int>{1, 2}));
  EXPECT_EQ(b.preset, "clean");
}

}  // namespace
}  // namespace eisnn
