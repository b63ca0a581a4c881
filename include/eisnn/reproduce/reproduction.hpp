// The whole study in one go (Zhu et al. 2026, SPEC §6): every condition x
// seed is trained, then analysed (trained and naive networks, SPEC §5) and
// perturbed; the report with the claims table (python/eisnn_figures) is made
// by the command-line program from the files written here.
//
// Layout of the output folder (docs/reproduce.md):
//   reproduce.json              plan, settings, versions, machine, per-network status and times
//   config.toml, run.toml       the main condition's configuration, what was run
//   datasets/                   dataset cache (one dataset per seed: the seed also draws the
//   trials) runs/CONDITION-sSEED/       run folders of the trainer (network.h5 once finished)
//   analysis/CONDITION-sSEED/   analysis.h5, perturb.h5 and their text summaries
//   report/                     report.html, summary.json, figures/
//
// Networks train side by side, one per worker; results do not depend on the
// number of threads. Over the ranks of an MPI job (a Communicator), the
// networks are dealt out to the ranks in turn, each rank training its own side
// by side; with more ranks than networks, a team of ranks trains each network
// together (Trainer). Analyses are dealt out the same way. Every rank ends
// with every network's status; results equal those of one process. A reproduction started again
// skips finished networks (network.h5 present) and resumes unfinished ones from their checkpoint.
// The library never prints: progress comes back through callbacks, which are
// called from worker threads but never two at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eisnn/analysis/perturbation.hpp"
#include "eisnn/config.hpp"
#include "eisnn/parallel/communicator.hpp"

namespace eisnn::reproduce {

// Sizes of the two modes, in one place. Quick: a smaller dataset, one pass
// over the training trials per epoch, few updates; still every analysis.
struct ModeSettings {
  int n_seeds = 5;
  std::vector<std::string> overrides;  // applied under the user's --set flags
};
ModeSettings mode_settings(bool quick);

struct Options {
  std::filesystem::path out;
  bool quick = false;
  int n_seeds = 0;                      // 0: the mode's default
  std::uint64_t first_seed = 1;         // seeds first_seed .. first_seed + n_seeds - 1
  std::vector<std::string> conditions;  // empty: all five of SPEC §6
  std::string config_file;              // optional TOML file under the mode
  std::string preset;                   // empty: the file's, else zhu2026
  std::vector<std::string> overrides;   // section.key=value, over everything
  int threads = 0;                      // cores to use in all (0: all)
  analysis::PerturbOptions perturb;     // threads is set per network
};

// One network of the study.
struct Job {
  std::string name;  // CONDITION-sSEED
  std::string condition;
  std::uint64_t seed = 0;
  Config config;
  std::filesystem::path run_dir, analysis_dir;
};

struct Plan {
  Options options;
  std::vector<std::uint64_t> seeds;
  std::vector<Job> jobs;  // by seed, then condition (networks of one dataset together)
  int n_threads = 1;      // resolved from options.threads (per rank)
};

// Checks the options (InputError naming the flag and value) and makes the
// output folder; loads the configuration of every network.
Plan make_plan(const Options& options);

// What happened to one network, for the summary.
struct JobStatus {
  std::string training = "pending";  // pending | trained | resumed | skipped | interrupted | failed
  std::string error;                 // why it failed
  std::int64_t start_update = 0;     // first update of this invocation
  std::int64_t n_updates = 0;        // updates in all
  double train_s = 0;                // wall time of this invocation's training
  double analysis_s = 0, perturb_s = 0;
  bool analysis_skipped = false;
  double per_ms_accuracy = 0;  // held-out, trained network (from the analysis)
};

struct Progress {
  std::string job;             // name of the network
  std::int64_t update = 0;     // updates done
  std::int64_t n_updates = 0;  // in all
  double seconds_per_update = 0;
  double eta_all_s = -1;  // remaining training of every network; -1 while unknown
  int n_done = 0, n_jobs = 0;
};

struct Callbacks {
  std::function<void(const std::string&)> on_phase;  // a phase starts
  // A network starts, is skipped or finishes; `what` says which and why.
  std::function<void(const Job&, const JobStatus&, const std::string& what)> on_job;
  std::function<void(const Progress&)> on_progress;  // after every update
  std::function<void(const std::string&)> on_warning;
  std::function<bool()> should_stop;  // true: checkpoint every network and return
};

// Wall times in seconds; dataset loading happens inside training and analysis
// and is counted there too.
struct Durations {
  double datasets_s = 0, training_s = 0, analysis_s = 0, report_s = 0, total_s = 0;
};

class Reproduction {
 public:
  // With `comm` (which must outlive this), every rank of it constructs a
  // Reproduction of the same plan and makes the same calls.
  explicit Reproduction(Plan plan, Communicator* comm = nullptr);

  // Trains every network not yet finished; false if stopped (all checkpointed).
  // A network whose training fails (TrainingError) is marked "failed" and
  // left out of the analyses; the others go on.
  bool train(const Callbacks& cb = {});

  // analyze + perturb of every trained network; skips those already analysed.
  // Returns the analysis folders of the trained networks, for the report.
  std::vector<std::filesystem::path> analyze(const Callbacks& cb = {});

  // Writes OUT/reproduce.json (atomically): settings, seeds, versions,
  // machine, durations and every network's status.
  void write_summary(const std::string& command, const std::string& started_utc) const;

  const Plan& plan() const { return plan_; }
  const std::vector<JobStatus>& status() const { return status_; }
  Durations& durations() { return durations_; }
  std::filesystem::path summary_file() const { return plan_.options.out / "reproduce.json"; }

 private:
  // Makes every rank's statuses of `jobs` (those with `mine` true) known to all ranks.
  void share_status(const std::vector<int>& jobs, const std::vector<bool>& mine);

  Plan plan_;
  std::unique_ptr<Communicator> serial_;  // used when no communicator is given
  Communicator* comm_ = nullptr;
  std::vector<JobStatus> status_;  // [job]
  Durations durations_;
};

}  // namespace eisnn::reproduce
