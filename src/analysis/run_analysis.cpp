#include "eisnn/analysis/run_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/network_io.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/trainer.hpp"
#include "eisnn/version.hpp"

namespace eisnn::analysis {
namespace {

namespace fs = std::filesystem;

// Columns of a run's metrics.h5 (docs/file-formats.md), copied into analysis.h5.
const char* const kUpdateColumns[] = {"update",     "epoch",    "loss_task", "loss_rate",
                                      "loss_total", "accuracy", "rate_e_hz", "rate_i_hz",
                                      "n_pruned",   "seconds"};
const char* const kHeldoutColumns[] = {"epoch",
                                       "mse",
                                       "per_ms_accuracy",
                                       "pre_change_accuracy",
                                       "end_accuracy",
                                       "response_delay_ms",
                                       "n_response_delays",
                                       "n_trials",
                                       "rate_e_hz",
                                       "rate_i_hz"};

void check_sizes(const Network& net, const Config& c, const fs::path& file) {
  const NetworkParams& p = c.network;
  if (net.n_in != p.n_in || net.n_e != p.n_e || net.n_i != p.n_i || net.n_out != p.n_out)
    throw InputError("network in '" + file.string() + "' has n_in " + std::to_string(net.n_in) +
                     ", n_e " + std::to_string(net.n_e) + ", n_i " + std::to_string(net.n_i) +
                     ", n_out " + std::to_string(net.n_out) + " but the run's config.toml says " +
                     std::to_string(p.n_in) + ", " + std::to_string(p.n_e) + ", " +
                     std::to_string(p.n_i) + ", " + std::to_string(p.n_out));
}

// Spikes and readout of the held-out trials, drawn as the trainer's held-out evaluation.
struct HeldOut {
  std::vector<TrialResult> results;
  task::Score score;
  std::vector<int> trial_state;  // 1 / 0 for no-change trials, -1 for change trials
};

HeldOut simulate_heldout(const Network& net, const Config& config, const task::Dataset& data,
                         int threads) {
  const auto& trials = data.heldout_trials;
  if (trials.empty())
    throw InputError("dataset '" + data.file.string() +
                     "' has no held-out trials (task.heldout_fraction = 0): nothing to analyse on");
  HeldOut h;
  h.results = simulate_heldout_trials(net, config, data, threads);

  std::vector<float> y;
  std::vector<std::uint8_t> labels;
  std::vector<int> change_ms;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    y.insert(y.end(), h.results[i].y.begin(), h.results[i].y.end());
    const std::uint8_t* l = data.trial_labels(trials[i]);
    labels.insert(labels.end(), l, l + data.n_steps);
    const int change = data.change_ms[static_cast<std::size_t>(trials[i])];
    change_ms.push_back(change);
    h.trial_state.push_back(change < 0 ? l[0] : -1);
  }
  h.score = task::score(y, data.n_steps, net.n_out, labels, change_ms, config.task.swap_labels);
  return h;
}

Tuning tuning_of(const Network& net, const HeldOut& h) {
  std::vector<SpikeTrain> spikes;
  for (const auto& r : h.results) spikes.push_back(r.spikes);
  Tuning t = compute_tuning(net.n_e, net.n_units(), spikes, h.trial_state);
  if (t.n_trials_state1 == 0 || t.n_trials_state0 == 0)
    throw InputError("the held-out trials hold " + std::to_string(t.n_trials_state1) +
                     " no-change trials in state 1 and " + std::to_string(t.n_trials_state0) +
                     " in state 0; tuning needs at least one of each");
  return t;
}

std::pair<double, double> rates_hz(const Network& net, const HeldOut& h, int n_steps) {
  double e = 0, i = 0;
  for (const auto& r : h.results)
    for (auto u : r.spikes.index) (net.is_excitatory(u) ? e : i) += 1;
  const double trial_s = static_cast<double>(h.results.size()) * n_steps / 1000.0;
  return {e / (trial_s * net.n_e), i / (trial_s * net.n_i)};
}

template <class T, std::size_t N>
std::vector<T> vec(const std::array<T, N>& a) {
  return std::vector<T>(a.begin(), a.end());
}

void write_ratios(h5::File& f, const std::string& g, const TuningRatios& r) {
  f.set_attr(g, "i_ratio", r.i_ratio);
  f.set_attr(g, "e_ratio", r.e_ratio);
  f.set_attr(g, "i_cross_mV", r.i_cross_mV);
  f.set_attr(g, "i_within_mV", r.i_within_mV);
  f.set_attr(g, "e_cross_mV", r.e_cross_mV);
  f.set_attr(g, "e_within_mV", r.e_within_mV);
}

void write_score(h5::File& f, const std::string& g, const task::Score& s) {
  f.set_attr(g, "per_ms_accuracy", s.per_ms_accuracy);
  f.set_attr(g, "mse", s.mse);
  f.set_attr(g, "pre_change_accuracy", s.pre_change_accuracy);
  f.set_attr(g, "end_accuracy", s.end_accuracy);
  f.set_attr(g, "response_delay_ms", s.response_delay_ms);
}

void write_root_attrs(h5::File& f, const RunFolder& run) {
  f.set_attr("/", "run_dir", fs::absolute(run.dir).lexically_normal().string());
  f.set_attr("/", "condition", run.config.condition);
  f.set_attr("/", "seed", static_cast<std::int64_t>(run.config.seed));
  f.set_attr("/", "n_e", static_cast<std::int64_t>(run.trained.n_e));
  f.set_attr("/", "n_i", static_cast<std::int64_t>(run.trained.n_i));
  f.set_attr("/", "n_out", static_cast<std::int64_t>(run.trained.n_out));
  f.set_attr("/", "dale", static_cast<std::int64_t>(run.config.training.dale));
  f.set_attr("/", "trained_source", run.trained_source);
  f.set_attr("/", "trained_epoch", static_cast<std::int64_t>(run.trained_epoch));
  f.set_attr("/", "version", std::string(version()));
  f.set_attr("/", "git_commit", std::string(git_commit()));
}

std::string fmt(const char* format, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

}  // namespace

std::optional<fs::path> RunFolder::snapshot(int epoch) const {
  for (const auto& [e, file] : snapshots)
    if (e == epoch) return file;
  return std::nullopt;
}

Network read_network_file(const fs::path& file, const std::string& group) {
  const h5::File f = h5::File::open(file);
  return read_network(f, group);
}

RunFolder open_run(const fs::path& dir, bool allow_checkpoint) {
  if (!fs::is_directory(dir))
    throw InputError("run folder '" + dir.string() + "' does not exist or is not a folder");
  const fs::path config_file = dir / "config.toml";
  if (!fs::exists(config_file))
    throw InputError("'" + dir.string() +
                     "' is not a training run folder: it has no config.toml (eisnn train --out "
                     "DIR writes one)");
  RunFolder run;
  run.dir = dir;
  run.config = load_config(config_file, {});

  // Weight snapshots, snapshots/epoch-NNNNN.h5.
  const std::regex name(R"(epoch-(\d+)\.h5)");
  if (fs::is_directory(dir / "snapshots"))
    for (const auto& entry : fs::directory_iterator(dir / "snapshots")) {
      std::smatch m;
      const std::string file = entry.path().filename().string();
      if (std::regex_match(file, m, name)) run.snapshots.push_back({std::stoi(m[1]), entry.path()});
    }
  std::sort(run.snapshots.begin(), run.snapshots.end());

  if (fs::exists(dir / "network.h5")) {
    run.trained = read_network_file(dir / "network.h5");
    run.trained_source = "network.h5";
    run.trained_epoch = run.config.training.epochs;
    check_sizes(run.trained, run.config, dir / "network.h5");
  } else if (allow_checkpoint && fs::exists(dir / "checkpoint.h5")) {
    const h5::File f = h5::File::open(dir / "checkpoint.h5");
    run.trained = read_network(f);
    run.trained_source = "checkpoint.h5";
    run.trained_epoch =
        static_cast<int>(f.attr_int("/", "next_update") / run.config.training.batches_per_epoch);
    check_sizes(run.trained, run.config, dir / "checkpoint.h5");
  } else {
    std::string msg = "run folder '" + dir.string() +
                      "' has no trained network (network.h5): the run has not finished";
    if (fs::exists(dir / "checkpoint.h5"))
      msg += "; pass --checkpoint to analyse the network of its last checkpoint";
    throw InputError(msg);
  }
  return run;
}

RunAnalysis analyze_run(const RunFolder& run, const task::Dataset& data, const AnalyzeOptions& o,
                        const StepFn& on_step) {
  const Config& config = run.config;
  const int n_out = run.trained.n_out;
  if (o.one_hot && n_out != 2)
    throw InputError(
        "one-hot measures need a run with 2 readout units (task.encoding = "
        "\"one_hot\"), but run '" +
        run.dir.string() + "' has " + std::to_string(n_out) + " (task.encoding = \"" +
        config.task.encoding + "\")");
  if (o.snapshot_stride < 1)
    throw InputError("snapshot stride must be at least 1 (got " +
                     std::to_string(o.snapshot_stride) + ")");
  if (data.n_in != run.trained.n_in)
    throw InputError("dataset '" + data.file.string() + "' has " + std::to_string(data.n_in) +
                     " channels but the network " + std::to_string(run.trained.n_in));
  auto step = [&](const std::string& what) {
    if (on_step) on_step(what);
  };

  RunAnalysis a;
  a.one_hot = o.one_hot || n_out == 2;
  a.channel_state = data.report.preferred_state;
  a.channel_rate_state1 = data.report.mean_rate_state1;
  a.channel_rate_state0 = data.report.mean_rate_state0;

  std::optional<Network> initial;
  if (const auto f = run.snapshot(0)) {
    initial = read_network_file(*f);
    check_sizes(*initial, config, *f);
  }

  auto analyse = [&](const std::string& name, int epoch, const Network& net, HeldOut* keep) {
    step(name + " network (epoch " + std::to_string(epoch) + ")");
    NetworkAnalysis n;
    n.name = name;
    n.epoch = epoch;
    n.net = net;
    HeldOut h = simulate_heldout(net, config, data, o.threads);
    n.score = h.score;
    n.tuning = tuning_of(net, h);
    n.blocks = block_means(net.w_rec, n.tuning.group);
    n.ratios = tuning_ratios(n.blocks);
    n.input = input_weights(net, a.channel_state);
    n.readout_mV = readout_means(net, n.tuning.group);
    n.signs = sign_pooling(net.w_rec, n.tuning.preferred_state());
    if (initial) {
      n.rec_sign_changes = sign_changes(net.w_rec, initial->w_rec);
      n.in_sign_changes = sign_changes(net.w_in, initial->w_in);
    }
    if (keep) *keep = std::move(h);
    return n;
  };

  if (initial) a.networks.push_back(analyse("naive0", 0, *initial, nullptr));
  if (const auto f = run.snapshot(10); f && run.trained_epoch > 10) {
    const Network net = read_network_file(*f);
    check_sizes(net, config, *f);
    a.networks.push_back(analyse("naive10", 10, net, nullptr));
  }
  HeldOut trained_heldout;
  a.networks.push_back(analyse("trained", run.trained_epoch, run.trained, &trained_heldout));
  const NetworkAnalysis& trained = a.networks.back();

  // A change trial for the raster: the first held-out one.
  for (std::size_t i = 0; i < data.heldout_trials.size(); ++i) {
    const int trial = data.heldout_trials[i];
    const int change = data.change_ms[static_cast<std::size_t>(trial)];
    if (change < 0) continue;
    Raster& r = a.raster;
    r.trial = trial;
    r.change_ms = change;
    r.n_steps = data.n_steps;
    r.n_out = n_out;
    const SpikeTrain& s = trained_heldout.results[i].spikes;
    for (int t = 0; t < s.n_steps; ++t)
      for (auto u : s.at(t)) {
        r.time_ms.push_back(static_cast<std::uint32_t>(t));
        r.unit.push_back(u);
      }
    r.y = trained_heldout.results[i].y;
    const std::uint8_t* l = data.trial_labels(trial);
    r.labels.assign(l, l + data.n_steps);
    break;
  }

  // The course over training: every stride-th snapshot, and the trained network last.
  TrainingCourse& c = a.course;
  auto add_point = [&](int epoch, const Network& net) {
    const HeldOut h = simulate_heldout(net, config, data, o.threads);
    const Tuning t = tuning_of(net, h);
    c.epoch.push_back(epoch);
    c.blocks.push_back(block_means(net.w_rec, t.group));
    c.own.push_back(tuning_ratios(c.blocks.back()));
    c.final.push_back(tuning_ratios(block_means(net.w_rec, trained.tuning.group)));
    c.per_ms_accuracy.push_back(h.score.per_ms_accuracy);
    const auto [e, i] = rates_hz(net, h, data.n_steps);
    c.rate_e_hz.push_back(e);
    c.rate_i_hz.push_back(i);
  };
  for (std::size_t k = 0; k < run.snapshots.size(); ++k) {
    const auto& [epoch, file] = run.snapshots[k];
    if (k % static_cast<std::size_t>(o.snapshot_stride) != 0 || epoch >= run.trained_epoch)
      continue;
    step("snapshot of epoch " + std::to_string(epoch));
    const Network net = read_network_file(file);
    check_sizes(net, config, file);
    add_point(epoch, net);
  }
  step("trained network over training (epoch " + std::to_string(run.trained_epoch) + ")");
  add_point(run.trained_epoch, run.trained);
  return a;
}

void write_analysis(const RunAnalysis& a, const RunFolder& run, const fs::path& file) {
  h5::AtomicWriter w(file);
  h5::File& f = w.file();
  write_root_attrs(f, run);
  f.set_attr("/", "one_hot", static_cast<std::int64_t>(a.one_hot));
  f.set_attr("/", "eval_key", static_cast<std::int64_t>(kHeldoutKey));
  f.set_attr("/", "group_names", std::string("E1,E0,I1,I0"));

  std::vector<std::int32_t> state(a.channel_state.begin(), a.channel_state.end());
  f.write("channels/preferred_state", state);
  f.write("channels/mean_rate_state1", a.channel_rate_state1);
  f.write("channels/mean_rate_state0", a.channel_rate_state0);

  std::string names;
  for (const NetworkAnalysis& n : a.networks) {
    names += (names.empty() ? "" : ",") + n.name;
    const std::string g = "/networks/" + n.name;
    write_network(f, n.net, g + "/network");
    f.set_attr(g, "epoch", static_cast<std::int64_t>(n.epoch));
    write_score(f, g, n.score);

    const Tuning& t = n.tuning;
    f.write(g + "/tuning/r1_hz", t.r1_hz);
    f.write(g + "/tuning/r0_hz", t.r0_hz);
    f.write(g + "/tuning/index", t.index);
    f.write(g + "/tuning/u_stat", t.u_stat);
    f.write(g + "/tuning/p_value", t.p_value);
    f.write(g + "/tuning/significant", t.significant);
    std::vector<std::int32_t> group(t.group.begin(), t.group.end());
    f.write(g + "/tuning/group", group);
    f.set_attr(g + "/tuning", "n_trials_state1", static_cast<std::int64_t>(t.n_trials_state1));
    f.set_attr(g + "/tuning", "n_trials_state0", static_cast<std::int64_t>(t.n_trials_state0));
    f.set_attr(g + "/tuning", "alpha", t.alpha);

    f.write(g + "/blocks/mean_mV", vec(n.blocks.mean_mV), {4, 4});
    f.write(g + "/blocks/n_pairs", vec(n.blocks.n_pairs), {4, 4});
    f.write(g + "/blocks/n_synapses", vec(n.blocks.n_synapses), {4, 4});
    write_ratios(f, g + "/blocks", n.ratios);

    f.write(g + "/input/mean_mV", vec(n.input.mean_mV), {2, 2});
    f.set_attr(g + "/input", "n_channels_1", static_cast<std::int64_t>(n.input.n_channels_1));
    f.set_attr(g + "/input", "n_channels_0", static_cast<std::int64_t>(n.input.n_channels_0));
    f.write(g + "/readout/mean_mV", n.readout_mV, {4, static_cast<std::size_t>(n.net.n_out)});

    f.write(g + "/signs/mean_mV", vec(n.signs.mean_mV), {2, 2});
    f.write(g + "/signs/mean_existing_mV", vec(n.signs.mean_existing_mV), {2, 2});
    f.write(g + "/signs/n_synapses", vec(n.signs.n_synapses), {2, 2});
    f.set_attr(g + "/signs", "neg_ratio", n.signs.neg_ratio);
    f.set_attr(g + "/signs", "pos_ratio", n.signs.pos_ratio);
    if (n.rec_sign_changes) {
      f.set_attr(g + "/signs", "rec_changed_fraction", n.rec_sign_changes->fraction);
      f.set_attr(g + "/signs", "rec_changed", n.rec_sign_changes->n_changed);
      f.set_attr(g + "/signs", "rec_compared", n.rec_sign_changes->n_compared);
      f.set_attr(g + "/signs", "in_changed_fraction", n.in_sign_changes->fraction);
    }

    if (a.one_hot) {
      // Per readout unit: how many of the units that feed it prefer state 1.
      std::vector<double> frac_1(static_cast<std::size_t>(n.net.n_out));
      for (int o = 0; o < n.net.n_out; ++o) {
        int n_pre = 0, n_1 = 0;
        for (int u = 0; u < n.net.n_units(); ++u)
          for (std::uint32_t s = n.net.w_out.begin(u); s < n.net.w_out.end(u); ++s)
            if (n.net.w_out.post[s] == o) {
              ++n_pre;
              n_1 += group_state(t.group[static_cast<std::size_t>(u)]);
            }
        frac_1[static_cast<std::size_t>(o)] = n_pre ? static_cast<double>(n_1) / n_pre : NAN;
      }
      f.write(g + "/one_hot/fraction_1_tuned_presynaptic", frac_1);
    }
  }
  f.set_attr("/networks", "names", names);

  const TrainingCourse& c = a.course;
  std::vector<std::int32_t> epochs(c.epoch.begin(), c.epoch.end());
  f.write("training/epoch", epochs);
  auto column = [&](const std::string& name, const std::vector<TuningRatios>& r, auto get) {
    std::vector<double> v;
    for (const auto& x : r) v.push_back(get(x));
    f.write("training/" + name, v);
  };
  column("i_ratio", c.own, [](const TuningRatios& r) { return r.i_ratio; });
  column("e_ratio", c.own, [](const TuningRatios& r) { return r.e_ratio; });
  column("i_ratio_final_tuning", c.final, [](const TuningRatios& r) { return r.i_ratio; });
  column("e_ratio_final_tuning", c.final, [](const TuningRatios& r) { return r.e_ratio; });
  std::vector<double> blocks;
  for (const auto& b : c.blocks) blocks.insert(blocks.end(), b.mean_mV.begin(), b.mean_mV.end());
  f.write("training/blocks_mV", blocks, {c.blocks.size(), 4, 4});
  f.write("training/per_ms_accuracy", c.per_ms_accuracy);
  f.write("training/rate_e_hz", c.rate_e_hz);
  f.write("training/rate_i_hz", c.rate_i_hz);

  const Raster& r = a.raster;
  if (r.trial >= 0) {
    f.write("raster/time_ms", r.time_ms);
    f.write("raster/unit", r.unit);
    f.write("raster/y", r.y,
            {static_cast<std::size_t>(r.n_steps), static_cast<std::size_t>(r.n_out)});
    f.write("raster/labels", r.labels);
    f.set_attr("/raster", "trial", static_cast<std::int64_t>(r.trial));
    f.set_attr("/raster", "change_ms", static_cast<std::int64_t>(r.change_ms));
  }

  // The run's training curves, so that the report needs only this file.
  const fs::path metrics = run.dir / "metrics.h5";
  if (fs::exists(metrics)) {
    const h5::File m = h5::File::open(metrics);
    for (const char* col : kUpdateColumns)
      if (m.exists(std::string("updates/") + col))
        f.write(std::string("metrics/updates/") + col,
                m.read<double>(std::string("updates/") + col));
    for (const char* col : kHeldoutColumns)
      if (m.exists(std::string("heldout/") + col))
        f.write(std::string("metrics/heldout/") + col,
                m.read<double>(std::string("heldout/") + col));
  }
  w.commit();
}

std::string summarize(const RunAnalysis& a, const RunFolder& run) {
  std::ostringstream s;
  s << "run " << run.dir.string() << ": condition " << run.config.condition << ", seed "
    << run.config.seed << ", trained network from " << run.trained_source << " (epoch "
    << run.trained_epoch << ")\n";
  int n1 = 0, n0 = 0;
  for (int st : a.channel_state) (st ? n1 : n0) += 1;
  s << "input channels: " << n1 << " 1-biased, " << n0 << " 0-biased\n\n";
  s << "network  epoch  accuracy  MSE     E1  E0  I1  I0   I ratio  E ratio  "
       "r1/r0 E (Hz)  r1/r0 I (Hz)\n";
  for (const NetworkAnalysis& n : a.networks) {
    const auto g = n.tuning.group_sizes();
    double r1e = 0, r0e = 0, r1i = 0, r0i = 0;
    for (int u = 0; u < n.net.n_units(); ++u) {
      const auto k = static_cast<std::size_t>(u);
      (n.net.is_excitatory(u) ? r1e : r1i) += n.tuning.r1_hz[k];
      (n.net.is_excitatory(u) ? r0e : r0i) += n.tuning.r0_hz[k];
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "%-8s %5d  %8.3f  %6.4f  %3d %3d %3d %3d  %7.3f  %7.3f  %5.1f/%-5.1f   "
                  "%5.1f/%-5.1f\n",
                  n.name.c_str(), n.epoch, n.score.per_ms_accuracy, n.score.mse, g[0], g[1], g[2],
                  g[3], n.ratios.i_ratio, n.ratios.e_ratio, r1e / n.net.n_e, r0e / n.net.n_e,
                  r1i / n.net.n_i, r0i / n.net.n_i);
    s << line;
  }
  s << "\nmean input weight (mV, zeros included), 1-biased / 0-biased channels:\n";
  for (const NetworkAnalysis& n : a.networks)
    s << "  " << n.name << ": onto E " << fmt("%.4f", n.input.at(1, false)) << " / "
      << fmt("%.4f", n.input.at(0, false)) << ", onto I " << fmt("%.4f", n.input.at(1, true))
      << " / " << fmt("%.4f", n.input.at(0, true)) << "\n";
  s << "\nsign pooling (opposite / same tuning): negative "
    << "synapses, positive synapses";
  if (a.networks.back().rec_sign_changes) s << "; recurrent synapses that changed sign";
  s << "\n";
  for (const NetworkAnalysis& n : a.networks) {
    s << "  " << n.name << ": " << fmt("%.3f", n.signs.neg_ratio) << ", "
      << fmt("%.3f", n.signs.pos_ratio);
    if (n.rec_sign_changes) s << "; " << fmt("%.4f", n.rec_sign_changes->fraction);
    s << "\n";
  }
  s << "\nover training: " << a.course.epoch.size() << " points, I ratio "
    << fmt("%.3f", a.course.own.front().i_ratio) << " (epoch " << a.course.epoch.front() << ") -> "
    << fmt("%.3f", a.course.own.back().i_ratio) << " (epoch " << a.course.epoch.back() << ")\n";
  return s.str();
}

void write_perturbation(const PerturbationReport& p, const RunFolder& run, const PerturbOptions& o,
                        const fs::path& file) {
  h5::AtomicWriter w(file);
  h5::File& f = w.file();
  write_root_attrs(f, run);
  f.set_attr("/", "strongest_fraction", o.strongest_fraction);
  write_score(f, "/baseline", p.baseline);
  f.set_attr("/baseline", "present", std::int64_t{1});

  const JitterResult& j = p.jitter;
  const std::size_t n_j = j.j_ms.size(), n_r = static_cast<std::size_t>(j.n_repeats);
  std::vector<std::int32_t> j_ms(j.j_ms.begin(), j.j_ms.end());
  f.write("jitter/j_ms", j_ms);
  auto matrix = [&](const std::string& name, const std::vector<std::vector<double>>& m) {
    std::vector<double> flat;
    for (const auto& row : m) flat.insert(flat.end(), row.begin(), row.end());
    f.write("jitter/" + name, flat, {n_j, n_r});
  };
  matrix("input/mse", j.input_mse);
  matrix("input/per_ms_accuracy", j.input_accuracy);
  matrix("delay_random/mse", j.random_mse);
  matrix("delay_random/per_ms_accuracy", j.random_accuracy);
  f.write("jitter/delay_constant/mse", j.constant_mse);
  f.write("jitter/delay_constant/per_ms_accuracy", j.constant_accuracy);

  std::string names;
  for (const PerturbationResult& r : p.silencing) {
    names += (names.empty() ? "" : ",") + r.name;
    const std::string g = "/silencing/" + r.name;
    f.write(g + "/mse", r.mse);
    f.write(g + "/per_ms_accuracy", r.per_ms_accuracy);
    f.set_attr(g, "description", r.description);
    f.set_attr(g, "n_silenced", r.n_silenced);
  }
  f.set_attr("/silencing", "names", names);
  std::vector<std::int32_t> group(p.tuning.group.begin(), p.tuning.group.end());
  f.write("tuning/group", group);
  w.commit();
}

std::string summarize(const PerturbationReport& p, const RunFolder& run) {
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? NAN : s / static_cast<double>(v.size());
  };
  std::ostringstream s;
  s << "run " << run.dir.string() << " (" << run.trained_source << ", epoch " << run.trained_epoch
    << "): unperturbed accuracy " << fmt("%.4f", p.baseline.per_ms_accuracy) << ", MSE "
    << fmt("%.4f", p.baseline.mse) << "\n\n";
  s << "jitter J (ms)  input acc  random-delay acc  constant-delay acc   (means over "
    << p.jitter.n_repeats << " repeats)\n";
  for (std::size_t k = 0; k < p.jitter.j_ms.size(); ++k) {
    char line[160];
    std::snprintf(line, sizeof line, "%13d  %9.4f  %16.4f  %18.4f\n", p.jitter.j_ms[k],
                  mean(p.jitter.input_accuracy[k]), mean(p.jitter.random_accuracy[k]),
                  p.jitter.constant_accuracy[k]);
    s << line;
  }
  s << "\nsilenced                       n      accuracy  MSE\n";
  for (const PerturbationResult& r : p.silencing) {
    char line[200];
    std::snprintf(line, sizeof line, "%-28s %5lld  %8.4f  %7.4f\n", r.name.c_str(),
                  static_cast<long long>(r.n_silenced), mean(r.per_ms_accuracy), mean(r.mse));
    s << line;
  }
  return s.str();
}

}  // namespace eisnn::analysis
