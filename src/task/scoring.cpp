// Input spikes, targets and task-success measures (SPEC §3).
#include "eisnn/task/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "eisnn/error.hpp"

namespace eisnn::task {
namespace {

// Linear interpolation between order statistics, as numpy.percentile.
double percentile(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

}  // namespace

int n_outputs(const std::string& encoding) {
  if (encoding == "main") return 1;
  if (encoding == "one_hot") return 2;
  throw InputError("[task] encoding = \"" + encoding + "\": must be main or one_hot");
}

std::vector<float> make_targets(const std::vector<std::uint8_t>& labels,
                                const std::string& encoding, bool swap) {
  const int n_out = n_outputs(encoding);
  std::vector<float> targets(labels.size() * n_out);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const float label = static_cast<float>((labels[i] != 0) != swap);
    if (n_out == 1) {
      targets[i] = label;
    } else {
      targets[2 * i] = 1.0f - label;
      targets[2 * i + 1] = label;
    }
  }
  return targets;
}

Score score(const std::vector<float>& y, int n_steps, int n_out,
            const std::vector<std::uint8_t>& labels, const std::vector<int>& change_ms, bool swap,
            const std::vector<int>& trials, int window_ms) {
  EISNN_ASSERT(n_out == 1 || n_out == 2);
  const int n_all = static_cast<int>(change_ms.size());
  EISNN_ASSERT(labels.size() == static_cast<std::size_t>(n_all) * n_steps);
  EISNN_ASSERT(y.size() == labels.size() * n_out);
  std::vector<int> which = trials;
  if (which.empty())
    for (int i = 0; i < n_all; ++i) which.push_back(i);

  Score s;
  s.n_trials = static_cast<int>(which.size());
  double correct_all = 0, correct_pre = 0, correct_end = 0, sq = 0, delay_sum = 0;
  long n_pre = 0, n_end = 0;
  std::vector<float> post;
  for (int trial : which) {
    EISNN_ASSERT(trial >= 0 && trial < n_all);
    const float* yt = &y[static_cast<std::size_t>(trial) * n_steps * n_out];
    const std::uint8_t* lt = &labels[static_cast<std::size_t>(trial) * n_steps];
    // State reported at each ms, and the output that stands for state 1.
    auto reported = [&](int t) {
      const bool one = n_out == 1 ? yt[t] > 0.5f : yt[2 * t + 1] > yt[2 * t];
      return static_cast<int>(one != swap);
    };
    auto state1_signal = [&](int t) { return n_out == 1 ? yt[t] : yt[2 * t + 1]; };

    for (int t = 0; t < n_steps; ++t) {
      const int label = lt[t];
      const bool ok = reported(t) == label;
      correct_all += ok;
      if (t >= n_steps - window_ms) correct_end += ok, ++n_end;
      const float target = static_cast<float>((label != 0) != swap);
      if (n_out == 1) {
        sq += (yt[t] - target) * (yt[t] - target);
      } else {
        sq += (yt[2 * t] - (1 - target)) * (yt[2 * t] - (1 - target));
        sq += (yt[2 * t + 1] - target) * (yt[2 * t + 1] - target);
      }
    }
    const int c = change_ms[trial];
    if (c < 0 || c >= n_steps) continue;
    for (int t = std::max(0, c - window_ms); t < c; ++t)
      correct_pre += reported(t) == lt[t], ++n_pre;

    post.clear();
    for (int t = c; t < n_steps; ++t) post.push_back(state1_signal(t));
    const bool rising = (lt[c] != 0) != swap;
    const double threshold = percentile(post, rising ? 0.75 : 0.25);
    for (int t = c; t < n_steps; ++t) {
      const float v = state1_signal(t);
      if (rising ? v >= threshold : v <= threshold) {
        delay_sum += t - c;
        ++s.n_response_delays;
        break;
      }
    }
  }
  const double n_ms = static_cast<double>(s.n_trials) * n_steps;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.per_ms_accuracy = s.n_trials ? correct_all / n_ms : nan;
  s.pre_change_accuracy = n_pre ? correct_pre / n_pre : nan;
  s.end_accuracy = n_end ? correct_end / n_end : nan;
  s.response_delay_ms = s.n_response_delays ? delay_sum / s.n_response_delays : nan;
  s.mse = s.n_trials ? sq / (n_ms * n_out) : nan;
  return s;
}

}  // namespace eisnn::task
