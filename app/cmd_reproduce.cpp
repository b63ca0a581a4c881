// eisnn reproduce: the whole study (Zhu et al. 2026, SPEC §6) in one command:
// train every condition x seed side by side, analyse and perturb them, and
// make the report with the claims table (python/eisnn_figures/claims.py).
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>

#include "commands.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/reproduce/reproduction.hpp"

extern char** environ;

namespace eisnn::app {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs `args` (argv[0] looked up in PATH) and waits; InputError if it fails.
void run_python(const std::vector<std::string>& args) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, copy[0].c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    throw InputError("cannot start the Python interpreter '" + args[0] +
                     "' (pass --python PATH to one with numpy, scipy, h5py and matplotlib)");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InputError("the report script failed (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                     "); its message is above. Everything before it is kept: run the same "
                     "command again to retry the report only");
}

}  // namespace

void add_reproduce_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "reproduce",
      "The whole study: train every condition x seed, analyse, perturb, report with claims C1-C6");
  auto opts = std::make_shared<reproduce::Options>();
  auto out = std::make_shared<std::string>();
  auto seeds = std::make_shared<int>(0);
  auto python = std::make_shared<std::string>("/usr/bin/python3");
  auto scripts = std::make_shared<std::string>();
  cmd->add_option("-o,--out", *out, "output folder (started again: finishes what is left)")
      ->required();
  cmd->add_flag("--quick", opts->quick,
                "small run: 4 seeds, 120 trials, 30 updates per network (minutes on 2 cores); "
                "every report section, marked as a quick run");
  cmd->add_option("--seeds", *seeds, "networks per condition (default: 5, quick: 4)");
  cmd->add_option("--first-seed", opts->first_seed, "first seed (default 1)");
  cmd->add_option("--conditions", opts->conditions,
                  "conditions to run (default all: main, one-hot, no-dale, lower-inhibition, "
                  "rate-only)")
      ->delimiter(',');
  cmd->add_option("-c,--config", opts->config_file, "TOML configuration under the mode's sizes")
      ->check(CLI::ExistingFile);
  cmd->add_option("--preset", opts->preset, "named defaults: zhu2026 (default) or clean");
  cmd->add_option("-s,--set", opts->overrides,
                  "override one key for every network, section.key=value (repeatable)");
  cmd->add_option("-j,--threads", opts->threads,
                  "cores to use in all (0 = all); one network per core");
  cmd->add_option("--jitter", opts->perturb.j_ms, "jitter sizes J in ms (default 0,1,2,3,5,10)")
      ->delimiter(',');
  cmd->add_option("--repeats", opts->perturb.n_repeats,
                  "repeats of every random perturbation (default 3)");
  cmd->add_option("--python", *python, "Python with numpy, scipy, h5py, matplotlib")
      ->capture_default_str();
  cmd->add_option("--scripts", *scripts,
                  "folder of the report scripts (default: $EISNN_FIGURES_DIR, else the source "
                  "tree's python/eisnn_figures)");

  cmd->callback([=] {
    const auto started = Clock::now();
    const std::string started_utc = utc_now();
    if (cmd->count("--seeds") && *seeds < 1)
      throw InputError("--seeds " + std::to_string(*seeds) +
                       ": must be at least 1 (networks per condition)");
    if (opts->threads < 0)
      throw InputError("--threads " + std::to_string(opts->threads) + ": must be 0 (all) or more");
    if (opts->perturb.n_repeats < 1)
      throw InputError("--repeats " + std::to_string(opts->perturb.n_repeats) +
                       ": must be at least 1");
    for (int j : opts->perturb.j_ms)
      if (j < 0) throw InputError("--jitter " + std::to_string(j) + ": must be 0 ms or more");
    opts->out = *out;
    opts->n_seeds = *seeds;

    // Checked first: finding out after hours of training would be cruel.
    const fs::path script = figure_script(*scripts);

    // Over an MPI job every rank trains and analyses its share of the
    // networks (and logs it); rank 0 writes the summary and the report.
    Communicator& comm = world();
    const bool writer = comm.rank() == 0;
    log_on_every_rank();
    reproduce::Reproduction repro(reproduce::make_plan(*opts), &comm);
    const reproduce::Plan& plan = repro.plan();
    const Config& first = plan.jobs.front().config;
    spdlog::info(
        "reproducing the study ({} mode) in {}: {} condition(s) x {} seed(s) = {} networks, "
        "{} updates each ({}), {} core(s){}",
        opts->quick ? "QUICK" : "full", plan.options.out.string(), plan.options.conditions.size(),
        plan.seeds.size(), plan.jobs.size(),
        static_cast<long>(first.training.epochs) * first.training.batches_per_epoch,
        first.task.front_end == "file" ? "trials of " + first.task.rates_file
                                       : std::to_string(first.task.n_trials) + " trials",
        plan.n_threads,
        comm.size() > 1 ? " on each of " + std::to_string(comm.size()) + " ranks" : "");
    RunInfo info{command_line(), plan.n_threads, started_utc, "", 0.0, comm.size()};
    if (writer) write_run_record(plan.options.out, first, info);
    install_stop_handler();

    reproduce::Callbacks cb;
    cb.on_phase = [](const std::string& p) { spdlog::info("{}", p); };
    cb.on_job = [](const reproduce::Job& job, const reproduce::JobStatus& st,
                   const std::string& what) {
      if (what == "finished")
        spdlog::info("{}: trained in {}", job.name, format_duration(st.train_s));
      else if (what == "analysed")
        spdlog::info("{}: analysed in {}, perturbed in {}; held-out accuracy {:.3f}", job.name,
                     format_duration(st.analysis_s), format_duration(st.perturb_s),
                     st.per_ms_accuracy);
      else
        spdlog::info("{}: {}", job.name, what);
    };
    // One line per network every 20 s; every update at -v.
    std::map<std::string, Clock::time_point> last_line;
    cb.on_progress = [&last_line](const reproduce::Progress& p) {
      const auto now = Clock::now();
      auto& last = last_line[p.job];
      const bool due = p.update == p.n_updates || now - last > std::chrono::seconds(20);
      if (due) last = now;
      spdlog::log(due ? spdlog::level::info : spdlog::level::debug,
                  "{}: update {}/{} ({:.2f} s/update); {}/{} networks done; training left: {}",
                  p.job, p.update, p.n_updates, p.seconds_per_update, p.n_done, p.n_jobs,
                  p.eta_all_s < 0 ? std::string("estimating") : format_duration(p.eta_all_s));
    };
    cb.on_warning = [](const std::string& w) { spdlog::warn("{}", w); };
    cb.should_stop = stop_requested;

    if (!repro.train(cb)) {
      if (writer) repro.write_summary(command_line(), started_utc);
      spdlog::warn(
          "interrupted: every network in training wrote a checkpoint; run the same command "
          "again to resume");
      std::exit(130);
    }
    const std::vector<fs::path> analysed = repro.analyze(cb);
    if (!writer) return;
    // Up to the report; the report script adds its own time.
    repro.durations().total_s = std::chrono::duration<double>(Clock::now() - started).count();
    repro.write_summary(command_line(), started_utc);
    std::string failed;
    for (std::size_t i = 0; i < plan.jobs.size(); ++i)
      if (repro.status()[i].training == "failed")
        failed += (failed.empty() ? "" : ", ") + plan.jobs[i].name;
    if (analysed.empty())
      throw InputError("no network finished training (failed: " + failed + "); see above");

    spdlog::info("report: running {} {}", *python, script.string());
    const auto report_started = Clock::now();
    const fs::path report_dir = plan.options.out / "report";
    std::vector<std::string> args = {*python,       script.string(),
                                     "--out",       report_dir.string(),
                                     "--reproduce", repro.summary_file().string()};
    for (const fs::path& d : analysed) args.push_back(d.string());
    run_python(args);
    repro.durations().report_s =
        std::chrono::duration<double>(Clock::now() - report_started).count();
    repro.durations().total_s = std::chrono::duration<double>(Clock::now() - started).count();
    repro.write_summary(command_line(), started_utc);
    info.finished = utc_now();
    info.wall_s = repro.durations().total_s;
    write_run_record(plan.options.out, first, info);
    spdlog::info("done in {}: {} and {}", format_duration(repro.durations().total_s),
                 (report_dir / "report.html").string(), (report_dir / "summary.json").string());
    if (!failed.empty())
      throw InputError("training failed for " + failed +
                       " (messages above); the report covers the other networks");
  });
}

}  // namespace eisnn::app
