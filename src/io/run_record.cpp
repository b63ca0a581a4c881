#include "eisnn/io/run_record.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/version.hpp"

namespace eisnn {

void prepare_output_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw InputError("output folder '" + dir.string() + "' cannot be created" +
                     (ec ? ": " + ec.message() : std::string(" (a file has that name)")));
  const auto probe = dir / (".write-probe-" + std::to_string(::getpid()));
  std::ofstream out(probe);
  if (!out) throw InputError("output folder '" + dir.string() + "' is not writable");
  out.close();
  std::filesystem::remove(probe, ec);
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_run_record(const std::filesystem::path& dir, const Config& config, const RunInfo& info) {
  h5::write_text_atomic(dir / "config.toml", to_toml(config));
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  std::ostringstream run;
  auto quoted = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return q + "\"";
  };
  run << "command = " << quoted(info.command) << "\n"
      << "version = " << quoted(version()) << "\n"
      << "git_commit = " << quoted(git_commit()) << "\n"
      << "host = " << quoted(host) << "\n"
      << "threads = " << info.threads << "\n"
      << "ranks = " << info.ranks << "\n"
      << "seed = " << config.seed << "\n"
      << "started = " << quoted(info.started) << "\n"
      << "finished = " << quoted(info.finished) << "\n"
      << "wall_s = " << info.wall_s << "\n";
  h5::write_text_atomic(dir / "run.toml", run.str());
}

}  // namespace eisnn
