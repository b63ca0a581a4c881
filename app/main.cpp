// eisnn: train and dissect biologically constrained recurrent spiking networks.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "commands.hpp"
#include "eisnn/error.hpp"
#include "eisnn/version.hpp"

namespace eisnn::app {
namespace {
std::string g_command_line;
mpi::Session* g_session = nullptr;
spdlog::level::level_enum g_log_level = spdlog::level::info;
}  // namespace

void single_process_only(const char* command) {
  if (world().size() > 1)
    throw InputError(std::string("eisnn ") + command +
                     " runs in one process, but this MPI job has " +
                     std::to_string(world().size()) +
                     " ranks; run it without mpirun (only train and reproduce use several ranks)");
}

void log_on_every_rank() {
  spdlog::set_level(g_log_level);
}

const std::string& command_line() {
  return g_command_line;
}

mpi::Session& mpi_session() {
  return *g_session;
}

Communicator& world() {
  return g_session->world();
}

CLI::Validator at_least(int minimum) {
  const std::string rule = "must be at least " + std::to_string(minimum);
  return CLI::Validator(
      [minimum, rule](std::string& text) -> std::string {
        long value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec != std::errc() || ptr != end) return "must be a whole number, got '" + text + "'";
        if (value < minimum) return rule + ", got " + text;
        return {};
      },
      "INT >= " + std::to_string(minimum));
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

namespace {
std::atomic<bool> g_stop{false};
extern "C" void request_stop(int) {
  g_stop = true;
}
}  // namespace

void install_stop_handler() {
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGUSR1, request_stop);
}

bool stop_requested() {
  return g_stop.load();
}

std::filesystem::path figure_script(const std::string& scripts_dir) {
  std::filesystem::path dir = scripts_dir;
  if (dir.empty()) {
    const char* env = std::getenv("EISNN_FIGURES_DIR");
    dir = env ? std::filesystem::path(env) : std::filesystem::path(EISNN_FIGURES_DIR);
  }
  const std::filesystem::path script = dir / "report.py";
  if (!std::filesystem::exists(script))
    throw InputError("figure script '" + script.string() +
                     "' not found; pass --scripts DIR or set EISNN_FIGURES_DIR to the folder "
                     "python/eisnn_figures of the eisnn sources");
  return script;
}

void ConfigFlags::add_to(CLI::App& cmd) {
  cmd.add_option("-c,--config", config_file, "TOML configuration file (default: built-in defaults)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--preset", preset, "named defaults under the file: zhu2026 (default) or clean");
  cmd.add_option("-s,--set", overrides,
                 "override one key, section.key=value (repeatable), e.g. --set neuron.tau_m_ms=25");
  cmd.add_option("-j,--threads", threads, "worker threads (0 = all cores)")->check(at_least(0));
}

Config ConfigFlags::load() const {
  return load_config(config_file, overrides, preset);
}

void add_config_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("config", "Print the resolved configuration or the list of keys");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  auto keys = std::make_shared<bool>(false);
  cmd->add_flag("--keys", *keys, "list every key with its default, range and meaning");
  cmd->callback([flags, keys] {
    // Data goes to stdout: this is the command's output, not a diagnostic.
    std::fputs((*keys ? describe_keys() : to_toml(flags->load())).c_str(), stdout);
  });
}

}  // namespace eisnn::app

int main(int argc, char** argv) {
  using namespace eisnn;
  for (int i = 0; i < argc; ++i) app::g_command_line += (i ? " " : "") + std::string(argv[i]);

  // Diagnostics go to stderr; stdout is kept for data.
  auto logger = spdlog::stderr_color_mt("eisnn");
  logger->set_pattern("%^[%H:%M:%S %l]%$ %v");
  spdlog::set_default_logger(logger);

  std::unique_ptr<mpi::Session> session;
  try {
    session = std::make_unique<mpi::Session>(argc, argv);
  } catch (const InputError& e) {
    spdlog::error("{}", e.what());
    return 2;
  }
  app::g_session = session.get();
  const int rank = session->world().rank(), n_ranks = session->world().size();
  if (n_ranks > 1) logger->set_pattern("%^[%H:%M:%S %l]%$ rank " + std::to_string(rank) + ": %v");
  // A rank that fails ends the whole job; the others would wait for it forever.
  auto fail = [&](int code) {
    if (n_ranks > 1 && code != 0) session->abort(code);
    return code;
  };

  CLI::App cli{"eisnn: train and dissect cortex-constrained recurrent spiking networks"};
  // A bad flag is one line of error, like every other bad input.
  cli.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string(e.what()) + " (see --help)\n";
  });
  cli.set_version_flag("--version", std::string(version()) + " (" + git_commit() + ")");
  cli.require_subcommand(1);
  int verbosity = 0;
  cli.add_flag("-v,--verbose", verbosity, "more log output (-vv for debug)");
  bool quiet = false;
  cli.add_flag("-q,--quiet", quiet, "only warnings and errors");
  cli.parse_complete_callback([&] {
    app::g_log_level = quiet            ? spdlog::level::warn
                       : verbosity >= 2 ? spdlog::level::trace
                       : verbosity == 1 ? spdlog::level::debug
                                        : spdlog::level::info;
    // Ranks other than 0 repeat rank 0's progress: only their warnings show,
    // unless a command does different work on every rank (log_on_every_rank).
    spdlog::set_level(rank > 0 ? std::max(app::g_log_level, spdlog::level::warn)
                               : app::g_log_level);
  });

  app::add_simulate_command(cli);
  app::add_config_command(cli);
  app::add_stimulus_command(cli);
  app::add_dataset_command(cli);
  app::add_train_command(cli);
  app::add_grad_command(cli);
  app::add_analyze_command(cli);
  app::add_perturb_command(cli);
  app::add_report_command(cli);
  app::add_reproduce_command(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return fail(cli.exit(e));
  } catch (const InputError& e) {
    spdlog::error("{}", e.what());
    return fail(2);
  } catch (const std::exception& e) {
    spdlog::critical("unexpected failure: {}", e.what());
    return fail(3);
  }
  return 0;
}
