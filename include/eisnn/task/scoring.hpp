// Input spikes, targets and measures of task success for the coherence
// change-detection task (Zhu et al. 2026; the study defines no success
// measure: SPEC §3 gives ours).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eisnn/random.hpp"

namespace eisnn::task {

// Outputs per encoding: main 1, one_hot 2. Throws InputError for another name.
int n_outputs(const std::string& encoding);

// Targets [n_trials][n_steps][n_out] from labels [n_trials][n_steps]:
// main: label; one_hot: [1 - label, label]; swap inverts the label first.
std::vector<float> make_targets(const std::vector<std::uint8_t>& labels,
                                const std::string& encoding, bool swap);

struct Score {
  int n_trials = 0;
  double per_ms_accuracy = 0;      // all ms of all trials
  double pre_change_accuracy = 0;  // change trials: the 500 ms before the change
  double end_accuracy = 0;         // all trials: the last 500 ms
  double response_delay_ms = 0;    // mean over change trials (NaN if none)
  int n_response_delays = 0;       // change trials that contributed
  double mse = 0;                  // mean over trials, ms and outputs of (y - target)^2
};

// Scores outputs y [n_trials][n_steps][n_out] against labels [n_trials][n_steps]
// and change_ms [n_trials] (-1: none), for the given trials (all if empty).
// The reported state is y > 0.5 (one output) or the larger output (two);
// with swap the outputs are read inverted. Response delay: first ms after the
// change at which the state-1 output (y, or y[1]) passes the 75th percentile
// of its post-change values for 0 -> 1, or falls below the 25th for 1 -> 0
// (directions inverted with swap).
Score score(const std::vector<float>& y, int n_steps, int n_out,
            const std::vector<std::uint8_t>& labels, const std::vector<int>& change_ms,
            bool swap = false, const std::vector<int>& trials = {}, int window_ms = 500);

}  // namespace eisnn::task
