// The gradient file: one batch's network, inputs, loss terms, weight
// gradients, spikes and readout, all dense and self-describing, so that the
// gradient can be checked against any other implementation (layout:
// docs/gradient-file.md; the check: tests/python/test_gradient.py).
#pragma once

#include <filesystem>

#include "eisnn/config.hpp"
#include "eisnn/network.hpp"
#include "eisnn/train/bptt.hpp"

namespace eisnn {

void write_gradient_file(const std::filesystem::path& path, const Network& net,
                         const Config& config, const BatchData& batch, const BatchOutcome& outcome,
                         const WeightGradients& grads);

}  // namespace eisnn
