#include "eisnn/train/trainer.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/network_io.hpp"
#include "eisnn/io/spike_io.hpp"
#include "eisnn/random.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/train/constraints.hpp"
#include "eisnn/version.hpp"

namespace eisnn {
namespace {

std::string epoch_name(int epoch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "epoch-%05d.h5", epoch);
  return buf;
}

// Mean rates (Hz) of E and I units from the spike counts of trials.
std::pair<double, double> mean_rates_hz(const Network& net, double e_spikes, double i_spikes,
                                        std::size_t n_trials, int n_steps) {
  const double trial_s = static_cast<double>(n_trials) * n_steps / 1000.0;
  return {e_spikes / (trial_s * net.n_e), i_spikes / (trial_s * net.n_i)};
}

std::pair<double, double> spikes_e_i(const Network& net, const SpikeTrain& spikes) {
  double e = 0, i = 0;
  for (auto u : spikes.index) (net.is_excitatory(u) ? e : i) += 1;
  return {e, i};
}

void write_updates(h5::File& f, const std::string& g, const std::vector<UpdateRecord>& r) {
  auto column = [&](const char* name, auto get) {
    std::vector<double> v;
    for (const auto& x : r) v.push_back(static_cast<double>(get(x)));
    f.write(g + "/" + name, v);
  };
  column("update", [](const UpdateRecord& x) { return x.update; });
  column("epoch", [](const UpdateRecord& x) { return x.epoch; });
  column("loss_task", [](const UpdateRecord& x) { return x.loss.task; });
  column("loss_rate", [](const UpdateRecord& x) { return x.loss.rate; });
  column("loss_total", [](const UpdateRecord& x) { return x.loss.total; });
  column("accuracy", [](const UpdateRecord& x) { return x.accuracy; });
  column("rate_e_hz", [](const UpdateRecord& x) { return x.rate_e_hz; });
  column("rate_i_hz", [](const UpdateRecord& x) { return x.rate_i_hz; });
  column("n_pruned", [](const UpdateRecord& x) { return x.n_pruned; });
  column("seconds", [](const UpdateRecord& x) { return x.seconds; });
}

void write_evals(h5::File& f, const std::string& g, const std::vector<EvalRecord>& r) {
  auto column = [&](const char* name, auto get) {
    std::vector<double> v;
    for (const auto& x : r) v.push_back(static_cast<double>(get(x)));
    f.write(g + "/" + name, v);
  };
  column("epoch", [](const EvalRecord& x) { return x.epoch; });
  column("mse", [](const EvalRecord& x) { return x.score.mse; });
  column("per_ms_accuracy", [](const EvalRecord& x) { return x.score.per_ms_accuracy; });
  column("pre_change_accuracy", [](const EvalRecord& x) { return x.score.pre_change_accuracy; });
  column("end_accuracy", [](const EvalRecord& x) { return x.score.end_accuracy; });
  column("response_delay_ms", [](const EvalRecord& x) { return x.score.response_delay_ms; });
  column("n_response_delays", [](const EvalRecord& x) { return x.score.n_response_delays; });
  column("n_trials", [](const EvalRecord& x) { return x.score.n_trials; });
  column("rate_e_hz", [](const EvalRecord& x) { return x.rate_e_hz; });
  column("rate_i_hz", [](const EvalRecord& x) { return x.rate_i_hz; });
}

std::vector<UpdateRecord> read_updates(const h5::File& f, const std::string& g) {
  const auto update = f.read<double>(g + "/update");
  const std::size_t n = update.size();
  auto col = [&](const char* name) { return f.read<double>(g + "/" + name, {n}); };
  const auto epoch = col("epoch"), task = col("loss_task"), rate = col("loss_rate"),
             total = col("loss_total"), acc = col("accuracy"), re = col("rate_e_hz"),
             ri = col("rate_i_hz"), pruned = col("n_pruned"), sec = col("seconds");
  std::vector<UpdateRecord> r(n);
  for (std::size_t k = 0; k < n; ++k) {
    r[k].update = static_cast<std::int64_t>(update[k]);
    r[k].epoch = static_cast<int>(epoch[k]);
    r[k].loss = {task[k], rate[k], total[k]};
    r[k].accuracy = acc[k];
    r[k].rate_e_hz = re[k];
    r[k].rate_i_hz = ri[k];
    r[k].n_pruned = static_cast<int>(pruned[k]);
    r[k].seconds = sec[k];
  }
  return r;
}

std::vector<EvalRecord> read_evals(const h5::File& f, const std::string& g) {
  const auto epoch = f.read<double>(g + "/epoch");
  const std::size_t n = epoch.size();
  auto col = [&](const char* name) { return f.read<double>(g + "/" + name, {n}); };
  const auto mse = col("mse"), acc = col("per_ms_accuracy"), pre = col("pre_change_accuracy"),
             end = col("end_accuracy"), delay = col("response_delay_ms"),
             n_delay = col("n_response_delays"), n_trials = col("n_trials"), re = col("rate_e_hz"),
             ri = col("rate_i_hz");
  std::vector<EvalRecord> r(n);
  for (std::size_t k = 0; k < n; ++k) {
    r[k].epoch = static_cast<int>(epoch[k]);
    r[k].score.mse = mse[k];
    r[k].score.per_ms_accuracy = acc[k];
    r[k].score.pre_change_accuracy = pre[k];
    r[k].score.end_accuracy = end[k];
    r[k].score.response_delay_ms = delay[k];
    r[k].score.n_response_delays = static_cast<int>(n_delay[k]);
    r[k].score.n_trials = static_cast<int>(n_trials[k]);
    r[k].rate_e_hz = re[k];
    r[k].rate_i_hz = ri[k];
  }
  return r;
}

void write_adam(h5::File& f, const std::string& g, const AdamState& a) {
  f.write(g + "/m", a.m);
  f.write(g + "/v", a.v);
  f.set_attr(g, "step", a.step);
}

AdamState read_adam(const h5::File& f, const std::string& g, std::size_t n) {
  AdamState a;
  a.m = f.read<float>(g + "/m", {n});
  a.v = f.read<float>(g + "/v", {n});
  a.step = f.attr_int(g, "step");
  return a;
}

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

Trainer::Trainer(const Config& config, const task::Dataset& data, std::filesystem::path dir,
                 Communicator* comm)
    : Trainer(data, std::move(dir), comm) {
  config_ = config;
  if (std::filesystem::exists(dir_ / "checkpoint.h5"))
    throw InputError("run folder '" + dir_.string() +
                     "' already holds a checkpoint: resume it (--resume) or choose another folder");
  net_ = build_network(config_);
  adam_in_.reset(net_.w_in.n_synapses());
  adam_rec_.reset(net_.w_rec.n_synapses());
  adam_out_.reset(net_.w_out.n_synapses());
  setup();
}

Trainer::Trainer(const task::Dataset& data, std::filesystem::path dir, Communicator* comm)
    : data_(data), dir_(std::move(dir)), comm_(comm) {
  if (!comm_) {
    serial_ = make_serial_communicator();
    comm_ = serial_.get();
  }
}

Config Trainer::config_of_run(const std::filesystem::path& dir) {
  const auto path = dir / "checkpoint.h5";
  if (!std::filesystem::is_directory(dir))
    throw InputError("run folder '" + dir.string() + "' does not exist");
  if (!std::filesystem::exists(path))
    throw InputError("run folder '" + dir.string() +
                     "' holds no checkpoint.h5: it is not a run of eisnn train, or the run was "
                     "stopped before its first checkpoint (start it again with --out)");
  const h5::File f = h5::File::open(path);
  return parse_config(f.attr_string("/", "config"), "checkpoint '" + path.string() + "'");
}

Trainer Trainer::resume(std::filesystem::path dir, const task::Dataset& data, int epochs,
                        Communicator* comm) {
  Trainer t(data, dir, comm);
  t.config_ = config_of_run(dir);
  if (epochs > 0) t.config_.training.epochs = epochs;
  const h5::File f = h5::File::open(dir / "checkpoint.h5");
  t.net_ = read_network(f);
  t.adam_in_ = read_adam(f, "/adam/in", t.net_.w_in.n_synapses());
  t.adam_rec_ = read_adam(f, "/adam/rec", t.net_.w_rec.n_synapses());
  t.adam_out_ = read_adam(f, "/adam/out", t.net_.w_out.n_synapses());
  t.next_update_ = f.attr_int("/", "next_update");
  const std::string hash = f.attr_string("/", "dataset_hash");
  if (hash != data.config_hash)
    throw InputError("checkpoint '" + (dir / "checkpoint.h5").string() +
                     "' was trained on dataset " + hash + " but the dataset given is " +
                     data.config_hash);
  t.updates_ = read_updates(f, "/metrics/updates");
  t.evals_ = read_evals(f, "/metrics/heldout");

  // A checkpoint records one update record and one Adam step per update done.
  const std::string where = "checkpoint '" + (dir / "checkpoint.h5").string() + "'";
  const std::int64_t done = t.next_update_;
  const auto n = std::to_string(done);
  if (done < 0 || static_cast<std::size_t>(done) != t.updates_.size())
    throw InputError(where + ": next_update = " + n + " but it holds " +
                     std::to_string(t.updates_.size()) + " update records (corrupt?)");
  for (const AdamState* a : {&t.adam_in_, &t.adam_rec_, &t.adam_out_})
    if (a->step != done)
      throw InputError(where + ": an Adam state has taken " + std::to_string(a->step) +
                       " steps, not next_update = " + n + " (corrupt?)");
  if (done > t.n_updates())
    throw InputError(where + " has trained " + n + " updates, more than the " +
                     std::to_string(t.n_updates()) + " of training.epochs = " +
                     std::to_string(t.config_.training.epochs) + "; give --epochs of at least " +
                     std::to_string((done + t.config_.training.batches_per_epoch - 1) /
                                    t.config_.training.batches_per_epoch));
  t.setup();
  return t;
}

void Trainer::setup() {
  const TrainingParams& tp = config_.training;
  if (data_.n_in != net_.n_in)
    throw InputError("dataset has " + std::to_string(data_.n_in) +
                     " input channels but network.n_in = " + std::to_string(net_.n_in));
  targets_ = task::make_targets(data_.labels, config_.task.encoding, config_.task.swap_labels);

  // Fixed batches of consecutive training trials; a remainder is left out.
  batches_.clear();
  const auto& train = data_.train_trials;
  for (std::size_t first = 0; first + tp.batch_size <= train.size(); first += tp.batch_size)
    batches_.emplace_back(train.begin() + first, train.begin() + first + tp.batch_size);
  if (batches_.empty())
    throw InputError("training.batch_size = " + std::to_string(tp.batch_size) + " exceeds the " +
                     std::to_string(train.size()) + " training trials of the dataset");
}

std::int64_t Trainer::n_updates() const {
  return static_cast<std::int64_t>(config_.training.epochs) * config_.training.batches_per_epoch;
}

std::vector<int> Trainer::batch_trials(std::int64_t update) const {
  // Batch order: a fresh permutation of all batches for every pass over them.
  const auto n = static_cast<std::int64_t>(batches_.size());
  const auto pass = static_cast<std::uint64_t>(update / n);
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(config_.seed, {stream::batch_order, pass});
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return batches_[static_cast<std::size_t>(order[static_cast<std::size_t>(update % n)])];
}

std::vector<TrialResult> simulate_heldout_trials(const Network& net, const Config& config,
                                                 const task::Dataset& data, int threads) {
  const auto& trials = data.heldout_trials;
  BatchRequest req;
  req.n_trials = static_cast<int>(trials.size());
  req.n_steps = data.n_steps;
  req.rates = [&](int i) { return data.trial_rates(trials[static_cast<std::size_t>(i)]); };
  req.seed = config.seed;
  req.epoch = kHeldoutKey;
  req.trial_keys = trials;
  req.threads = threads;
  return simulate_batch(net, config, req);
}

EvalRecord Trainer::evaluate(int epoch, std::vector<TrialResult>* results_out) const {
  const auto& trials = data_.heldout_trials;
  EvalRecord rec;
  rec.epoch = epoch;
  if (trials.empty()) return rec;

  // Every rank simulates its share of the trials (all of them if the caller
  // wants the results); per trial the readout and the E and I spike counts
  // are exchanged, in trial order.
  const int n_trials = static_cast<int>(trials.size());
  const Share share = results_out ? Share{0, n_trials}
                                  : Bptt::trials_of_rank(n_trials, comm_->rank(), comm_->size());
  BatchRequest req;
  req.n_trials = share.size();
  req.n_steps = data_.n_steps;
  req.rates = [&](int i) {
    return data_.trial_rates(trials[static_cast<std::size_t>(share.begin + i)]);
  };
  req.seed = config_.seed;
  req.epoch = kHeldoutKey;
  req.trial_keys.assign(trials.begin() + share.begin, trials.begin() + share.end);
  req.threads = config_.training.threads;
  std::vector<TrialResult> results = simulate_batch(net_, config_, req);

  std::vector<float> y;
  std::vector<double> counts;  // [trial][E, I]
  for (const TrialResult& r : results) {
    y.insert(y.end(), r.y.begin(), r.y.end());
    const auto [e, i] = spikes_e_i(net_, r.spikes);
    counts.push_back(e);
    counts.push_back(i);
  }
  if (!results_out && comm_->size() > 1) {
    y = all_gather(*comm_, std::span<const float>(y));
    counts = all_gather(*comm_, std::span<const double>(counts));
  }

  std::vector<std::uint8_t> labels;
  std::vector<int> change_ms;
  double e_spikes = 0, i_spikes = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const std::uint8_t* l = data_.trial_labels(trials[i]);
    labels.insert(labels.end(), l, l + data_.n_steps);
    change_ms.push_back(data_.change_ms[static_cast<std::size_t>(trials[i])]);
    e_spikes += counts[2 * i];
    i_spikes += counts[2 * i + 1];
  }
  rec.score =
      task::score(y, data_.n_steps, net_.n_out, labels, change_ms, config_.task.swap_labels);
  std::tie(rec.rate_e_hz, rec.rate_i_hz) =
      mean_rates_hz(net_, e_spikes, i_spikes, trials.size(), data_.n_steps);
  if (results_out) *results_out = std::move(results);
  return rec;
}

void Trainer::step(const TrainerCallbacks& cb) {
  const auto started = std::chrono::steady_clock::now();
  const TrainingParams& tp = config_.training;
  const std::int64_t update = next_update_;
  const int epoch = static_cast<int>(update / tp.batches_per_epoch);
  const std::vector<int> trials = batch_trials(update);
  const int n_steps = data_.n_steps, n_out = net_.n_out;

  // Input spikes and initial voltages drawn anew for this presentation, for
  // the trials this rank computes.
  BatchData batch;
  batch.n_steps = n_steps;
  batch.input.resize(trials.size());
  batch.v0_mV.resize(trials.size());
  const Share mine =
      Bptt::trials_of_rank(static_cast<int>(trials.size()), comm_->rank(), comm_->size());
#pragma omp parallel for num_threads(tp.threads > 0 ? tp.threads : omp_get_max_threads())
  for (int b = mine.begin; b < mine.end; ++b) {
    const auto key = static_cast<std::uint64_t>(trials[b]);
    Rng in(config_.seed, {stream::input_spikes, static_cast<std::uint64_t>(update), key});
    Rng v0(config_.seed, {stream::initial_state, static_cast<std::uint64_t>(update), key});
    batch.input[b] = draw_input_spikes(data_.trial_rates(trials[b]), n_steps, net_.n_in, in);
    batch.v0_mV[b] =
        draw_initial_voltage(config_.initial_state, config_.neuron, net_.n_units(), v0);
  }
  for (int t : trials)
    batch.target.push_back(targets_.data() + static_cast<std::size_t>(t) * n_steps * n_out);

  WeightGradients grads;
  const BatchOutcome out = bptt_.run(net_, NeuronConstants::from(config_.neuron),
                                     LossSettings::from(tp), batch, grads, tp.threads, comm_);
  const std::string where =
      "update " + std::to_string(update) + " (epoch " + std::to_string(epoch) + ")";
  const std::string keep =
      "; the last good checkpoint is kept in '" + (dir_ / "checkpoint.h5").string() + "'";
  if (!std::isfinite(out.loss.total) || !all_finite(grads.w_in) || !all_finite(grads.w_rec) ||
      !all_finite(grads.w_out))
    throw TrainingError(where + ": the loss or its gradient is not finite (loss " +
                        std::to_string(out.loss.total) + ")" + keep);

  adam_update(net_.w_in.w_mV, grads.w_in, adam_in_,
              {tp.lr, tp.adam_beta1, tp.adam_beta2, tp.adam_eps});
  adam_update(net_.w_rec.w_mV, grads.w_rec, adam_rec_,
              {tp.lr, tp.adam_beta1, tp.adam_beta2, tp.adam_eps});
  adam_update(net_.w_out.w_mV, grads.w_out, adam_out_,
              {tp.lr_out, tp.adam_beta1, tp.adam_beta2, tp.adam_eps});
  const ConstraintReport constraints =
      apply_constraints(net_, adam_rec_, config_, static_cast<std::uint64_t>(update));
  if (!all_finite(net_.w_in.w_mV) || !all_finite(net_.w_rec.w_mV) || !all_finite(net_.w_out.w_mV))
    throw TrainingError(where + ": a weight became non-finite" + keep);

  UpdateRecord rec;
  rec.update = update;
  rec.epoch = epoch;
  rec.loss = out.loss;
  rec.n_pruned = constraints.n_pruned;
  {
    double e_spikes = 0, i_spikes = 0;
    for (const std::vector<std::uint32_t>* counts : out.spike_counts)
      for (int u = 0; u < net_.n_units(); ++u)
        (net_.is_excitatory(u) ? e_spikes : i_spikes) += (*counts)[static_cast<std::size_t>(u)];
    std::tie(rec.rate_e_hz, rec.rate_i_hz) =
        mean_rates_hz(net_, e_spikes, i_spikes, trials.size(), n_steps);
  }
  {
    std::vector<float> y;
    std::vector<std::uint8_t> labels;
    std::vector<int> change_ms;
    for (std::size_t b = 0; b < trials.size(); ++b) {
      y.insert(y.end(), out.y[b]->begin(), out.y[b]->end());
      const std::uint8_t* l = data_.trial_labels(trials[b]);
      labels.insert(labels.end(), l, l + n_steps);
      change_ms.push_back(data_.change_ms[static_cast<std::size_t>(trials[b])]);
    }
    rec.accuracy =
        task::score(y, n_steps, n_out, labels, change_ms, config_.task.swap_labels).per_ms_accuracy;
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  updates_.push_back(rec);
  ++next_update_;

  const double mean_hz = (rec.rate_e_hz * net_.n_e + rec.rate_i_hz * net_.n_i) / net_.n_units();
  if (cb.on_warning && (mean_hz < tp.silent_rate_hz || mean_hz > tp.ceiling_rate_hz))
    cb.on_warning(where + ": mean rate " + std::to_string(mean_hz) + " Hz is " +
                  (mean_hz < tp.silent_rate_hz
                       ? "below training.silent_rate_hz (silent network)"
                       : "above training.ceiling_rate_hz (runaway network)"));
  if (cb.on_update) cb.on_update(rec);
}

bool Trainer::run(const TrainerCallbacks& cb) {
  const TrainingParams& tp = config_.training;
  // No rank may write before every rank has read what it needs of the folder.
  comm_->barrier();
  if (writes_files()) std::filesystem::create_directories(dir_ / "snapshots");
  if (next_update_ == 0) {
    write_snapshot(0);
    evals_.push_back(evaluate(0));
    if (cb.on_eval) cb.on_eval(evals_.back());
    write_checkpoint();
  }
  while (next_update_ < n_updates()) {
    step(cb);
    const bool epoch_done = next_update_ % tp.batches_per_epoch == 0;
    const int epochs_done = static_cast<int>(next_update_ / tp.batches_per_epoch);
    if (epoch_done && epochs_done % tp.eval_every_epochs == 0) {
      evals_.push_back(evaluate(epochs_done));
      if (cb.on_eval) cb.on_eval(evals_.back());
    }
    if (epoch_done && epochs_done % tp.snapshot_every_epochs == 0) write_snapshot(epochs_done);
    const bool stop = comm_->any(cb.should_stop && cb.should_stop());
    if ((epoch_done && epochs_done % tp.checkpoint_every_epochs == 0) || stop ||
        next_update_ == n_updates()) {
      write_checkpoint();
      if (cb.on_checkpoint && writes_files())
        cb.on_checkpoint(dir_ / "checkpoint.h5", next_update_);
    }
    if (stop) return false;
  }
  const int epochs = config_.training.epochs;
  if (epochs % tp.snapshot_every_epochs != 0) write_snapshot(epochs);
  write_final();
  return true;
}

void Trainer::write_checkpoint() const {
  if (!writes_files()) return;
  h5::AtomicWriter w(dir_ / "checkpoint.h5");
  h5::File& f = w.file();
  f.set_attr("/", "next_update", next_update_);
  f.set_attr("/", "config", to_toml(config_));
  f.set_attr("/", "dataset_hash", data_.config_hash);
  f.set_attr("/", "version", std::string(version()));
  f.set_attr("/", "git_commit", std::string(git_commit()));
  write_network(f, net_);
  write_adam(f, "/adam/in", adam_in_);
  write_adam(f, "/adam/rec", adam_rec_);
  write_adam(f, "/adam/out", adam_out_);
  write_updates(f, "/metrics/updates", updates_);
  write_evals(f, "/metrics/heldout", evals_);
  w.commit();
  write_metrics();
}

void Trainer::write_metrics() const {
  h5::AtomicWriter w(dir_ / "metrics.h5");
  write_updates(w.file(), "/updates", updates_);
  write_evals(w.file(), "/heldout", evals_);
  w.commit();
}

void Trainer::write_snapshot(int epoch) const {
  if (!writes_files()) return;
  h5::AtomicWriter w(dir_ / "snapshots" / epoch_name(epoch));
  write_network(w.file(), net_);
  w.file().set_attr("/", "epoch", static_cast<std::int64_t>(epoch));
  w.file().set_attr("/", "update", next_update_);
  w.commit();
}

void Trainer::write_final() const {
  if (!writes_files()) return;
  // The trained network on the held-out trials, with what a reader needs to
  // score them; network.h5 comes last, as the mark of a finished run.
  std::vector<TrialResult> results;
  const EvalRecord rec = evaluate(config_.training.epochs, &results);
  {
    h5::AtomicWriter w(dir_ / "heldout.h5");
    h5::File& f = w.file();
    write_trial_results(f, net_, results, data_.n_steps);
    std::vector<std::uint8_t> labels;
    std::vector<std::int32_t> change_ms, trials;
    for (const int trial : data_.heldout_trials) {
      const std::uint8_t* l = data_.trial_labels(trial);
      labels.insert(labels.end(), l, l + data_.n_steps);
      change_ms.push_back(data_.change_ms[static_cast<std::size_t>(trial)]);
      trials.push_back(trial);
    }
    f.write("trials/index", trials);
    f.write("trials/labels", labels, {trials.size(), static_cast<std::size_t>(data_.n_steps)});
    f.write("trials/change_ms", change_ms);
    f.set_attr("/", "per_ms_accuracy", rec.score.per_ms_accuracy);
    f.set_attr("/", "mse", rec.score.mse);
    w.commit();
  }
  h5::AtomicWriter w(dir_ / "network.h5");
  write_network(w.file(), net_);
  w.commit();
}

}  // namespace eisnn
