#include "eisnn/analysis/perturbation.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "eisnn/error.hpp"
#include "eisnn/kernel.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn::analysis {
namespace {

// Sub-keys of stream::perturbation, one per kind of draw.
constexpr std::uint64_t kInputJitterKey = 1;
constexpr std::uint64_t kDelayKey = 2;
constexpr std::uint64_t kMatchedUnitsKey = 3;

// Extra recurrent delays of the trials in a group of lanes (kernel.hpp's policy).
struct LaneDelay {
  static constexpr bool enabled = true;
  DelayKind kind = DelayKind::none;
  int j_ms = 0;
  std::vector<Rng> rng;  // one stream per used lane

  int max_steps() const { return kind == DelayKind::random ? 2 * j_ms : j_ms; }
  int extra_steps(int lane, int, int) {
    if (kind == DelayKind::constant) return j_ms;
    return static_cast<int>(
        rng[static_cast<std::size_t>(lane)].below(static_cast<std::uint64_t>(2 * j_ms + 1)));
  }
};

// Keeps the readout (and, if asked, the spikes) of the trials in a group of lanes.
// The readout is summed in the same order as simulate_batch's, so that
// unperturbed results agree bit for bit.
class Recorder {
 public:
  Recorder(const Network& net, float kappa, int n_steps, bool keep_spikes,
           std::span<std::vector<float>* const> y, std::span<SpikeTrain* const> spikes)
      : net_(net), kappa_(kappa), keep_spikes_(keep_spikes), y_out_(y), spikes_out_(spikes) {
    for (auto* y_trial : y_out_) {
      y_trial->clear();
      y_trial->reserve(static_cast<std::size_t>(n_steps) * net.n_out);
    }
    for (auto* s : spikes_out_) s->clear();
    y_.assign(y_out_.size() * net.n_out, 0.0f);
  }

  void step(int, std::span<const lanes_f>, std::span<const lanes_f>, std::span<const lanes_i>,
            std::span<const std::vector<std::uint16_t>> spikes) {
    for (std::size_t lane = 0; lane < y_out_.size(); ++lane) {
      float* y = y_.data() + lane * net_.n_out;
      for (int o = 0; o < net_.n_out; ++o) y[o] *= kappa_;
      for (std::uint16_t u : spikes[lane]) {
        if (keep_spikes_) spikes_out_[lane]->push(u);
        for (std::uint32_t s = net_.w_out.begin(u); s < net_.w_out.end(u); ++s)
          y[net_.w_out.post[s]] += net_.w_out.w_mV[s];
      }
      if (keep_spikes_) spikes_out_[lane]->end_step();
      y_out_[lane]->insert(y_out_[lane]->end(), y, y + net_.n_out);
    }
  }

 private:
  const Network& net_;
  float kappa_;
  bool keep_spikes_;
  std::span<std::vector<float>* const> y_out_;
  std::span<SpikeTrain* const> spikes_out_;
  std::vector<float> y_;  // [lane][n_out]
};

std::vector<int> trial_states(const task::Dataset& data, const std::vector<int>& trials) {
  std::vector<int> state;
  for (int trial : trials)
    state.push_back(
        data.change_ms[static_cast<std::size_t>(trial)] < 0 ? data.trial_labels(trial)[0] : -1);
  return state;
}

}  // namespace

SpikeTrain jitter_spikes(const SpikeTrain& in, int j_ms, Rng& rng) {
  EISNN_ASSERT(j_ms >= 0);
  std::vector<std::vector<std::uint16_t>> at(static_cast<std::size_t>(in.n_steps));
  for (int t = 0; t < in.n_steps; ++t)
    for (std::uint16_t ch : in.at(t)) {
      const int shifted =
          t + static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * j_ms + 1))) - j_ms;
      if (shifted >= 0 && shifted < in.n_steps) at[static_cast<std::size_t>(shifted)].push_back(ch);
    }
  SpikeTrain out;
  out.step_start.reserve(static_cast<std::size_t>(in.n_steps) + 1);
  for (auto& step : at) {
    std::sort(step.begin(), step.end());  // ascending within a step
    for (std::uint16_t ch : step) out.push(ch);
    out.end_step();
  }
  return out;
}

Evaluation evaluate(const Network& net, const Config& config, const task::Dataset& data,
                    const Perturbation& p, bool keep_spikes, int threads, std::vector<int> trials) {
  if (trials.empty()) trials = data.heldout_trials;
  if (trials.empty())
    throw InputError("dataset '" + data.file.string() +
                     "' has no held-out trials to evaluate on (task.heldout_fraction = 0?)");
  if (data.n_in != net.n_in)
    throw InputError("the dataset has " + std::to_string(data.n_in) +
                     " input channels but the network " + std::to_string(net.n_in));
  if (p.input_jitter_ms < 0 || p.delay_j_ms < 0)
    throw InputError("jitter and delay must be >= 0 ms (got " +
                     std::to_string(std::min(p.input_jitter_ms, p.delay_j_ms)) + ")");
  const NeuronConstants k = NeuronConstants::from(config.neuron);
  const int n_trials = static_cast<int>(trials.size()), n_steps = data.n_steps;
  Evaluation ev;
  ev.trials = trials;
  ev.y.resize(trials.size());
  ev.spikes.resize(trials.size());
  const int n_groups = (n_trials + kLanes - 1) / kLanes;
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();

#pragma omp parallel num_threads(std::max(1, std::min(n_threads, n_groups)))
  {
    LaneKernel kernel;
    std::vector<std::vector<float>> v0(kLanes);
    std::vector<SpikeTrain> input(kLanes);
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < n_groups; ++g) {
      const int first = g * kLanes;
      const int n_used = std::min(kLanes, n_trials - first);
      std::vector<const float*> v0_ptr;
      std::vector<const SpikeTrain*> input_ptr;
      std::vector<std::vector<float>*> y_ptr;
      std::vector<SpikeTrain*> spikes_ptr;
      LaneDelay delay{p.delay, p.delay_j_ms, {}};
      for (int lane = 0; lane < n_used; ++lane) {
        const int i = first + lane;
        const auto key = static_cast<std::uint64_t>(trials[static_cast<std::size_t>(i)]);
        // The trainer's held-out draws (simulate_batch with epoch = kHeldoutKey).
        Rng init_rng(config.seed, {stream::initial_state, kHeldoutKey, key});
        Rng input_rng(config.seed, {stream::input_spikes, kHeldoutKey, key});
        v0[lane] =
            draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), init_rng);
        input[lane] = draw_input_spikes(data.trial_rates(static_cast<int>(key)), n_steps, net.n_in,
                                        input_rng);
        const auto j_in = static_cast<std::uint64_t>(p.input_jitter_ms);
        if (p.input_jitter_ms > 0) {
          Rng jitter_rng(config.seed, {stream::perturbation, kInputJitterKey, j_in, p.repeat, key});
          input[lane] = jitter_spikes(input[lane], p.input_jitter_ms, jitter_rng);
        }
        const auto j_delay = static_cast<std::uint64_t>(p.delay_j_ms);
        delay.rng.push_back(
            Rng(config.seed, {stream::perturbation, kDelayKey, j_delay, p.repeat, key}));
        v0_ptr.push_back(v0[lane].data());
        input_ptr.push_back(&input[lane]);
        y_ptr.push_back(&ev.y[static_cast<std::size_t>(i)]);
        spikes_ptr.push_back(&ev.spikes[static_cast<std::size_t>(i)]);
      }
      Recorder recorder(net, k.kappa, n_steps, keep_spikes, y_ptr, spikes_ptr);
      if (p.delay == DelayKind::none)
        kernel.run(net, k, v0_ptr, input_ptr, n_steps, recorder);
      else
        kernel.run(net, k, v0_ptr, input_ptr, n_steps, recorder, delay);
    }
  }

  std::vector<float> y;
  std::vector<std::uint8_t> labels;
  std::vector<int> change_ms;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    y.insert(y.end(), ev.y[i].begin(), ev.y[i].end());
    const std::uint8_t* l = data.trial_labels(trials[i]);
    labels.insert(labels.end(), l, l + n_steps);
    change_ms.push_back(data.change_ms[static_cast<std::size_t>(trials[i])]);
  }
  ev.score = task::score(y, n_steps, net.n_out, labels, change_ms, config.task.swap_labels);
  if (!keep_spikes) ev.spikes.clear();
  return ev;
}

Network silence(const Network& net, const Silencing& s) {
  Network out = net;
  std::vector<bool> input_off(static_cast<std::size_t>(net.n_units())),
      rec_off(static_cast<std::size_t>(net.n_units()));
  for (int u : s.input_onto) input_off.at(static_cast<std::size_t>(u)) = true;
  for (int u : s.recurrent_from) rec_off.at(static_cast<std::size_t>(u)) = true;
  for (std::size_t k = 0; k < out.w_in.n_synapses(); ++k)
    if (input_off[out.w_in.post[k]]) out.w_in.w_mV[k] = 0.0f;
  for (int pre = 0; pre < net.n_units(); ++pre)
    for (std::uint32_t k = net.w_rec.begin(pre); k < net.w_rec.end(pre); ++k) {
      const int post = net.w_rec.post[k];
      const bool from_e = net.is_excitatory(pre), to_e = net.is_excitatory(post);
      if (rec_off[static_cast<std::size_t>(pre)] || (from_e && to_e && s.ee) ||
          (from_e && !to_e && s.ei))
        out.w_rec.w_mV[k] = 0.0f;
    }
  for (std::uint32_t k : s.rec_synapses) out.w_rec.w_mV.at(k) = 0.0f;
  return out;
}

std::vector<std::uint32_t> strongest_inhibitory(const Network& net,
                                                const std::vector<int>& preferred, bool cross,
                                                double fraction) {
  EISNN_ASSERT(preferred.size() == static_cast<std::size_t>(net.n_units()));
  std::vector<std::uint32_t> pool;
  for (int pre = net.n_e; pre < net.n_units(); ++pre)
    for (std::uint32_t k = net.w_rec.begin(pre); k < net.w_rec.end(pre); ++k) {
      const bool opposite = preferred[pre] != preferred[net.w_rec.post[k]];
      if (net.w_rec.w_mV[k] < 0.0f && opposite == cross) pool.push_back(k);
    }
  // Strongest first; ties by index, so the choice is reproducible.
  std::stable_sort(pool.begin(), pool.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::fabs(net.w_rec.w_mV[a]) > std::fabs(net.w_rec.w_mV[b]);
  });
  pool.resize(static_cast<std::size_t>(std::lround(fraction * static_cast<double>(pool.size()))));
  return pool;
}

PerturbationReport perturb_network(const Network& net, const Config& config,
                                   const task::Dataset& data, const PerturbOptions& o,
                                   const StepFn& on_step) {
  if (o.n_repeats < 1)
    throw InputError("repeats must be at least 1 (got " + std::to_string(o.n_repeats) + ")");
  if (!(o.strongest_fraction > 0 && o.strongest_fraction <= 1))
    throw InputError("the fraction of strongest synapses must lie in (0, 1] (got " +
                     std::to_string(o.strongest_fraction) + ")");
  for (int j : o.j_ms)
    if (j < 0) throw InputError("jitter J must be >= 0 ms (got " + std::to_string(j) + ")");
  auto step = [&](const std::string& what) {
    if (on_step) on_step(what);
  };

  PerturbationReport rep;
  step("unperturbed network");
  const Evaluation base = evaluate(net, config, data, {}, true, o.threads);
  rep.baseline = base.score;
  rep.tuning = compute_tuning(net.n_e, net.n_units(), base.spikes, trial_states(data, base.trials));

  // Spike-time jitter.
  JitterResult& jr = rep.jitter;
  jr.j_ms = o.j_ms;
  jr.n_repeats = o.n_repeats;
  for (int j : o.j_ms) {
    step("jitter J = " + std::to_string(j) + " ms");
    std::vector<double> in_mse, in_acc, rnd_mse, rnd_acc;
    for (int r = 0; r < o.n_repeats; ++r) {
      const auto repeat = static_cast<std::uint64_t>(r);
      const task::Score in =
          evaluate(net, config, data, {j, DelayKind::none, 0, repeat}, false, o.threads).score;
      const task::Score rnd =
          evaluate(net, config, data, {0, DelayKind::random, j, repeat}, false, o.threads).score;
      in_mse.push_back(in.mse);
      in_acc.push_back(in.per_ms_accuracy);
      rnd_mse.push_back(rnd.mse);
      rnd_acc.push_back(rnd.per_ms_accuracy);
    }
    const task::Score cst =
        evaluate(net, config, data, {0, DelayKind::constant, j, 0}, false, o.threads).score;
    jr.input_mse.push_back(in_mse);
    jr.input_accuracy.push_back(in_acc);
    jr.random_mse.push_back(rnd_mse);
    jr.random_accuracy.push_back(rnd_acc);
    jr.constant_mse.push_back(cst.mse);
    jr.constant_accuracy.push_back(cst.per_ms_accuracy);
  }

  // Silencing.
  auto run_silenced = [&](PerturbationResult r, const Silencing& s) {
    step("silencing: " + r.name);
    const task::Score sc = evaluate(silence(net, s), config, data, {}, false, o.threads).score;
    r.mse.push_back(sc.mse);
    r.per_ms_accuracy.push_back(sc.per_ms_accuracy);
    rep.silencing.push_back(std::move(r));
  };
  const std::vector<bool> to_output = net.projects_to_output();
  std::vector<int> output_units, other_units;
  for (int u = 0; u < net.n_units(); ++u)
    (to_output[static_cast<std::size_t>(u)] ? output_units : other_units).push_back(u);
  std::int64_t n_in_output = 0, n_in_other = 0;
  for (std::uint16_t post : net.w_in.post) ++(to_output[post] ? n_in_output : n_in_other);

  Silencing s;
  s.input_onto = output_units;
  run_silenced({"input_to_output_units",
                "all input synapses onto the " + std::to_string(output_units.size()) +
                    " output-projecting units (n_silenced: synapses)",
                n_in_output,
                {},
                {}},
               s);
  s.input_onto = other_units;
  run_silenced({"input_to_other_units",
                "all input synapses onto the " + std::to_string(other_units.size()) +
                    " other units (n_silenced: synapses)",
                n_in_other,
                {},
                {}},
               s);

  s = {};
  s.recurrent_from = output_units;
  run_silenced({"recurrent_from_output_units",
                "recurrent output of the output-projecting units (n_silenced: units)",
                static_cast<std::int64_t>(output_units.size()),
                {},
                {}},
               s);
  {
    // As many other units, drawn anew for each repeat.
    const std::size_t n_match = std::min(output_units.size(), other_units.size());
    PerturbationResult r{"recurrent_from_other_units",
                         "recurrent output of as many randomly drawn other units, one draw per "
                         "repeat (n_silenced: units)",
                         static_cast<std::int64_t>(n_match),
                         {},
                         {}};
    step("silencing: " + r.name);
    for (int rep_i = 0; rep_i < o.n_repeats; ++rep_i) {
      Rng rng(config.seed,
              {stream::perturbation, kMatchedUnitsKey, static_cast<std::uint64_t>(rep_i)});
      std::vector<int> pool = other_units;
      for (std::size_t i = 0; i < n_match; ++i)  // partial Fisher-Yates
        std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
      Silencing m;
      m.recurrent_from.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n_match));
      const task::Score sc = evaluate(silence(net, m), config, data, {}, false, o.threads).score;
      r.mse.push_back(sc.mse);
      r.per_ms_accuracy.push_back(sc.per_ms_accuracy);
    }
    rep.silencing.push_back(std::move(r));
  }

  const std::vector<int> preferred = rep.tuning.preferred_state();
  const int pct = static_cast<int>(std::lround(100 * o.strongest_fraction));
  for (bool cross : {true, false}) {
    Silencing c;
    c.rec_synapses = strongest_inhibitory(net, preferred, cross, o.strongest_fraction);
    const auto n = static_cast<std::int64_t>(c.rec_synapses.size());
    run_silenced({cross ? "cross_tuned_inhibition" : "within_tuned_inhibition",
                  "the strongest " + std::to_string(pct) + " % of " + (cross ? "cross" : "within") +
                      "-tuned inhibitory synapses (n_silenced: synapses)",
                  n,
                  {},
                  {}},
                 c);
  }

  std::int64_t n_ee = 0, n_ei = 0;
  for (int pre = 0; pre < net.n_e; ++pre)
    for (std::uint32_t k = net.w_rec.begin(pre); k < net.w_rec.end(pre); ++k)
      ++(net.is_excitatory(net.w_rec.post[k]) ? n_ee : n_ei);
  Silencing e;
  e.ee = true;
  run_silenced({"excitation_EE", "all E->E synapses (n_silenced: synapses)", n_ee, {}, {}}, e);
  e.ei = true;
  run_silenced({"excitation_EE_EI",
                "all E->E and E->I synapses (n_silenced: synapses)",
                n_ee + n_ei,
                {},
                {}},
               e);
  return rep;
}

}  // namespace eisnn::analysis
