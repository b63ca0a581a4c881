// Subcommands of the eisnn program. Each add_*_command registers its flags and
// the function that runs it; main() does logging and error reporting.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "eisnn/config.hpp"
#include "eisnn/parallel/mpi.hpp"

namespace eisnn::app {

// Flags shared by every command that reads a configuration.
struct ConfigFlags {
  std::string config_file;
  std::string preset;
  std::vector<std::string> overrides;
  int threads = 0;

  void add_to(CLI::App& cmd);
  Config load() const;
};

// The command line as typed, for run records.
const std::string& command_line();

// The processes of this job: one, or every rank of an MPI job.
mpi::Session& mpi_session();
Communicator& world();
// Throws InputError if this is an MPI job of several ranks: `command` runs in
// one process (only train and reproduce spread over ranks).
void single_process_only(const char* command);
// Lets ranks other than 0 log at the requested level (they show only warnings otherwise).
void log_on_every_rank();

// A check for a whole-number option whose message states the rule:
// "--epochs: must be at least 1, got 0".
CLI::Validator at_least(int minimum);

// "1h02m" or "3m07s".
std::string format_duration(double seconds);

// After this, Ctrl-C, SIGTERM and SIGUSR1 (which mpirun forwards to every
// rank, as do schedulers before a time limit) set a flag that long commands poll, so that
// they write a checkpoint and stop instead of dying mid-write.
void install_stop_handler();
bool stop_requested();

// report.py of the figure scripts: in `scripts_dir` if given, else in
// $EISNN_FIGURES_DIR, else in the source tree's python/eisnn_figures.
// Throws InputError if it is not there.
std::filesystem::path figure_script(const std::string& scripts_dir);

void add_simulate_command(CLI::App& app);
void add_config_command(CLI::App& app);
void add_stimulus_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_grad_command(CLI::App& app);
void add_analyze_command(CLI::App& app);
void add_perturb_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_reproduce_command(CLI::App& app);

}  // namespace eisnn::app
