// Time to build the task dataset (dot movies + the study's CNN, OpenMP over
// trials) and to read it back from the cache. Targets (issue 3): the default
// 600 trials in at most 60 s on 2 cores; the cached file in under 1 s.
//
//   build/bench/bench_dataset                       # default: 600 trials
//   build/bench/bench_dataset --benchmark_filter=Movie
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "eisnn/config.hpp"
#include "eisnn/task/cnn.hpp"
#include "eisnn/task/dataset.hpp"

namespace {

using namespace eisnn;

std::filesystem::path cache_dir() {
  return std::filesystem::temp_directory_path() /
         ("eisnn-bench-dataset-" + std::to_string(::getpid()));
}

// One trial's movie (240 frames, render + resize), single thread.
void BM_Movie(benchmark::State& state) {
  const TaskParams p;
  const task::DotMotion dots(p);
  const auto table = task::make_trial_table(p, 1);
  std::vector<std::uint8_t> frames(std::size_t(p.n_frames) * p.frame_w_px * p.frame_h_px);
  int i = 0;
  for (auto _ : state) {
    dots.movie(table[i % 600], 1, i % 600, frames.data());
    ++i;
  }
}
BENCHMARK(BM_Movie)->Unit(benchmark::kMillisecond);

// The CNN on one trial's movie, single thread.
void BM_Cnn(benchmark::State& state) {
  const TaskParams p;
  const task::DotMotion dots(p);
  const task::CnnFrontEnd cnn(task::load_cnn_weights(task::resolve_cnn_weights(p.cnn_weights)));
  std::vector<std::uint8_t> frames(std::size_t(p.n_frames) * p.frame_w_px * p.frame_h_px);
  dots.movie(task::make_trial_table(p, 1)[0], 1, 0, frames.data());
  std::vector<float> out(p.n_frames / 4 * 16);
  for (auto _ : state)
    cnn.forward(frames.data(), p.n_frames, p.frame_h_px, p.frame_w_px, out.data());
}
BENCHMARK(BM_Cnn)->Unit(benchmark::kMillisecond);

// The default dataset, built from scratch (all cores), then read from the cache.
void BM_BuildDefaultDataset(benchmark::State& state) {
  Config config;
  for (auto _ : state) {
    std::filesystem::remove_all(cache_dir());
    bool built = false;
    const auto d = task::load_or_build_dataset(config, cache_dir(), {}, &built);
    if (!built) state.SkipWithError("dataset was not built");
    benchmark::DoNotOptimize(d.rates.data());
  }
  state.counters["trials"] = config.task.n_trials;
}
BENCHMARK(BM_BuildDefaultDataset)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_LoadCachedDataset(benchmark::State& state) {
  Config config;
  task::load_or_build_dataset(config, cache_dir());  // builds it if the benchmark above did not run
  for (auto _ : state) {
    bool built = true;
    const auto d = task::load_or_build_dataset(config, cache_dir(), {}, &built);
    if (built) state.SkipWithError("cache missed");
    benchmark::DoNotOptimize(d.rates.data());
  }
  std::filesystem::remove_all(cache_dir());
}
BENCHMARK(BM_LoadCachedDataset)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
