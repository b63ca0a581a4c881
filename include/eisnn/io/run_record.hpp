// What every run leaves beside its outputs: the resolved configuration
// (config.toml, loadable again with --config) and run.toml with the command,
// version, commit, host, threads, start and end time.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eisnn/config.hpp"

namespace eisnn {

struct RunInfo {
  std::string command;  // the command line as typed
  int threads = 0;      // per process
  std::string started;  // ISO 8601, UTC
  std::string finished;
  double wall_s = 0.0;
  int ranks = 1;  // processes of an MPI job
};

// Creates `dir` if needed and proves it writable by writing and removing a
// probe file; throws InputError naming the folder otherwise.
void prepare_output_dir(const std::filesystem::path& dir);

void write_run_record(const std::filesystem::path& dir, const Config& config, const RunInfo& info);

// Current time, ISO 8601 UTC.
std::string utc_now();

}  // namespace eisnn
