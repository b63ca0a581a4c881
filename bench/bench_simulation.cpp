// Forward simulation of the default network: 30 trials x 4080 ms, the batch
// of one training update. Reports trial-seconds simulated per wall second and
// synaptic events per second. Target: the whole batch in at most 0.1 s on 2 cores.
#include <benchmark/benchmark.h>
#include <omp.h>

#include "eisnn/config.hpp"
#include "eisnn/simulation.hpp"

namespace {

void BM_SimulateDefaultBatch(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const eisnn::Config config = eisnn::load_config("", {});
  const eisnn::Network net = eisnn::build_network(config);
  const int n_trials = 30, n_steps = 4080;
  // 0.17 per ms is the mean rate the study's CNN front end produces.
  const std::vector<float> rates(static_cast<std::size_t>(n_steps) * net.n_in, 0.17f);
  eisnn::BatchRequest request;
  request.n_trials = n_trials;
  request.n_steps = n_steps;
  request.rates = [&](int) { return rates.data(); };
  request.seed = config.seed;
  request.threads = threads;

  std::uint64_t events = 0, spikes = 0;
  for (auto _ : state) {
    const auto results = eisnn::simulate_batch(net, config, request);
    for (const auto& r : results) {
      events += r.n_synaptic_events;
      spikes += r.spikes.n_spikes();
    }
    benchmark::DoNotOptimize(results.data());
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["trial_s_per_s"] =
      benchmark::Counter(n_trials * n_steps / 1000.0 * iterations, benchmark::Counter::kIsRate);
  state.counters["syn_events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["rate_Hz"] =
      1000.0 * static_cast<double>(spikes) / (iterations * n_trials * n_steps * net.n_units());
}
BENCHMARK(BM_SimulateDefaultBatch)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
