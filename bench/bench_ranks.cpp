// One training update of the default network (N 300, 30 trials x 4080 ms)
// with its trials split over the ranks of an MPI job. Run by
// bench/compare_ranks.sh as 1 rank of 1 thread, 2 ranks of 1 thread and
// 1 rank of 2 threads; target: 2 ranks at least 1.8x faster than 1 rank.
//
// Every rank runs the same fixed number of iterations (collective calls must
// match); rank 0 reports. Counter bytes_per_update: what rank 0 received.
#include <benchmark/benchmark.h>

#include "eisnn/parallel/mpi.hpp"
#include "training_setup.hpp"

namespace {

using namespace eisnn;

Communicator* g_world = nullptr;

void BM_UpdateOverRanks(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  bench::Setup s(300, 4080, 30);
  Bptt bptt;
  WeightGradients grads;
  std::uint64_t update = 0;
  s.update(bptt, grads, threads, update++, g_world);  // first touch of the buffers
  const std::uint64_t received_before = g_world->bytes_received();
  for (auto _ : state) s.update(bptt, grads, threads, update++, g_world);
  state.counters["ranks"] = g_world->size();
  state.counters["bytes_per_update"] =
      static_cast<double>(g_world->bytes_received() - received_before) /
      static_cast<double>(state.iterations());
}
BENCHMARK(BM_UpdateOverRanks)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  mpi::Session session(argc, argv);
  g_world = &session.world();
  benchmark::Initialize(&argc, argv);
  if (g_world->rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    SilentReporter silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  return 0;
}
