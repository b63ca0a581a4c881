// Dataset of the coherence change-detection task (Zhu et al. 2026, SPEC §3).
#include "eisnn/task/dataset.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/task/cnn.hpp"
#include "eisnn/task/npy.hpp"
#include "eisnn/version.hpp"

namespace eisnn::task {
namespace {

// Bump whenever the generator or the CNN code changes what a dataset holds,
// so that old cache files are never reused.
constexpr int kGeneratorVersion = 1;
constexpr const char* kFormat = "eisnn-dataset";
constexpr int kFormatVersion = 1;

// Keys that do not change the dataset (targets, where it is cached, the
// `file` front end's inputs) and the weights' name (its checksum counts).
const std::set<std::string> kNotInHash = {"encoding",   "swap_labels", "cache_dir",
                                          "rates_file", "labels_file", "rates_key",
                                          "labels_key", "cnn_weights"};

std::string format_value(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.17g", v);
  return s;
}
std::string format_value(int v) {
  return std::to_string(v);
}
std::string format_value(bool v) {
  return v ? "true" : "false";
}
std::string format_value(const std::string& v) {
  return "\"" + v + "\"";
}
template <class T>
std::string format_value(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + format_value(v[i]);
  return s + "]";
}

struct KeyWriter {
  std::string text;
  template <class T, class... Rest>
  void operator()(const char* key, T& value, const Rest&...) {
    if (!kNotInHash.count(key)) text += std::string(key) + " = " + format_value(value) + "\n";
  }
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Continued fraction of the incomplete beta function (modified Lentz method).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + aa * d;
    c = 1.0 + aa / c;
    d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
    c = std::fabs(c) < tiny ? tiny : c;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + aa * d;
    c = 1.0 + aa / c;
    d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
    c = std::fabs(c) < tiny ? tiny : c;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < eps) break;
  }
  return h;
}

// Regularised incomplete beta function I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

std::string lower_extension(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

std::string shape_text(const std::vector<std::size_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// Trial table of a rate file, derived from its labels.
void trials_from_labels(Dataset& d, const TaskParams& p) {
  d.trials.assign(d.n_trials, TrialSpec{});
  d.change_ms.assign(d.n_trials, -1);
  for (int i = 0; i < d.n_trials; ++i) {
    const std::uint8_t* l = d.trial_labels(i);
    TrialSpec& t = d.trials[i];
    t.movie = i / p.trials_per_movie;
    t.start_state = l[0];
    t.direction_deg = -1.0;
    for (int ms = 1; ms < d.n_steps; ++ms) {
      if (l[ms] != l[0]) {
        d.change_ms[i] = ms;
        t.change_frame = ms / d.frame_ms;
        break;
      }
    }
  }
}

Dataset build_with(const TaskParams& p, std::uint64_t seed, const CnnFrontEnd& cnn,
                   const Progress& progress) {
  const std::vector<TrialSpec> table = make_trial_table(p, seed);
  const DotMotion dots(p);
  const int n_trials = p.n_trials, n_frames = p.n_frames;
  const int n_cnn_steps = n_frames / CnnFrontEnd::kFramesPerStep;
  const int ms_per_cnn_step = CnnFrontEnd::kFramesPerStep * p.frame_ms;  // 68 ms in the study
  const int n_in = CnnFrontEnd::kChannels;

  Dataset d;
  d.n_trials = n_trials;
  d.n_steps = n_frames * p.frame_ms;
  d.n_in = n_in;
  d.frame_ms = p.frame_ms;
  d.trials = table;
  d.rates.resize(static_cast<std::size_t>(n_trials) * d.n_steps * n_in);
  d.labels.resize(static_cast<std::size_t>(n_trials) * d.n_steps);
  d.change_ms.resize(n_trials);
  for (int i = 0; i < n_trials; ++i)
    d.change_ms[i] = table[i].change_frame < 0 ? -1 : table[i].change_frame * p.frame_ms;

  int done = 0;
#pragma omp parallel
  {
    const std::size_t frame_size = static_cast<std::size_t>(p.frame_w_px) * p.frame_h_px;
    std::vector<std::uint8_t> frames(frame_size * n_frames);               // [frame][h][w]
    std::vector<float> out(static_cast<std::size_t>(n_cnn_steps) * n_in);  // [step][channel]
#pragma omp for schedule(dynamic)
    for (int i = 0; i < n_trials; ++i) {
      dots.movie(table[i], seed, i, frames.data());
      cnn.forward(frames.data(), n_frames, p.frame_h_px, p.frame_w_px, out.data());
      float* r = &d.rates[static_cast<std::size_t>(i) * d.n_steps * n_in];
      for (int ms = 0; ms < d.n_steps; ++ms)
        for (int c = 0; c < n_in; ++c)
          r[ms * n_in + c] = std::fabs(out[(ms / ms_per_cnn_step) * n_in + c]);
      trial_labels(table[i], n_frames, p.frame_ms,
                   &d.labels[static_cast<std::size_t>(i) * d.n_steps]);
      if (progress) {
#pragma omp critical(eisnn_dataset_progress)
        progress(++done, n_trials);
      }
    }
  }
  split_trials(d, p);
  d.report = channel_report(d);
  return d;
}

}  // namespace

std::vector<int> ChannelReport::biased_to(int state) const {
  std::vector<int> out;
  for (std::size_t c = 0; c < significant.size(); ++c)
    if (significant[c] && preferred_state[c] == state) out.push_back(static_cast<int>(c));
  return out;
}

std::string dataset_key_text(const TaskParams& p, std::uint64_t seed,
                             const std::string& weights_checksum) {
  KeyWriter w;
  TaskParams copy = p;
  copy.visit(w);
  w.text += "seed = " + std::to_string(seed) + "\n";
  w.text += "weights_checksum = \"" + weights_checksum + "\"\n";
  w.text += "generator_version = " + std::to_string(kGeneratorVersion) + "\n";
  return w.text;
}

std::string dataset_hash(const TaskParams& p, std::uint64_t seed,
                         const std::string& weights_checksum) {
  char s[17];
  std::snprintf(
      s, sizeof s, "%016llx",
      static_cast<unsigned long long>(fnv1a(dataset_key_text(p, seed, weights_checksum))));
  return s;
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0.0;
  return incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
}

void split_trials(Dataset& d, const TaskParams& p) {
  int n_held = 0;
  if (d.n_trials % p.trials_per_movie == 0) {
    // Whole movies, so both parts keep the balance of change and start state.
    const int n_movies = d.n_trials / p.trials_per_movie;
    n_held = static_cast<int>(std::lround(p.heldout_fraction * n_movies)) * p.trials_per_movie;
  } else {
    n_held = static_cast<int>(std::lround(p.heldout_fraction * d.n_trials));
  }
  n_held = std::clamp(n_held, 0, d.n_trials - 1);
  d.train_trials.clear();
  d.heldout_trials.clear();
  for (int i = 0; i < d.n_trials; ++i)
    (i < d.n_trials - n_held ? d.train_trials : d.heldout_trials).push_back(i);
}

ChannelReport channel_report(const Dataset& d, double alpha) {
  const int n_in = d.n_in;
  ChannelReport r;
  r.alpha = alpha;
  std::vector<double> sum[2] = {std::vector<double>(n_in, 0.0), std::vector<double>(n_in, 0.0)};
  double count[2] = {0, 0};
  // Per-trial mean rates [trial][channel]: paired differences of change
  // trials, and plain means of no-change trials by state.
  std::vector<std::vector<double>> diffs, steady[2];
  for (int i = 0; i < d.n_trials; ++i) {
    const float* rates = d.trial_rates(i);
    const std::uint8_t* labels = d.trial_labels(i);
    std::vector<double> part[2] = {std::vector<double>(n_in, 0.0), std::vector<double>(n_in, 0.0)};
    double n_part[2] = {0, 0};
    for (int ms = 0; ms < d.n_steps; ++ms) {
      const int s = labels[ms] ? 1 : 0;
      n_part[s] += 1;
      for (int c = 0; c < n_in; ++c) part[s][c] += rates[ms * n_in + c];
    }
    for (int s = 0; s < 2; ++s) {
      count[s] += n_part[s];
      for (int c = 0; c < n_in; ++c) sum[s][c] += part[s][c];
    }
    if (n_part[0] > 0 && n_part[1] > 0) {
      std::vector<double> diff(n_in);
      for (int c = 0; c < n_in; ++c) diff[c] = part[1][c] / n_part[1] - part[0][c] / n_part[0];
      diffs.push_back(std::move(diff));
    } else {
      const int s = n_part[1] > 0 ? 1 : 0;
      for (double& v : part[s]) v /= n_part[s];
      steady[s].push_back(std::move(part[s]));
    }
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto mean_var = [](const std::vector<std::vector<double>>& rows, int c, double& m, double& v) {
    m = 0;
    v = 0;
    for (const auto& row : rows) m += row[c];
    m /= std::max<std::size_t>(1, rows.size());
    for (const auto& row : rows) v += (row[c] - m) * (row[c] - m);
    v /= std::max<std::size_t>(1, rows.size() - 1);
  };
  r.test = diffs.size() >= 2 ? "paired" : "welch";
  r.n_trials_tested =
      static_cast<int>(r.test == "paired" ? diffs.size() : steady[0].size() + steady[1].size());
  for (int c = 0; c < n_in; ++c) {
    r.mean_rate_state0.push_back(count[0] ? sum[0][c] / count[0] : nan);
    r.mean_rate_state1.push_back(count[1] ? sum[1][c] / count[1] : nan);
    r.preferred_state.push_back(r.mean_rate_state1[c] > r.mean_rate_state0[c] ? 1 : 0);

    double t = nan, p = nan, df = 0, diff = 0, se2 = 0;
    if (r.test == "paired") {
      double m, v;
      mean_var(diffs, c, m, v);
      diff = m;
      se2 = v / diffs.size();
      df = diffs.size() - 1.0;
    } else if (steady[0].size() >= 2 && steady[1].size() >= 2) {
      double m0, v0, m1, v1;
      mean_var(steady[0], c, m0, v0);
      mean_var(steady[1], c, m1, v1);
      const double n0 = steady[0].size(), n1 = steady[1].size();
      diff = m1 - m0;
      se2 = v1 / n1 + v0 / n0;
      df = se2 * se2 / ((v1 / n1) * (v1 / n1) / (n1 - 1) + (v0 / n0) * (v0 / n0) / (n0 - 1));
    }
    if (df > 0 && se2 > 0) {
      t = diff / std::sqrt(se2);
      p = student_t_two_sided_p(t, df);
    } else if (df > 0) {  // no spread at all: any difference is certain
      t = diff == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), diff);
      p = diff == 0 ? 1.0 : 0.0;
    }
    r.t_stat.push_back(t);
    r.p_value.push_back(p);
    r.significant.push_back(!std::isnan(p) && p < alpha / n_in ? 1 : 0);
  }
  return r;
}

Dataset build_dataset(const TaskParams& p, std::uint64_t seed, const Progress& progress) {
  validate_task(p);
  const CnnFrontEnd cnn(load_cnn_weights(resolve_cnn_weights(p.cnn_weights)));
  Dataset d = build_with(p, seed, cnn, progress);
  d.config_hash = dataset_hash(p, seed, cnn.weights().checksum);
  d.key_text = dataset_key_text(p, seed, cnn.weights().checksum);
  return d;
}

Dataset read_rates_file(const TaskParams& p) {
  if (p.rates_file.empty())
    throw InputError(
        "[task] front_end = \"file\" needs [task] rates_file (an .h5, .npy or .npz file)");
  const std::filesystem::path file = p.rates_file;
  const std::string name = file.string();
  const std::string ext = lower_extension(file);
  if (!std::filesystem::exists(file)) throw InputError("rates file '" + name + "' does not exist");
  std::vector<std::size_t> rshape, lshape;
  std::vector<float> rates;
  std::vector<double> labels;
  std::string labels_origin = name;

  if (ext == ".h5" || ext == ".hdf5") {
    const h5::File f = h5::File::open(file);
    for (const std::string& key : {p.rates_key, p.labels_key})
      if (!f.exists(key))
        throw InputError("rates file '" + name + "' has no dataset '" + key + "'");
    rshape = f.shape(p.rates_key);
    lshape = f.shape(p.labels_key);
    rates = f.read<float>(p.rates_key);
    labels = f.read<double>(p.labels_key);
  } else if (ext == ".npy" || ext == ".npz") {
    NpyArray r, l;
    if (ext == ".npz") {
      r = read_npz(file, p.rates_key);
      if (p.labels_file.empty()) {
        l = read_npz(file, p.labels_key);
      } else {
        l = read_npy(p.labels_file);
        labels_origin = p.labels_file;
      }
    } else {
      if (p.labels_file.empty())
        throw InputError(
            "rates file '" + name +
            "' is a .npy array: set [task] labels_file to the .npy labels [trials, ms]");
      r = read_npy(file);
      l = read_npy(p.labels_file);
      labels_origin = p.labels_file;
    }
    rshape = r.shape;
    lshape = l.shape;
    rates = r.to_float();
    labels = l.to_double();
  } else {
    throw InputError("rates file '" + name + "': unknown extension '" + ext +
                     "' (use .h5, .hdf5, .npy or .npz)");
  }

  if (rshape.size() != 3 || rshape[0] == 0 || rshape[1] == 0 || rshape[2] == 0)
    throw InputError("rates file '" + name + "': rates have shape " + shape_text(rshape) +
                     ", expected [trials, ms, channels]");
  if (lshape.size() != 2 || lshape[0] != rshape[0] || lshape[1] != rshape[1])
    throw InputError("labels in '" + labels_origin + "' have shape " + shape_text(lshape) +
                     ", which does not match the rates " + shape_text(rshape) + " (expected [" +
                     std::to_string(rshape[0]) + ", " + std::to_string(rshape[1]) + "])");
  for (std::size_t k = 0; k < rates.size(); ++k) {
    const float v = rates[k];
    if (std::isnan(v) || v < 0.0f || v > 1.0f) {
      const std::size_t n_in = rshape[2], n_ms = rshape[1];
      const std::string where = "[" + std::to_string(k / (n_in * n_ms)) + ", " +
                                std::to_string(k / n_in % n_ms) + ", " + std::to_string(k % n_in) +
                                "]";
      throw InputError("rates file '" + name + "': rate at " + where + " is " +
                       (std::isnan(v) ? std::string("NaN") : std::to_string(v)) +
                       "; rates are spike probabilities per ms and must lie in [0, 1]");
    }
  }
  for (std::size_t k = 0; k < labels.size(); ++k)
    if (labels[k] != 0.0 && labels[k] != 1.0)
      throw InputError("labels in '" + labels_origin + "': value " + std::to_string(labels[k]) +
                       " at trial " + std::to_string(k / lshape[1]) + ", ms " +
                       std::to_string(k % lshape[1]) + " is not 0 or 1");

  Dataset d;
  d.n_trials = static_cast<int>(rshape[0]);
  d.n_steps = static_cast<int>(rshape[1]);
  d.n_in = static_cast<int>(rshape[2]);
  d.frame_ms = p.frame_ms;
  d.rates = std::move(rates);
  d.labels.resize(labels.size());
  for (std::size_t k = 0; k < labels.size(); ++k) d.labels[k] = labels[k] != 0.0;
  trials_from_labels(d, p);
  split_trials(d, p);
  d.report = channel_report(d);
  d.file = file;
  return d;
}

void write_dataset(const Dataset& d, const std::filesystem::path& file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  h5::AtomicWriter writer(file);
  h5::File& f = writer.file();
  const std::size_t n = d.n_trials;
  f.write<float>("rates", d.rates, {n, std::size_t(d.n_steps), std::size_t(d.n_in)});
  f.write<std::uint8_t>("labels", d.labels, {n, std::size_t(d.n_steps)});

  std::vector<std::int32_t> movie, start, change_frame, change_ms;
  std::vector<double> direction;
  std::vector<std::uint8_t> heldout(n, 0);
  for (const TrialSpec& t : d.trials) {
    movie.push_back(t.movie);
    start.push_back(t.start_state);
    change_frame.push_back(t.change_frame);
    direction.push_back(t.direction_deg);
  }
  for (int c : d.change_ms) change_ms.push_back(c);
  for (int i : d.heldout_trials) heldout[i] = 1;
  f.write("trials/movie", movie);
  f.write("trials/start_state", start);
  f.write("trials/change_frame", change_frame);
  f.write("trials/change_ms", change_ms);
  f.write("trials/direction_deg", direction);
  f.write("trials/heldout", heldout);

  const ChannelReport& r = d.report;
  std::vector<double> means = r.mean_rate_state0;
  means.insert(means.end(), r.mean_rate_state1.begin(), r.mean_rate_state1.end());
  f.write<double>("report/mean_rate", means, {2, std::size_t(d.n_in)});
  f.write("report/t_stat", r.t_stat);
  f.write("report/p_value", r.p_value);
  std::vector<std::int32_t> preferred(r.preferred_state.begin(), r.preferred_state.end());
  f.write("report/preferred_state", preferred);
  f.write("report/significant", r.significant);
  f.set_attr("report", "alpha", r.alpha);
  f.set_attr("report", "n_trials_tested", std::int64_t{r.n_trials_tested});
  f.set_attr("report", "test", r.test);

  f.set_attr("/", "format", std::string(kFormat));
  f.set_attr("/", "format_version", std::int64_t{kFormatVersion});
  f.set_attr("/", "config_hash", d.config_hash);
  f.set_attr("/", "task_config", d.key_text);
  f.set_attr("/", "frame_ms", std::int64_t{d.frame_ms});
  f.set_attr("/", "eisnn_version", std::string(version()));
  f.set_attr("/", "git_commit", std::string(git_commit()));
  f.set_attr("rates", "meaning", std::string("spike probability per ms [trial, ms, channel]"));
  f.set_attr("labels", "meaning", std::string("state per ms: 1 = high coherence [trial, ms]"));
  writer.commit();
}

std::string read_dataset_key_text(const std::filesystem::path& file) {
  const h5::File f = h5::File::open(file);
  return f.has_attr("/", "task_config") ? f.attr_string("/", "task_config") : "";
}

Dataset read_dataset(const std::filesystem::path& file) {
  const h5::File f = h5::File::open(file);
  const std::string name = file.string();
  if (!f.has_attr("/", "format") || f.attr_string("/", "format") != kFormat)
    throw InputError("'" + name + "' is not an eisnn dataset (no format = \"" + kFormat + "\")");
  if (f.attr_int("/", "format_version") != kFormatVersion)
    throw InputError("dataset '" + name + "' has format version " +
                     std::to_string(f.attr_int("/", "format_version")) + ", this build reads " +
                     std::to_string(kFormatVersion));
  const h5::Shape rs = f.shape("rates");
  if (rs.size() != 3)
    throw InputError("dataset '" + name + "': rates are not [trial, ms, channel]");
  Dataset d;
  d.n_trials = static_cast<int>(rs[0]);
  d.n_steps = static_cast<int>(rs[1]);
  d.n_in = static_cast<int>(rs[2]);
  d.frame_ms = static_cast<int>(f.attr_int("/", "frame_ms"));
  d.config_hash = f.attr_string("/", "config_hash");
  d.key_text = f.attr_string("/", "task_config");
  d.rates = f.read<float>("rates");
  d.labels = f.read<std::uint8_t>("labels", {rs[0], rs[1]});
  const h5::Shape per_trial = {rs[0]};
  const auto movie = f.read<std::int32_t>("trials/movie", per_trial);
  const auto start = f.read<std::int32_t>("trials/start_state", per_trial);
  const auto change_frame = f.read<std::int32_t>("trials/change_frame", per_trial);
  const auto change_ms = f.read<std::int32_t>("trials/change_ms", per_trial);
  const auto direction = f.read<double>("trials/direction_deg", per_trial);
  const auto heldout = f.read<std::uint8_t>("trials/heldout", per_trial);
  for (int i = 0; i < d.n_trials; ++i) {
    d.trials.push_back({movie[i], start[i], change_frame[i], direction[i]});
    d.change_ms.push_back(change_ms[i]);
    (heldout[i] ? d.heldout_trials : d.train_trials).push_back(i);
  }
  const h5::Shape per_channel = {rs[2]};
  const auto means = f.read<double>("report/mean_rate", {2, rs[2]});
  d.report.mean_rate_state0.assign(means.begin(), means.begin() + d.n_in);
  d.report.mean_rate_state1.assign(means.begin() + d.n_in, means.end());
  d.report.t_stat = f.read<double>("report/t_stat", per_channel);
  d.report.p_value = f.read<double>("report/p_value", per_channel);
  const auto preferred = f.read<std::int32_t>("report/preferred_state", per_channel);
  d.report.preferred_state.assign(preferred.begin(), preferred.end());
  d.report.significant = f.read<std::uint8_t>("report/significant", per_channel);
  d.report.alpha = f.attr_double("report", "alpha");
  d.report.n_trials_tested = static_cast<int>(f.attr_int("report", "n_trials_tested"));
  d.report.test = f.attr_string("report", "test");
  d.file = file;
  return d;
}

Dataset load_or_build_dataset(const Config& config, const std::filesystem::path& cache_dir,
                              const Progress& progress, bool* built) {
  const TaskParams& p = config.task;
  validate_task(p);
  if (built) *built = false;
  auto check_inputs = [&](const Dataset& d) {
    if (d.n_in != config.network.n_in)
      throw InputError("[network] n_in = " + std::to_string(config.network.n_in) + " but the " +
                       p.front_end + " front end gives " + std::to_string(d.n_in) + " channels");
  };
  if (p.front_end == "file") {
    Dataset d = read_rates_file(p);
    check_inputs(d);
    return d;
  }

  const CnnFrontEnd cnn(load_cnn_weights(resolve_cnn_weights(p.cnn_weights)));
  const std::string key_text = dataset_key_text(p, config.seed, cnn.weights().checksum);
  const std::string hash = dataset_hash(p, config.seed, cnn.weights().checksum);
  const std::filesystem::path file = cache_dir / ("dataset-" + hash + ".h5");
  // A cache hit must match key for key, not only by hash.
  if (std::filesystem::exists(file) && read_dataset_key_text(file) == key_text) {
    Dataset d = read_dataset(file);
    check_inputs(d);
    return d;
  }
  Dataset d = build_with(p, config.seed, cnn, progress);
  d.config_hash = hash;
  d.key_text = key_text;
  check_inputs(d);
  write_dataset(d, file);
  d.file = file;
  if (built) *built = true;
  return d;
}

}  // namespace eisnn::task
