// eisnn analyze / perturb / report: dissect trained networks (Zhu et al. 2026,
// SPEC §5) into HDF5 files and a text summary, and turn those into figures and
// one HTML page (python/eisnn_figures, run with matplotlib).
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "commands.hpp"
#include "eisnn/analysis/run_analysis.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/task/dataset.hpp"

extern char** environ;

namespace eisnn::app {
namespace {

namespace fs = std::filesystem;

task::Dataset load_run_dataset(const Config& config) {
  task::Dataset data = task::load_or_build_dataset(config, config.task.cache_dir);
  spdlog::info("dataset {}: {} held-out trials x {} ms", data.file.string(),
               data.heldout_trials.size(), data.n_steps);
  return data;
}

// Where the outputs of one run go: OUT itself for one run, OUT/<run name> for
// several, RUN_DIR/analysis without --out.
fs::path output_dir(const std::string& out, const fs::path& run_dir, std::size_t n_runs) {
  if (out.empty()) return run_dir / "analysis";
  if (n_runs == 1) return out;
  return fs::path(out) / fs::absolute(run_dir).lexically_normal().filename();
}

void log_step(const std::string& what) {
  spdlog::info("  {}", what);
}

void write_record(const fs::path& dir, const Config& config, int threads,
                  std::chrono::steady_clock::time_point started, const std::string& started_utc) {
  RunInfo info{command_line(), threads, started_utc, utc_now(), 0.0};
  info.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_run_record(dir, config, info);
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "analyze", "Tuning, input and recurrent block means, push-pull ratios of trained runs");
  auto runs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto opts = std::make_shared<analysis::AnalyzeOptions>();
  auto checkpoint = std::make_shared<bool>(false);
  cmd->add_option("runs", *runs, "run folders of eisnn train")->required();
  cmd->add_option("-o,--out", *out,
                  "output folder (default: RUN_DIR/analysis; with several runs OUT/<run name>)");
  cmd->add_flag("--checkpoint", *checkpoint,
                "analyse the last checkpoint of a run that has not finished (no network.h5)");
  cmd->add_flag(
      "--one-hot", opts->one_hot,
      "also write one-hot measures (needs a run with 2 readouts; on by default for them)");
  cmd->add_option("--snapshot-stride", opts->snapshot_stride,
                  "use every n-th weight snapshot for the course over training (default 1)")
      ->check(at_least(1));
  cmd->add_option("-j,--threads", opts->threads, "worker threads (0 = all cores)")
      ->check(at_least(0));

  cmd->callback([=] {
    single_process_only("analyze");
    for (const std::string& dir : *runs) {
      const auto started = std::chrono::steady_clock::now();
      const std::string started_utc = utc_now();
      const analysis::RunFolder run = analysis::open_run(dir, *checkpoint);
      const fs::path out_dir = output_dir(*out, dir, runs->size());
      prepare_output_dir(out_dir);
      spdlog::info("analysing {} (network from {}, epoch {}, {} snapshots)", dir,
                   run.trained_source, run.trained_epoch, run.snapshots.size());
      const task::Dataset data = load_run_dataset(run.config);
      const analysis::RunAnalysis a = analysis::analyze_run(run, data, *opts, log_step);
      analysis::write_analysis(a, run, out_dir / "analysis.h5");
      const std::string summary = analysis::summarize(a, run);
      h5::write_text_atomic(out_dir / "analysis.txt", summary);
      write_record(out_dir, run.config, opts->threads, started, started_utc);
      spdlog::info("wrote {} and analysis.txt:\n{}", (out_dir / "analysis.h5").string(), summary);
    }
  });
}

void add_perturb_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "perturb", "Spike-time jitter, delayed recurrent delivery and silencing of a trained run");
  auto run_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto opts = std::make_shared<analysis::PerturbOptions>();
  auto checkpoint = std::make_shared<bool>(false);
  cmd->add_option("run", *run_dir, "run folder of eisnn train")->required();
  cmd->add_option("-o,--out", *out, "output folder (default: RUN_DIR/analysis)");
  cmd->add_flag("--checkpoint", *checkpoint,
                "perturb the last checkpoint of a run that has not finished (no network.h5)");
  cmd->add_option("--jitter", opts->j_ms, "jitter sizes J in ms (default 0,1,2,3,5,10)")
      ->delimiter(',')
      ->check(at_least(0));
  cmd->add_option("--repeats", opts->n_repeats, "repeats of every random perturbation (default 3)")
      ->check(at_least(1));
  cmd->add_option("--fraction", opts->strongest_fraction,
                  "fraction of the strongest inhibitory synapses to silence (default 0.25)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("-j,--threads", opts->threads, "worker threads (0 = all cores)")
      ->check(at_least(0));

  cmd->callback([=] {
    single_process_only("perturb");
    const auto started = std::chrono::steady_clock::now();
    const std::string started_utc = utc_now();
    const analysis::RunFolder run = analysis::open_run(*run_dir, *checkpoint);
    const fs::path out_dir = output_dir(*out, *run_dir, 1);
    prepare_output_dir(out_dir);
    spdlog::info("perturbing {} (network from {}, epoch {})", *run_dir, run.trained_source,
                 run.trained_epoch);
    const task::Dataset data = load_run_dataset(run.config);
    const analysis::PerturbationReport p =
        analysis::perturb_network(run.trained, run.config, data, *opts, log_step);
    analysis::write_perturbation(p, run, *opts, out_dir / "perturb.h5");
    const std::string summary = analysis::summarize(p, run);
    h5::write_text_atomic(out_dir / "perturb.txt", summary);
    write_record(out_dir, run.config, opts->threads, started, started_utc);
    spdlog::info("wrote {} and perturb.txt:\n{}", (out_dir / "perturb.h5").string(), summary);
  });
}

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report", "Figures (PNG, SVG) and one self-contained HTML page from analysis folders");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto python = std::make_shared<std::string>("/usr/bin/python3");
  auto scripts = std::make_shared<std::string>();
  cmd->add_option("dirs", *dirs,
                  "folders holding analysis.h5 / perturb.h5 (or run folders with analysis/ in "
                  "them, or parents of several)")
      ->required();
  cmd->add_option("-o,--out", *out, "output folder (default: FIRST_DIR/report)");
  cmd->add_option("--python", *python, "Python with numpy, scipy, h5py, matplotlib")
      ->capture_default_str();
  cmd->add_option("--scripts", *scripts,
                  "folder of the figure scripts (default: $EISNN_FIGURES_DIR, else the source "
                  "tree's python/eisnn_figures)");

  cmd->callback([=] {
    single_process_only("report");
    const fs::path script = figure_script(*scripts);
    const fs::path out_dir = out->empty() ? fs::path(dirs->front()) / "report" : fs::path(*out);

    std::vector<std::string> args = {*python, script.string(), "--out", out_dir.string()};
    args.insert(args.end(), dirs->begin(), dirs->end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    spdlog::info("running {} {} --out {} ...", *python, script.string(), out_dir.string());
    pid_t pid = 0;
    if (posix_spawnp(&pid, python->c_str(), nullptr, nullptr, argv.data(), environ) != 0)
      throw InputError("cannot start the Python interpreter '" + *python +
                       "' (pass --python PATH to one with numpy, scipy, h5py and matplotlib)");
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw InputError("the figure script failed (exit status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                       "); its message is above");
    spdlog::info("report: {}", (out_dir / "report.html").string());
  });
}

}  // namespace eisnn::app
