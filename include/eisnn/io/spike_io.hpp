// Spikes and readouts of a batch of trials in HDF5 (the spikes layout of
// docs/file-formats.md): spike times and units per trial, flattened with
// trial offsets, and the readout of every trial and step.
#pragma once

#include <vector>

#include "eisnn/io/h5.hpp"
#include "eisnn/network.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn {

// Writes /spikes/{trial_start, time_ms, unit} with attributes and /output/y
// [n_trials, n_steps, n_out]; with `record` not empty also /voltage/{units, v_mV}.
void write_trial_results(h5::File& f, const Network& net, const std::vector<TrialResult>& results,
                         int n_steps, const std::vector<int>& record = {});

}  // namespace eisnn
