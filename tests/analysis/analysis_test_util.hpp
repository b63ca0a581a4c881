// Small configurations and a synthetic task for the analysis tests: those of
// tests/small_run.hpp.
#pragma once

#include "../small_run.hpp"

namespace eisnn::analysis::testing {

using eisnn::testing::fresh_dir;
using eisnn::testing::small_config;
using eisnn::testing::small_overrides;
using eisnn::testing::synthetic_dataset;

}  // namespace eisnn::analysis::testing
