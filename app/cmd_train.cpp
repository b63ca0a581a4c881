// eisnn train: train a network on the task; eisnn grad: write one batch's
// loss, gradients and spikes for checking against another implementation.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <sstream>

#include "commands.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/gradient_file.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/network_io.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/simulation.hpp"
#include "eisnn/task/dataset.hpp"
#include "eisnn/train/trainer.hpp"

namespace eisnn::app {
namespace {

task::Dataset load_dataset(const Config& config, Communicator& comm) {
  // Rank 0 first, so that a dataset missing from the cache is built once.
  if (comm.rank() > 0) {
    comm.barrier();
    return task::load_or_build_dataset(config, config.task.cache_dir);
  }
  bool built = false;
  int last_decile = 0;
  task::Dataset data = task::load_or_build_dataset(
      config, config.task.cache_dir,
      [&](int done, int total) {
        const int decile = 10 * done / total;
        if (decile > last_decile) {
          last_decile = decile;
          spdlog::info("  building the dataset: {}/{} trials", done, total);
        }
      },
      &built);
  spdlog::info("dataset {}: {} trials ({} training, {} held out) x {} ms{}", data.file.string(),
               data.n_trials, data.train_trials.size(), data.heldout_trials.size(), data.n_steps,
               built ? " (built now)" : "");
  if (comm.size() > 1) comm.barrier();
  return data;
}

void log_eval(const EvalRecord& e) {
  spdlog::info(
      "held-out after epoch {}: accuracy {:.3f} per ms, {:.3f} before change, {:.3f} at end; "
      "MSE {:.4f}; response delay {:.0f} ms; E {:.1f} Hz, I {:.1f} Hz",
      e.epoch, e.score.per_ms_accuracy, e.score.pre_change_accuracy, e.score.end_accuracy,
      e.score.mse, e.score.response_delay_ms, e.rate_e_hz, e.rate_i_hz);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a network on the task (BPTT, Dale, rewiring)");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  auto out = std::make_shared<std::string>();
  auto resume = std::make_shared<std::string>();
  auto condition = std::make_shared<std::string>();
  auto epochs = std::make_shared<int>(0);
  cmd->add_option("-o,--out", *out, "run folder for a new run");
  cmd->add_option("--resume", *resume, "continue the run in this folder from its last checkpoint");
  cmd->add_option("--condition", *condition,
                  "the study's condition: main, one-hot, no-dale, lower-inhibition, rate-only");
  cmd->add_option("--epochs", *epochs, "epochs to train in all (overrides training.epochs)")
      ->check(at_least(1));

  cmd->callback([=] {
    if (out->empty() == resume->empty())
      throw InputError("train needs exactly one of --out DIR (new run) or --resume DIR");
    const auto started = std::chrono::steady_clock::now();
    Communicator& comm = world();
    const bool writer = comm.rank() == 0;  // only rank 0 writes files
    RunInfo info{command_line(), 0, utc_now(), "", 0.0, comm.size()};
    install_stop_handler();

    std::filesystem::path dir;
    Config config;
    if (!resume->empty()) {
      dir = *resume;
      if (!flags->config_file.empty() || !flags->overrides.empty() || !condition->empty())
        throw InputError(
            "--resume continues a run with the configuration it was started with; "
            "only --epochs and --threads may be given");
      config = Trainer::config_of_run(dir);
    } else {
      dir = *out;
      config = load_config(flags->config_file, flags->overrides, flags->preset, *condition);
      if (*epochs > 0) config.training.epochs = *epochs;
      if (writer) prepare_output_dir(dir);
    }
    if (flags->threads > 0) config.training.threads = flags->threads;
    info.threads = config.training.threads;

    const task::Dataset data = load_dataset(config, comm);
    Trainer trainer = resume->empty() ? Trainer(config, data, dir, &comm)
                                      : Trainer::resume(dir, data, *epochs, &comm);
    if (flags->threads > 0) trainer.set_threads(flags->threads);
    if (writer) write_run_record(dir, trainer.config(), info);
    const std::int64_t total = trainer.n_updates();
    spdlog::info("{} run in {}: condition {}, {} epochs x {} batches of {} trials; update {} of {}",
                 resume->empty() ? "new" : "resuming", dir.string(), trainer.config().condition,
                 trainer.config().training.epochs, trainer.config().training.batches_per_epoch,
                 trainer.config().training.batch_size, trainer.next_update(), total);
    if (comm.size() > 1)
      spdlog::info("{} ranks share every batch ({} thread(s) each); rank 0 writes the files",
                   comm.size(), trainer.config().training.threads);

    TrainerCallbacks cb;
    double mean_s = 0;
    cb.on_update = [&](const UpdateRecord& r) {
      mean_s = mean_s == 0 ? r.seconds : 0.9 * mean_s + 0.1 * r.seconds;
      const bool epoch_end = (r.update + 1) % trainer.config().training.batches_per_epoch == 0;
      const auto level = epoch_end ? spdlog::level::info : spdlog::level::debug;
      spdlog::log(level,
                  "epoch {} update {}/{}: loss {:.4f} (task {:.4f}, rate {:.4f}), batch accuracy "
                  "{:.3f}, E {:.1f} Hz, I {:.1f} Hz, {:.2f} s/update, {} left",
                  r.epoch, r.update + 1, total, r.loss.total, r.loss.task, r.loss.rate, r.accuracy,
                  r.rate_e_hz, r.rate_i_hz, r.seconds,
                  format_duration(mean_s * static_cast<double>(total - r.update - 1)));
    };
    cb.on_eval = log_eval;
    cb.on_warning = [](const std::string& w) { spdlog::warn("{}", w); };
    cb.on_checkpoint = [](const std::filesystem::path& p, std::int64_t u) {
      spdlog::debug("checkpoint {} at update {}", p.string(), u);
    };
    cb.should_stop = stop_requested;

    bool finished = false;
    try {
      finished = trainer.run(cb);
    } catch (const TrainingError& e) {
      spdlog::error("{}", e.what());
      throw InputError("training stopped");
    }
    info.finished = utc_now();
    info.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (writer) write_run_record(dir, trainer.config(), info);
    if (!finished) {
      if (writer)
        spdlog::warn(
            "interrupted: checkpoint written at update {}; continue with "
            "'eisnn train --resume {}'",
            trainer.next_update(), dir.string());
      std::exit(130);
    }
    spdlog::info("done in {}: {}/{{network.h5, heldout.h5, metrics.h5, snapshots/}}",
                 format_duration(info.wall_s), dir.string());
  });
}

void add_grad_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "grad", "Write one batch's loss terms, gradients and spikes (docs/gradient-file.md)");
  auto checkpoint = std::make_shared<std::string>();
  auto trials = std::make_shared<std::vector<int>>();
  auto key = std::make_shared<std::int64_t>(0);
  auto out = std::make_shared<std::string>();
  auto threads = std::make_shared<int>(0);
  cmd->add_option("--checkpoint", *checkpoint, "run folder whose checkpoint to use")->required();
  cmd->add_option("--trials", *trials, "dataset trial indices of the batch")
      ->required()
      ->delimiter(',');
  cmd->add_option("--key", *key,
                  "presentation key of input spikes and initial voltages "
                  "(an update index; default 0)");
  cmd->add_option("-o,--out", *out, "gradient file to write (HDF5)")->required();
  cmd->add_option("-j,--threads", *threads, "worker threads (0 = all cores)");
  cmd->callback([=] {
    const std::filesystem::path dir = *checkpoint;
    single_process_only("grad");
    const Config config = Trainer::config_of_run(dir);
    const task::Dataset data = load_dataset(config, world());
    const Network net = read_network(h5::File::open(dir / "checkpoint.h5"));
    for (int t : *trials)
      if (t < 0 || t >= data.n_trials)
        throw InputError("--trials lists " + std::to_string(t) + " but the dataset has trials 0.." +
                         std::to_string(data.n_trials - 1));
    const std::vector<float> targets =
        task::make_targets(data.labels, config.task.encoding, config.task.swap_labels);
    BatchData batch;
    batch.n_steps = data.n_steps;
    for (int t : *trials) {
      Rng in(config.seed, {stream::input_spikes, static_cast<std::uint64_t>(*key),
                           static_cast<std::uint64_t>(t)});
      Rng v0(config.seed, {stream::initial_state, static_cast<std::uint64_t>(*key),
                           static_cast<std::uint64_t>(t)});
      batch.input.push_back(draw_input_spikes(data.trial_rates(t), data.n_steps, net.n_in, in));
      batch.v0_mV.push_back(
          draw_initial_voltage(config.initial_state, config.neuron, net.n_units(), v0));
      batch.target.push_back(targets.data() +
                             static_cast<std::size_t>(t) * data.n_steps * net.n_out);
    }
    Bptt bptt;
    WeightGradients grads;
    const BatchOutcome outcome =
        bptt.run(net, NeuronConstants::from(config.neuron), LossSettings::from(config.training),
                 batch, grads, *threads);
    write_gradient_file(*out, net, config, batch, outcome, grads);
    spdlog::info("wrote {}: loss {:.6g} (task {:.6g}, rate {:.6g}), {} spikes", *out,
                 outcome.loss.total, outcome.loss.task, outcome.loss.rate, outcome.n_spikes);
  });
}

}  // namespace eisnn::app
