// Spikes grouped by time step: at step t the spiking indices (units or input
// channels) are index[step_start[t] .. step_start[t+1]), ascending. This is
// the compact form used everywhere spikes are kept: it costs one entry per
// spike, not one per unit and step.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace eisnn {

struct SpikeTrain {
  int n_steps = 0;
  std::vector<std::uint32_t> step_start{0};  // [n_steps + 1]
  std::vector<std::uint16_t> index;          // [n_spikes]

  void clear() {
    n_steps = 0;
    step_start.assign(1, 0);
    index.clear();
  }
  void push(int i) { index.push_back(static_cast<std::uint16_t>(i)); }
  void end_step() {
    step_start.push_back(static_cast<std::uint32_t>(index.size()));
    ++n_steps;
  }
  std::span<const std::uint16_t> at(int t) const {
    return {index.data() + step_start[static_cast<std::size_t>(t)],
            index.data() + step_start[static_cast<std::size_t>(t) + 1]};
  }
  std::size_t n_spikes() const { return index.size(); }
};

}  // namespace eisnn
