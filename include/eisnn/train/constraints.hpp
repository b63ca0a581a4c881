// What training must preserve after every update (Zhu et al. 2026, after
// Bellec et al. 2018's DEEP R):
//  - Dale's principle: a weight whose sign differs from its presynaptic
//    unit's sign (input channels are excitatory) becomes 0.
//  - Fixed recurrent sparsity: a recurrent synapse set to 0 is pruned, and as
//    many new synapses are made at random absent off-diagonal positions,
//    drawn as at initialisation (times rewire_scale) with the presynaptic
//    unit's sign; their Adam state starts at 0.
//  - Input and readout synapses are never moved: one clamped to 0 stays in
//    place and grows again only if the gradient pushes it back to its sign.
// Without Dale's principle the mask is fixed and signs are free: nothing to do.
#pragma once

#include <cstdint>

#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/train/adam.hpp"

namespace eisnn {

struct ConstraintReport {
  int n_pruned = 0;      // recurrent synapses removed (= new ones made)
  int n_clamped_in = 0;  // input weights clamped to 0 this update
  int n_clamped_out = 0;
};

// `update` keys the random stream of the new positions.
ConstraintReport apply_constraints(Network& net, AdamState& adam_rec, const Config& config,
                                   std::uint64_t update);

}  // namespace eisnn
