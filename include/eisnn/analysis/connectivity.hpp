// Connectivity measures of a network against the tuning of its units
// (Zhu et al. 2026, SPEC §5, claims C2, C3 and C5).
//
// Every mean here includes zeros: it is the sum of weights over all possible
// (pre, post) pairs divided by their number, where an absent synapse counts
// 0 mV. Self pairs (i -> i) are never possible and are left out.
// Weights in mV per spike; I weights are negative, so a "stronger" inhibitory
// block has a more negative mean and a ratio of two inhibitory means above 1
// says the numerator is stronger.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "eisnn/analysis/tuning.hpp"
#include "eisnn/network.hpp"

namespace eisnn::analysis {

// Mean recurrent weight for every (pre group, post group) pair.
struct BlockMeans {
  std::array<double, 16> mean_mV{};           // [pre group * 4 + post group]; NaN if no pair
  std::array<std::int64_t, 16> n_pairs{};     // possible pairs (self pairs excluded)
  std::array<std::int64_t, 16> n_synapses{};  // existing synapses
  double at(int pre, int post) const { return mean_mV[static_cast<std::size_t>(pre * 4 + post)]; }
};

// group: [n_units] Group of every unit.
BlockMeans block_means(const SparseWeights& w_rec, const std::vector<int>& group);

// The study's headline ratios (SPEC §5). Cross-tuned blocks join groups of
// opposite preference, within-tuned blocks groups of the same. I ratio: mean
// of the four cross-tuned block means with an I presynaptic group (I->E and
// I->I) over the mean of the four within-tuned ones; E ratio likewise for E
// presynaptic groups. Blocks without pairs (an empty group) are left out of
// both means; a ratio without any block on either side is NaN.
struct TuningRatios {
  double i_ratio = 0, e_ratio = 0;
  double i_cross_mV = 0, i_within_mV = 0;  // the means of block means
  double e_cross_mV = 0, e_within_mV = 0;
};
TuningRatios tuning_ratios(const BlockMeans& blocks);

// Mean input weight from 1-biased and 0-biased channels onto E and I units.
struct InputWeights {
  std::array<double, 4> mean_mV{};  // [channel bias (0: 1-biased, 1: 0-biased) * 2 + (0: E, 1: I)]
  int n_channels_1 = 0, n_channels_0 = 0;
  double at(int bias_state, bool onto_i) const {
    return mean_mV[static_cast<std::size_t>((bias_state == 1 ? 0 : 1) * 2 + (onto_i ? 1 : 0))];
  }
};
// channel_state: [n_in] 1 if the channel's mean rate is higher in state 1, else 0.
InputWeights input_weights(const Network& net, const std::vector<int>& channel_state);

// Mean readout weight (zeros included) from every group onto every readout
// unit: [group * n_out + readout].
std::vector<double> readout_means(const Network& net, const std::vector<int>& group);

// Networks without Dale's principle: synapses pooled by their current sign
// and by same vs opposite preferred state of pre and post (E and I units
// alike). Means over all possible pairs of the pool's sign part (a positive
// synapse adds 0 to the negative pool and vice versa), so they compare as
// block means do.
struct SignPooling {
  std::array<double, 4> mean_mV{};           // [sign (0: +, 1: -) * 2 + (0: same, 1: opposite)]
  std::array<double, 4> mean_existing_mV{};  // over existing synapses of the pool; NaN if none
  std::array<std::int64_t, 4> n_synapses{};
  std::int64_t n_pairs_same = 0, n_pairs_opposite = 0;
  double neg_ratio = 0;  // opposite / same among negative synapses (as the I ratio)
  double pos_ratio = 0;  // opposite / same among positive synapses (as the E ratio)
};
SignPooling sign_pooling(const SparseWeights& w_rec, const std::vector<int>& preferred_state);

// Synapses present in both matrices whose sign differs (a weight of exactly 0
// has no sign and never counts as changed).
struct SignChanges {
  std::int64_t n_compared = 0, n_changed = 0;
  double fraction = 0;  // NaN when nothing is compared
};
SignChanges sign_changes(const SparseWeights& now, const SparseWeights& initial);

}  // namespace eisnn::analysis
