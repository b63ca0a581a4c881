// One training update of the default network: 30 trials x 4080 ms, forward
// with tape, backward, Adam, Dale's masks and rewiring. Target: at most 0.3 s
// on 2 cores. Also the cost for other sizes N and trial lengths T.
#include <benchmark/benchmark.h>

#include "training_setup.hpp"

namespace {

using namespace eisnn;
using eisnn::bench::Setup;

void BM_TrainingUpdate(benchmark::State& state) {
  const int n_units = static_cast<int>(state.range(0));
  const int n_steps = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  Setup s(n_units, n_steps, 30);
  Bptt bptt;
  WeightGradients grads;
  std::uint64_t update = 0, active = 0, spikes = 0;
  for (auto _ : state) {
    const BatchOutcome out = s.update(bptt, grads, threads, update++);
    active += out.n_active;
    spikes += out.n_spikes;
  }
  const double unit_steps = static_cast<double>(state.iterations()) * 30 * n_steps * n_units;
  state.counters["active_frac"] = static_cast<double>(active) / unit_steps;
  state.counters["rate_Hz"] = 1000.0 * static_cast<double>(spikes) / unit_steps;
}
BENCHMARK(BM_TrainingUpdate)
    ->ArgNames({"N", "T", "threads"})
    ->Args({300, 4080, 1})
    ->Args({300, 4080, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// How the cost grows with network size and trial length (2 threads).
BENCHMARK(BM_TrainingUpdate)
    ->Name("BM_TrainingUpdate_scaling")
    ->ArgNames({"N", "T", "threads"})
    ->ArgsProduct({{300, 1000, 3000}, {1000, 4080, 10000}, {2}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
