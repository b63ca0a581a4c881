#include "eisnn/reproduce/reproduction.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "eisnn/analysis/run_analysis.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/task/dataset.hpp"
#include "eisnn/train/trainer.hpp"
#include "eisnn/version.hpp"

namespace eisnn::reproduce {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The configuration as text, without what may differ between invocations
// and never changes results (threads).
std::string comparable(Config c) {
  c.training.threads = 0;
  c.simulation.threads = 0;
  return to_toml(c);
}

// First line in which two configurations differ, for the error message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(sa, la));
    const bool gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "";
    if (la != lb || ga != gb) return "'" + la + "' (stored) vs '" + lb + "' (now)";
  }
}

// A run folder started earlier must have been started with the same
// configuration, else skipping or resuming it would mix two studies.
void check_existing_run(const Job& job) {
  Config stored;
  if (fs::exists(job.run_dir / "checkpoint.h5"))
    stored = Trainer::config_of_run(job.run_dir);
  else if (fs::exists(job.run_dir / "config.toml"))
    stored = load_config(job.run_dir / "config.toml", {});
  else
    return;
  const std::string a = comparable(stored), b = comparable(job.config);
  if (a != b)
    throw InputError("run folder '" + job.run_dir.string() +
                     "' was started with another configuration than this reproduction asks "
                     "for (first difference: " +
                     first_difference(a, b) +
                     "); use another --out folder or the flags it was started with");
}

// Datasets by seed, loaded (or built) once and shared by every network of
// that seed; dropped when no network needs them any more.
class DatasetPool {
 public:
  explicit DatasetPool(const std::vector<Job>& jobs) {
    for (const Job& j : jobs) ++users_[j.seed];
  }

  // `on_load` is called before a dataset is read or built (which may take a while).
  std::shared_ptr<const task::Dataset> get(const Job& job,
                                           const std::function<void()>& on_load = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = loaded_[job.seed];
    if (!slot) {
      if (on_load) on_load();
      const auto started = Clock::now();
      slot = std::make_shared<const task::Dataset>(
          task::load_or_build_dataset(job.config, job.config.task.cache_dir));
      seconds_ += seconds_since(started);
    }
    return slot;
  }

  void release(const Job& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--users_[job.seed] == 0) loaded_.erase(job.seed);
  }

  double seconds() const { return seconds_; }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, int> users_;
  std::map<std::uint64_t, std::shared_ptr<const task::Dataset>> loaded_;
  double seconds_ = 0;
};

// Runs work(i) for i in [0, n) on `n_workers` threads, counting in
// `idle_workers` (if given) the threads that found nothing left to start; the
// first exception is kept, `stop` is raised so the others finish early, and
// it is rethrown.
template <class Work>
void run_workers(int n, int n_workers, std::atomic<bool>& stop, Work work,
                 std::atomic<int>* idle_workers = nullptr) {
  std::atomic<int> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto loop = [&] {
    for (int i = next++; i < n && !stop; i = next++) {
      try {
        work(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
    if (idle_workers) ++*idle_workers;
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < n_workers; ++w) pool.emplace_back(loop);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Over several ranks: each builds the missing datasets of its share of the
// seeds, so that no two ranks build the same one and none waits for one rank
// to build them all.
void build_datasets(const std::vector<Job>& jobs, const std::vector<int>& todo,
                    Communicator& world) {
  std::vector<const Job*> first_of_seed;
  for (int i : todo) {
    const Job& job = jobs[static_cast<std::size_t>(i)];
    if (std::none_of(first_of_seed.begin(), first_of_seed.end(),
                     [&](const Job* j) { return j->seed == job.seed; }))
      first_of_seed.push_back(&job);
  }
  const Share share = share_of(static_cast<int>(first_of_seed.size()), world.rank(), world.size());
  for (int k = share.begin; k < share.end; ++k) {
    const Config& config = first_of_seed[static_cast<std::size_t>(k)]->config;
    task::load_or_build_dataset(config, config.task.cache_dir);
  }
  world.barrier();
}

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      q += buf;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  std::ostringstream s;
  s.precision(10);
  s << x;
  return s.str();
}

template <class T, class F>
std::string json_list(const std::vector<T>& v, F item) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + item(v[i]);
  return s + "]";
}

}  // namespace

ModeSettings mode_settings(bool quick) {
  ModeSettings m;
  if (!quick) return m;  // the study's sizes (config defaults), 5 seeds
  m.n_seeds = 4;
  // 120 trials (100 to train, 20 held out), one pass over them per epoch,
  // 30 updates; 4 seeds, the fewest with which a KS test across networks
  // can reach p < 0.05 (4 vs 4: p >= 0.029).
  m.overrides = {"task.n_trials=120", "training.epochs=10", "training.batches_per_epoch=3",
                 "training.snapshot_every_epochs=2", "training.checkpoint_every_epochs=1"};
  return m;
}

Plan make_plan(const Options& options) {
  if (options.out.empty()) throw InputError("reproduce needs an output folder (--out DIR)");
  if (options.n_seeds < 0)
    throw InputError("--seeds " + std::to_string(options.n_seeds) + ": must be at least 1");
  if (options.threads < 0)
    throw InputError("--threads " + std::to_string(options.threads) + ": must be 0 (all) or more");
  const auto& known = condition_names();
  for (const auto& c : options.conditions)
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError("condition '" + c + "' is unknown: must be one of " + list);
    }

  Plan plan;
  plan.options = options;
  if (plan.options.conditions.empty()) plan.options.conditions = known;
  const ModeSettings mode = mode_settings(options.quick);
  const int n_seeds = options.n_seeds > 0 ? options.n_seeds : mode.n_seeds;
  for (int s = 0; s < n_seeds; ++s) plan.seeds.push_back(options.first_seed + s);
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  plan.n_threads = options.threads > 0 ? options.threads : hw;

  prepare_output_dir(options.out);
  plan.options.out = fs::absolute(options.out).lexically_normal();
  const fs::path out = plan.options.out;

  // Mode first, then the user's flags; the dataset cache lives in OUT so a
  // reproduction is self-contained.
  std::vector<std::string> overrides = mode.overrides;
  overrides.push_back("task.cache_dir=\"" + (out / "datasets").string() + "\"");
  overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
  for (std::uint64_t seed : plan.seeds)
    for (const auto& condition : plan.options.conditions) {
      std::vector<std::string> o = overrides;
      o.push_back("seed=" + std::to_string(seed));
      Job job;
      job.condition = condition;
      job.seed = seed;
      job.name = condition + "-s" + std::to_string(seed);
      job.config = load_config(options.config_file, o, options.preset, condition);
      job.run_dir = out / "runs" / job.name;
      job.analysis_dir = out / "analysis" / job.name;
      plan.jobs.push_back(std::move(job));
    }
  return plan;
}

Reproduction::Reproduction(Plan plan, Communicator* comm)
    : plan_(std::move(plan)), comm_(comm), status_(plan_.jobs.size()) {
  if (!comm_) {
    serial_ = make_serial_communicator();
    comm_ = serial_.get();
  }
  for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
    const Job& job = plan_.jobs[i];
    check_existing_run(job);
    const TrainingParams& tp = job.config.training;
    status_[i].n_updates = static_cast<std::int64_t>(tp.epochs) * tp.batches_per_epoch;
  }
}

bool Reproduction::train(const Callbacks& cb) {
  const auto phase_started = Clock::now();
  std::mutex cb_mutex;  // callbacks one at a time

  // What is left: finished networks are skipped, started ones resume.
  std::vector<int> todo;
  for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
    const Job& job = plan_.jobs[i];
    JobStatus& st = status_[i];
    if (fs::exists(job.run_dir / "network.h5")) {
      st.training = "skipped";
      st.start_update = st.n_updates;
      if (cb.on_job && comm_->rank() == 0)
        cb.on_job(job, st, "already trained (network.h5 present), skipped");
      continue;
    }
    if (fs::exists(job.run_dir / "checkpoint.h5"))
      st.start_update = h5::File::open(job.run_dir / "checkpoint.h5").attr_int("/", "next_update");
    todo.push_back(static_cast<int>(i));
  }
  if (todo.empty()) return true;
  // Every rank has looked at the folders before any rank writes to them.
  Communicator& world = *comm_;
  world.barrier();

  // Ranks are dealt into teams, one per network while there are more ranks
  // than networks; team t trains networks t, t + n_teams, ... of the list.
  const int n_teams = std::min(world.size(), static_cast<int>(todo.size()));
  const int team = world.rank() % n_teams;
  const std::unique_ptr<Communicator> team_comm = world.split(team);
  const bool team_lead = team_comm->rank() == 0;
  std::vector<int> mine;
  std::vector<bool> is_mine(todo.size(), false);
  for (std::size_t k = 0; k < todo.size(); ++k)
    if (static_cast<int>(k) % n_teams == team) {
      mine.push_back(todo[k]);
      is_mine[k] = team_lead;  // the team's statuses come from its first rank
    }
  std::int64_t my_remaining = 0;
  for (int i : mine) my_remaining += status_[i].n_updates - status_[i].start_update;
  // A team of one rank trains its networks side by side; a larger team trains
  // one network at a time with all its ranks.
  const bool alone = team_comm->size() == 1;
  const int n_workers = alone ? std::min<int>(plan_.n_threads, static_cast<int>(mine.size())) : 1;
  const int threads_each = std::max(1, plan_.n_threads / n_workers);
  if (cb.on_phase)
    cb.on_phase("training " + std::to_string(todo.size()) + " network(s)" +
                (world.size() > 1
                     ? ", " + std::to_string(mine.size()) + " on this rank's team of " +
                           std::to_string(team_comm->size()) + " rank(s)"
                     : std::string()) +
                ", " + std::to_string(n_workers) + " side by side, " +
                std::to_string(threads_each) + " thread(s) each");
  if (world.size() > 1) build_datasets(plan_.jobs, todo, world);

  DatasetPool pool(plan_.jobs);
  std::atomic<bool> stop{false}, interrupted{false};
  std::atomic<std::int64_t> done_updates{0};
  std::atomic<int> n_done{static_cast<int>(plan_.jobs.size() - todo.size())};
  std::atomic<int> idle_workers{0};
  const auto started = Clock::now();
  // Callbacks of a team come from its first rank only.
  auto call = [&](auto&& f) {
    if (!team_lead) return;
    std::lock_guard<std::mutex> lock(cb_mutex);
    f();
  };

  auto train_one = [&](int k) {
    const auto i = static_cast<std::size_t>(mine[static_cast<std::size_t>(k)]);
    const Job& job = plan_.jobs[i];
    JobStatus& st = status_[i];
    const auto job_started = Clock::now();
    const std::string job_started_utc = utc_now();
    const std::shared_ptr<const task::Dataset> data = pool.get(job, [&] {
      call([&] {
        if (cb.on_phase)
          cb.on_phase(
              "dataset of seed " + std::to_string(job.seed) + ": " +
              (job.config.task.front_end == "file"
                   ? "reading " + job.config.task.rates_file
                   : "reading it from " + job.config.task.cache_dir + " or building it there"));
      });
    });

    const bool resuming = fs::exists(job.run_dir / "checkpoint.h5");
    if (team_lead) prepare_output_dir(job.run_dir);
    Communicator* trainer_comm = alone ? nullptr : team_comm.get();
    Trainer trainer =
        resuming ? Trainer::resume(job.run_dir, *data, job.config.training.epochs, trainer_comm)
                 : Trainer(job.config, *data, job.run_dir, trainer_comm);
    trainer.set_threads(threads_each);
    RunInfo info{"eisnn reproduce (network " + job.name + ")",
                 threads_each,
                 job_started_utc,
                 "",
                 0.0,
                 team_comm->size()};
    if (team_lead) write_run_record(job.run_dir, trainer.config(), info);
    st.training = resuming ? "resumed" : "trained";
    call([&] {
      if (cb.on_job)
        cb.on_job(job, st,
                  resuming ? "resuming at update " + std::to_string(st.start_update) : "starting");
    });

    TrainerCallbacks tc;
    double mean_s = 0;
    tc.on_update = [&](const UpdateRecord& r) {
      // The cores of workers with no network left to start go to the networks
      // still training, from their next update on (threads never change
      // results): the last networks of a study do not leave cores idle.
      if (alone)
        trainer.set_threads(
            std::max(threads_each, plan_.n_threads / std::max(1, n_workers - idle_workers.load())));
      mean_s = mean_s == 0 ? r.seconds : 0.9 * mean_s + 0.1 * r.seconds;
      const std::int64_t all = ++done_updates;
      const double rate = all / std::max(1e-9, seconds_since(started));
      Progress p{job.name,
                 r.update + 1,
                 st.n_updates,
                 mean_s,
                 all >= 2 ? static_cast<double>(my_remaining - all) / rate : -1.0,
                 n_done.load(),
                 static_cast<int>(plan_.jobs.size())};
      call([&] {
        if (cb.on_progress) cb.on_progress(p);
      });
    };
    tc.on_warning = [&](const std::string& w) {
      call([&] {
        if (cb.on_warning) cb.on_warning(job.name + ": " + w);
      });
    };
    tc.should_stop = [&] {
      bool s = stop.load();
      call([&] { s = s || (cb.should_stop && cb.should_stop()); });
      if (s) interrupted = stop = true;
      return s;
    };

    // A network that cannot go on (NaN, ...) is recorded and the others go
    // on: one diverging seed should not cost the whole study.
    bool finished = false;
    try {
      finished = trainer.run(tc);
    } catch (const TrainingError& e) {
      st.training = "failed";
      st.error = e.what();
    }
    st.train_s = seconds_since(job_started);
    info.finished = utc_now();
    info.wall_s = st.train_s;
    info.threads = trainer.config().training.threads;  // of the last update
    if (team_lead) write_run_record(job.run_dir, trainer.config(), info);
    pool.release(job);
    if (st.training == "failed") {
      call([&] {
        if (cb.on_job) cb.on_job(job, st, "failed: " + st.error);
      });
      return;
    }
    if (!finished) {
      st.training = "interrupted";
      return;
    }
    ++n_done;
    call([&] {
      if (cb.on_job) cb.on_job(job, st, "finished");
    });
  };
  if (alone) {
    run_workers(static_cast<int>(mine.size()), n_workers, stop, train_one, &idle_workers);
  } else {
    // MPI calls come from this thread only; every rank of the team goes
    // through the same networks in the same order.
    for (int k = 0; k < static_cast<int>(mine.size()) && !stop; ++k) train_one(k);
  }

  std::vector<bool> shared(plan_.jobs.size(), false);
  for (std::size_t k = 0; k < todo.size(); ++k) shared[todo[k]] = is_mine[k];
  share_status(todo, shared);
  durations_.datasets_s += sum_over_ranks(world, pool.seconds());
  const bool any_interrupted = world.any(interrupted);
  durations_.training_s += seconds_since(phase_started);
  return !any_interrupted;
}

void Reproduction::share_status(const std::vector<int>& jobs, const std::vector<bool>& mine) {
  if (comm_->size() == 1) return;
  Packer packer;
  for (int i : jobs) {
    if (!mine[i]) continue;
    const JobStatus& st = status_[i];
    packer.put(static_cast<std::int64_t>(i));
    packer.put(st.training);
    packer.put(st.error);
    for (double x :
         {static_cast<double>(st.start_update), static_cast<double>(st.n_updates), st.train_s,
          st.analysis_s, st.perturb_s, st.per_ms_accuracy, st.analysis_skipped ? 1.0 : 0.0})
      packer.put(x);
  }
  const std::vector<std::byte> all = comm_->all_gather(packer.bytes());
  Unpacker unpacker(all);
  while (!unpacker.done()) {
    std::int64_t i = 0;
    unpacker.get(i);
    JobStatus& st = status_[static_cast<std::size_t>(i)];
    unpacker.get(st.training);
    unpacker.get(st.error);
    double x[7];
    for (double& v : x) unpacker.get(v);
    st.start_update = static_cast<std::int64_t>(x[0]);
    st.n_updates = static_cast<std::int64_t>(x[1]);
    st.train_s = x[2];
    st.analysis_s = x[3];
    st.perturb_s = x[4];
    st.per_ms_accuracy = x[5];
    st.analysis_skipped = x[6] != 0;
  }
}

std::vector<fs::path> Reproduction::analyze(const Callbacks& cb) {
  const auto phase_started = Clock::now();
  std::mutex cb_mutex;
  std::vector<int> todo;
  std::vector<fs::path> dirs;
  for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
    const Job& job = plan_.jobs[i];
    if (!fs::exists(job.run_dir / "network.h5")) continue;  // failed to train
    dirs.push_back(job.analysis_dir);
    if (fs::exists(job.analysis_dir / "analysis.h5") &&
        fs::exists(job.analysis_dir / "perturb.h5")) {
      status_[i].analysis_skipped = true;
      // The trained network's score, for the summary.
      const h5::File f = h5::File::open(job.analysis_dir / "analysis.h5");
      status_[i].per_ms_accuracy = f.attr_double("/networks/trained", "per_ms_accuracy");
      if (cb.on_job && comm_->rank() == 0) cb.on_job(job, status_[i], "already analysed, skipped");
      continue;
    }
    todo.push_back(static_cast<int>(i));
  }
  if (todo.empty()) return dirs;
  // Every rank has looked at the folders before any rank writes to them; the
  // networks are then dealt out to the ranks in turn.
  comm_->barrier();
  std::vector<int> mine;
  std::vector<bool> is_mine(plan_.jobs.size(), false);
  for (std::size_t k = 0; k < todo.size(); ++k)
    if (static_cast<int>(k) % comm_->size() == comm_->rank()) {
      mine.push_back(todo[k]);
      is_mine[static_cast<std::size_t>(todo[k])] = true;
    }
  const int n_workers = std::max(1, std::min<int>(plan_.n_threads, static_cast<int>(mine.size())));
  const int threads_each = std::max(1, plan_.n_threads / n_workers);
  if (cb.on_phase)
    cb.on_phase(
        "analysing and perturbing " + std::to_string(todo.size()) + " network(s)" +
        (comm_->size() > 1 ? ", " + std::to_string(mine.size()) + " on this rank" : std::string()));

  // Each network needs its seed's dataset; count only the networks analysed here.
  std::vector<Job> analysed;
  for (int i : mine) analysed.push_back(plan_.jobs[static_cast<std::size_t>(i)]);
  DatasetPool pool(analysed);
  std::atomic<bool> stop{false};

  run_workers(static_cast<int>(mine.size()), n_workers, stop, [&](int k) {
    const auto i = static_cast<std::size_t>(mine[static_cast<std::size_t>(k)]);
    const Job& job = plan_.jobs[i];
    JobStatus& st = status_[i];
    const std::shared_ptr<const task::Dataset> data = pool.get(job);
    const analysis::RunFolder run = analysis::open_run(job.run_dir);
    prepare_output_dir(job.analysis_dir);

    auto started = Clock::now();
    const std::string started_utc = utc_now();
    analysis::AnalyzeOptions ao;
    ao.threads = threads_each;
    const analysis::RunAnalysis a = analysis::analyze_run(run, *data, ao);
    analysis::write_analysis(a, run, job.analysis_dir / "analysis.h5");
    h5::write_text_atomic(job.analysis_dir / "analysis.txt", analysis::summarize(a, run));
    st.analysis_s = seconds_since(started);
    st.per_ms_accuracy = a.networks.back().score.per_ms_accuracy;

    started = Clock::now();
    analysis::PerturbOptions po = plan_.options.perturb;
    po.threads = threads_each;
    const analysis::PerturbationReport p =
        analysis::perturb_network(run.trained, run.config, *data, po);
    analysis::write_perturbation(p, run, po, job.analysis_dir / "perturb.h5");
    h5::write_text_atomic(job.analysis_dir / "perturb.txt", analysis::summarize(p, run));
    st.perturb_s = seconds_since(started);
    RunInfo info{"eisnn reproduce (analysis of " + job.name + ")", threads_each, started_utc,
                 utc_now(), st.analysis_s + st.perturb_s};
    write_run_record(job.analysis_dir, run.config, info);
    pool.release(job);

    std::lock_guard<std::mutex> lock(cb_mutex);
    if (cb.on_job) cb.on_job(job, st, "analysed");
  });

  share_status(todo, is_mine);
  durations_.datasets_s += sum_over_ranks(*comm_, pool.seconds());
  durations_.analysis_s += seconds_since(phase_started);
  return dirs;
}

void Reproduction::write_summary(const std::string& command, const std::string& started_utc) const {
  const Options& o = plan_.options;
  const Config& c = plan_.jobs.front().config;
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  utsname u{};
  uname(&u);
  auto str = [](const std::string& s) { return json_string(s); };
  auto rel = [&](const fs::path& p) { return json_string(p.lexically_relative(o.out).string()); };

  std::ostringstream j;
  j << "{\n"
    << "  \"format\": \"eisnn-reproduce-1\",\n"
    << "  \"mode\": " << str(o.quick ? "quick" : "full") << ",\n"
    << "  \"quick\": " << (o.quick ? "true" : "false") << ",\n"
    << "  \"command\": " << str(command) << ",\n"
    << "  \"version\": " << str(version()) << ",\n"
    << "  \"git_commit\": " << str(git_commit()) << ",\n"
    << "  \"started\": " << str(started_utc) << ",\n"
    << "  \"written\": " << str(utc_now()) << ",\n"
    << "  \"out\": " << str(o.out.string()) << ",\n"
    << "  \"machine\": {\"host\": " << str(host)
    << ", \"os\": " << str(std::string(u.sysname) + " " + u.release)
    << ", \"arch\": " << str(u.machine)
    << ", \"cores\": " << std::max(1u, std::thread::hardware_concurrency())
    << ", \"threads_used\": " << plan_.n_threads << "},\n"
    << "  \"seeds\": " << json_list(plan_.seeds, [](std::uint64_t s) { return std::to_string(s); })
    << ",\n"
    << "  \"conditions\": " << json_list(o.conditions, str) << ",\n"
    << "  \"settings\": {\"preset\": " << str(c.preset)
    << ", \"config_file\": " << str(o.config_file)
    << ", \"mode_overrides\": " << json_list(mode_settings(o.quick).overrides, str)
    << ", \"overrides\": " << json_list(o.overrides, str)
    << ", \"front_end\": " << str(c.task.front_end) << ", \"n_trials\": " << c.task.n_trials
    << ", \"n_e\": " << c.network.n_e << ", \"n_i\": " << c.network.n_i
    << ", \"epochs\": " << c.training.epochs
    << ", \"batches_per_epoch\": " << c.training.batches_per_epoch
    << ", \"batch_size\": " << c.training.batch_size
    << ", \"n_updates_per_network\": " << status_.front().n_updates
    << ", \"perturb_j_ms\": " << json_list(o.perturb.j_ms, [](int x) { return std::to_string(x); })
    << ", \"perturb_repeats\": " << o.perturb.n_repeats
    << ", \"perturb_fraction\": " << json_number(o.perturb.strongest_fraction) << "},\n"
    << "  \"durations_s\": {\"datasets\": " << json_number(durations_.datasets_s)
    << ", \"training\": " << json_number(durations_.training_s)
    << ", \"analysis\": " << json_number(durations_.analysis_s)
    << ", \"report\": " << json_number(durations_.report_s)
    << ", \"total\": " << json_number(durations_.total_s) << "},\n"
    << "  \"networks\": [\n";
  for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
    const Job& job = plan_.jobs[i];
    const JobStatus& st = status_[i];
    j << "    {\"name\": " << str(job.name) << ", \"condition\": " << str(job.condition)
      << ", \"seed\": " << job.seed << ", \"run_dir\": " << rel(job.run_dir)
      << ", \"analysis_dir\": " << rel(job.analysis_dir) << ", \"training\": " << str(st.training)
      << ", \"start_update\": " << st.start_update << ", \"n_updates\": " << st.n_updates
      << ", \"train_s\": " << json_number(st.train_s)
      << ", \"analysis_s\": " << json_number(st.analysis_s)
      << ", \"perturb_s\": " << json_number(st.perturb_s)
      << ", \"analysis_skipped\": " << (st.analysis_skipped ? "true" : "false")
      << ", \"per_ms_accuracy\": " << json_number(st.per_ms_accuracy)
      << ", \"error\": " << str(st.error) << "}" << (i + 1 < plan_.jobs.size() ? ",\n" : "\n");
  }
  j << "  ]\n}\n";
  h5::write_text_atomic(summary_file(), j.str());
}

}  // namespace eisnn::reproduce
