// State tuning of every unit (Zhu et al. 2026, SPEC §5, claims C1 and C4):
// from no-change trials, each unit's mean rate in state 1 (r1) and state 0
// (r0), the graded index (r1 - r0) / (r1 + r0) and a per-unit Mann-Whitney U
// test of its per-trial rates in state-1 trials against state-0 trials. A
// unit is 1-tuned if r1 > r0, else 0-tuned (the study's rule, so a silent
// unit counts as 0-tuned); with its sign this gives the four groups.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "eisnn/spike_train.hpp"

namespace eisnn::analysis {

// Groups of units by population and preferred state, in this order everywhere.
enum Group : int { kE1 = 0, kE0 = 1, kI1 = 2, kI0 = 3 };
inline constexpr int kGroups = 4;
inline constexpr std::array<const char*, kGroups> kGroupNames = {"E1", "E0", "I1", "I0"};

inline bool is_inhibitory_group(int g) {
  return g >= kI1;
}
// 1 for E1 and I1, 0 for E0 and I0.
inline int group_state(int g) {
  return g == kE1 || g == kI1 ? 1 : 0;
}

struct Tuning {
  std::vector<double> r1_hz;              // [n_units] mean rate over state-1 no-change trials
  std::vector<double> r0_hz;              // [n_units] mean rate over state-0 no-change trials
  std::vector<double> index;              // [n_units] (r1 - r0) / (r1 + r0); 0 for a silent unit
  std::vector<double> u_stat;             // [n_units] Mann-Whitney U of the state-1 sample
  std::vector<double> p_value;            // [n_units] two-sided; NaN without trials in both states
  std::vector<std::uint8_t> significant;  // [n_units] p < alpha / n_units (Bonferroni)
  std::vector<int> group;                 // [n_units] Group
  int n_trials_state1 = 0, n_trials_state0 = 0;
  double alpha = 0.05;

  int n_units() const { return static_cast<int>(group.size()); }
  // Preferred state per unit (1 or 0).
  std::vector<int> preferred_state() const;
  // Units per group.
  std::array<int, kGroups> group_sizes() const;
};

// Tuning from the spikes of trials, each with a constant state: trial_state[k]
// is 1 or 0 for a no-change trial and -1 for a trial to skip (a change
// trial). Rates are spikes per trial length (n_steps ms) in Hz.
Tuning compute_tuning(int n_e, int n_units, const std::vector<SpikeTrain>& spikes,
                      const std::vector<int>& trial_state, double alpha = 0.05);

// Two-sided Mann-Whitney U test of sample a against b, normal approximation
// with tie and continuity correction (as scipy.stats.mannwhitneyu with
// method="asymptotic"). Returns {U of a, p}; p = 1 when every value ties,
// NaN when a sample is empty.
std::pair<double, double> mann_whitney_u(const std::vector<double>& a,
                                         const std::vector<double>& b);

}  // namespace eisnn::analysis
