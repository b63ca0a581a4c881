// The whole configuration of a run: one struct per TOML section, each holding
// its defaults (the values of the study, Zhu et al. 2026) and listing its keys
// once in `visit`. Precedence, lowest first: defaults, the named preset, the
// TOML file, command-line overrides (`section.key=value`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eisnn/params.hpp"
#include "eisnn/task/task_params.hpp"
#include "eisnn/train/train_params.hpp"

namespace eisnn {

// Population sizes. Units 0..n_e-1 are excitatory, n_e..n_e+n_i-1 inhibitory.
struct NetworkParams {
  int n_in = 16;  // input channels
  int n_e = 240;  // excitatory units
  int n_i = 60;   // inhibitory units
  int n_out = 1;  // readout units (1: main encoding, 2: one-hot)

  template <class V>
  void visit(V& v) {
    v("n_in", n_in, Range::at_least(1), "input channels");
    v("n_e", n_e, Range::at_least(1), "excitatory units (indices 0 .. n_e-1)");
    v("n_i", n_i, Range::at_least(1), "inhibitory units (indices n_e .. n_e+n_i-1)");
    v("n_out", n_out, Range::at_least(1), "readout units (1 = main, 2 = one-hot encoding)");
  }
};

// Adaptive leaky integrate-and-fire unit, shared by all units; one step = 1 ms.
struct NeuronParams {
  double E_L_mV = -70.6;       // resting potential
  double v_th_mV = -50.4;      // base threshold
  double tau_m_ms = 20.0;      // membrane time constant
  int t_ref_ms = 4;            // refractory length: minimum interval between spikes
  double beta_mV = 0.16;       // threshold increase per unit of adaptation
  double tau_a_ms = 100.0;     // adaptation time constant
  double gamma_pd = 0.3;       // pseudo-derivative gain
  double readout_decay = 0.8;  // y_t = readout_decay * y_{t-1} + z_t W_out

  template <class V>
  void visit(V& v) {
    v("E_L_mV", E_L_mV, Range::any(), "resting potential (mV)");
    v("v_th_mV", v_th_mV, Range::any(), "base threshold (mV), must exceed E_L_mV");
    v("tau_m_ms", tau_m_ms, Range::positive(), "membrane time constant (ms)");
    v("t_ref_ms", t_ref_ms, Range::at_least(1),
      "refractory length = minimum interspike interval (ms)");
    v("beta_mV", beta_mV, Range::non_negative(), "threshold increase per unit of adaptation (mV)");
    v("tau_a_ms", tau_a_ms, Range::positive(), "adaptation time constant (ms)");
    v("gamma_pd", gamma_pd, Range::non_negative(), "pseudo-derivative gain (training)");
    v("readout_decay", readout_decay, Range::between(0.0, 1.0),
      "readout filter: y_t = readout_decay * y_{t-1} + z_t W_out");
  }
};

// Initial wiring: fixed out-degree k = round(p * eligible targets) per block,
// lognormal magnitudes m, signs by presynaptic population (Dale's principle).
struct ConnectivityParams {
  double p_EE = 0.160;  // connection probability E -> E (mouse L2/3)
  double p_EI = 0.205;  // E -> I
  double p_IE = 0.252;  // I -> E
  double p_II = 0.284;  // I -> I
  double w_mu = -0.64;  // magnitude m ~ LogNormal(w_mu, w_sigma)
  double w_sigma = 0.51;
  double w_scale = 0.1;            // E weight = +m * w_scale (mV)
  double i_scale = 10.0;           // I weight = -m * w_scale * i_scale (mV)
  int n_out_from_e = 38;           // E units projecting to each readout unit
  int n_out_from_i = 15;           // I units projecting to each readout unit
  int in_fan_out = 60;             // units each input channel projects to
  double w_in_max_mV = 2.0;        // input weights ~ Uniform(0, w_in_max_mV)
  bool no_input_to_output = true;  // output-projecting units get no input channel

  template <class V>
  void visit(V& v) {
    v("p_EE", p_EE, Range::unit(), "connection probability E -> E");
    v("p_EI", p_EI, Range::unit(), "connection probability E -> I");
    v("p_IE", p_IE, Range::unit(), "connection probability I -> E");
    v("p_II", p_II, Range::unit(), "connection probability I -> I");
    v("w_mu", w_mu, Range::any(), "log-mean of the weight magnitude m");
    v("w_sigma", w_sigma, Range::non_negative(), "log-sd of the weight magnitude m");
    v("w_scale", w_scale, Range::positive(), "E weight = m * w_scale (mV per spike)");
    v("i_scale", i_scale, Range::positive(), "I weight = -m * w_scale * i_scale (mV per spike)");
    v("n_out_from_e", n_out_from_e, Range::non_negative(), "E units projecting to each readout");
    v("n_out_from_i", n_out_from_i, Range::non_negative(), "I units projecting to each readout");
    v("in_fan_out", in_fan_out, Range::non_negative(), "units each input channel projects to");
    v("w_in_max_mV", w_in_max_mV, Range::non_negative(),
      "input weights ~ Uniform(0, w_in_max_mV) (mV per spike)");
    v("no_input_to_output", no_input_to_output,
      "units that project to a readout receive no input channel");
  }
};

// State at the start of every trial: v ~ Normal(v0_mean_mV, v0_sd_mV), b = r = z = 0.
struct InitialStateParams {
  double v0_mean_mV = -65.0;
  double v0_sd_mV = 5.0;
  bool v0_add_rest = true;  // zhu2026: v0 = E_L + Normal(...), about -135 mV

  template <class V>
  void visit(V& v) {
    v("v0_mean_mV", v0_mean_mV, Range::any(), "mean initial voltage (mV)");
    v("v0_sd_mV", v0_sd_mV, Range::non_negative(), "sd of the initial voltage (mV)");
    v("v0_add_rest", v0_add_rest,
      "add E_L_mV to the drawn initial voltage (preset zhu2026: true, clean: false)");
  }
};

// `eisnn simulate`: a batch of trials driven by given per-ms input rates.
struct SimulationParams {
  int n_trials = 30;
  int duration_ms = 4080;
  double input_rate = 0.17;         // constant spike probability per ms and channel
  std::string rates_file;           // or rates from an HDF5 file (see docs/file-formats.md)
  int threads = 0;                  // 0: all cores
  std::vector<int> record_voltage;  // units whose voltage trace is written

  template <class V>
  void visit(V& v) {
    v("n_trials", n_trials, Range::at_least(1), "trials in the batch");
    v("duration_ms", duration_ms, Range::at_least(1), "trial length (ms = steps)");
    v("input_rate", input_rate, Range::unit(),
      "constant input spike probability per ms and channel (when rates_file is empty)");
    v("rates_file", rates_file, "HDF5 file with dataset 'rates' [trials, ms, channels]");
    v("threads", threads, Range::non_negative(), "worker threads (0 = all cores)");
    v("record_voltage", record_voltage, Range::non_negative(), "units whose voltage is recorded");
  }
};

struct Config {
  std::string preset = "zhu2026";
  std::string condition = "main";  // experimental condition of the study (condition_names())
  std::uint64_t seed = 1;

  NetworkParams network;
  NeuronParams neuron;
  ConnectivityParams connectivity;
  InitialStateParams initial_state;
  SimulationParams simulation;
  TaskParams task;
  TrainingParams training;

  // Lists the sections in file order; `V` must accept (name, section&).
  template <class V>
  void visit_sections(V&& v) {
    v("network", network);
    v("neuron", neuron);
    v("connectivity", connectivity);
    v("initial_state", initial_state);
    v("simulation", simulation);
    v("task", task);
    v("training", training);
  }
};

// Names of the presets; `zhu2026` is the default.
const std::vector<std::string>& preset_names();

// Resets `config` to the defaults of `preset`; throws InputError for an unknown name.
void apply_preset(Config& config, const std::string& preset);

// The study's experimental conditions: main, one-hot (two readouts), no-dale
// (free signs, fixed mask, i_scale 1.5), lower-inhibition (i_scale 1.5),
// rate-only (rate loss alone).
const std::vector<std::string>& condition_names();

// Changes `config` to `condition` (on top of its preset); throws InputError for an unknown name.
void apply_condition(Config& config, const std::string& condition);

// Builds the configuration: defaults, the preset (from `preset_override`, else
// the file's `preset` key, else zhu2026), the condition (likewise, else main),
// then the file (may be empty: none), then each "section.key=value" override.
// Validates the result.
Config load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const std::string& preset_override = "",
                   const std::string& condition_override = "");

// Builds the configuration from TOML text (such as to_toml wrote), naming
// `origin` in errors.
Config parse_config(const std::string& toml_text, const std::string& origin);

// Checks relations between keys (v_th above E_L, enough targets for every
// out-degree, ...); throws InputError naming the keys.
void validate(const Config& config);

// The resolved configuration as TOML text (every key, including defaults).
std::string to_toml(const Config& config);

// Human-readable list of every key with its default, range and meaning.
std::string describe_keys();

}  // namespace eisnn
