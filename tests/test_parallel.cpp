// Work spread over ranks: the shares, the packing of exchanged values, and
// training over several ranks, simulated by threads of this process, which
// must give the same weights and scores as one process.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "eisnn/parallel/communicator.hpp"
#include "eisnn/train/trainer.hpp"
#include "small_run.hpp"

namespace eisnn {
namespace {

using testing::fresh_dir;
using testing::small_config;
using testing::synthetic_dataset;

// Ranks that are threads of one process; they meet at a barrier for every
// collective call.
class ThreadRanks {
 public:
  explicit ThreadRanks(int n) : sync_(n), slots_(static_cast<std::size_t>(n)) {}

  class Rank final : public Communicator {
   public:
    Rank(ThreadRanks& all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(all_.slots_.size()); }
    std::vector<std::byte> all_gather(std::span<const std::byte> mine) override {
      all_.slots_[static_cast<std::size_t>(rank_)].assign(mine.begin(), mine.end());
      all_.sync_.arrive_and_wait();
      std::vector<std::byte> all;
      for (const auto& slot : all_.slots_) all.insert(all.end(), slot.begin(), slot.end());
      all_.sync_.arrive_and_wait();  // nobody overwrites a slot before everyone has read it
      bytes_received_ += all.size() - mine.size();
      return all;
    }
    bool any(bool value) override {
      const std::byte mine{static_cast<unsigned char>(value)};
      for (std::byte b : all_gather(std::span<const std::byte>(&mine, 1)))
        if (b != std::byte{0}) return true;
      return false;
    }
    void barrier() override { all_.sync_.arrive_and_wait(); }
    std::unique_ptr<Communicator> split(int) override {
      ADD_FAILURE() << "split is not simulated";
      return make_serial_communicator();
    }

   private:
    ThreadRanks& all_;
    int rank_;
  };

  // Runs work(rank) on every rank at once.
  template <class Work>
  void run(Work work) {
    std::vector<std::thread> threads;
    for (int r = 0; r < static_cast<int>(slots_.size()); ++r)
      threads.emplace_back([&, r] {
        Rank rank(*this, r);
        work(rank);
      });
    for (auto& t : threads) t.join();
  }

 private:
  std::barrier<> sync_;
  std::vector<std::vector<std::byte>> slots_;
};

TEST(Share, ContiguousBalancedAndComplete) {
  for (int n : {0, 1, 4, 7, 30})
    for (int size : {1, 2, 3, 5, 8}) {
      int next = 0;
      for (int r = 0; r < size; ++r) {
        const Share s = share_of(n, r, size);
        EXPECT_EQ(s.begin, next);
        EXPECT_GE(s.size(), n / size);
        EXPECT_LE(s.size(), n / size + 1);
        next = s.end;
      }
      EXPECT_EQ(next, n);
    }
}

TEST(Share, TrialsOfARankAreWholeGroupsOfLanes) {
  // 20 trials are groups of 8, 8 and 4; over 2 ranks the first takes one group.
  EXPECT_EQ(Bptt::trials_of_rank(20, 0, 2).begin, 0);
  EXPECT_EQ(Bptt::trials_of_rank(20, 0, 2).end, 8);
  EXPECT_EQ(Bptt::trials_of_rank(20, 1, 2).end, 20);
  // More ranks than groups: some ranks have no trials.
  EXPECT_EQ(Bptt::trials_of_rank(8, 0, 2).size(), 0);
  EXPECT_EQ(Bptt::trials_of_rank(8, 1, 2).size(), 8);
}

TEST(Packer, ValuesComeBackInOrder) {
  Packer p;
  p.put(std::int64_t{-7});
  p.put(std::string("rank 1: failed"));
  const std::vector<float> v = {1.5f, -2.0f};
  p.put(std::span<const float>(v));
  p.put(std::string());
  Unpacker u(p.bytes());
  std::int64_t i = 0;
  std::string a, b = "x";
  std::vector<float> w;
  u.get(i);
  u.get(a);
  u.get(w, 2);
  u.get(b);
  EXPECT_EQ(i, -7);
  EXPECT_EQ(a, "rank 1: failed");
  EXPECT_EQ(w, v);
  EXPECT_EQ(b, "");
  EXPECT_TRUE(u.done());
}

// Batches of 20 trials are 3 groups of 8 lanes: 2 ranks split them unevenly,
// 3 take one each, 4 leave one rank without trials.
class TrainingOverRanks : public ::testing::TestWithParam<int> {};

TEST_P(TrainingOverRanks, EqualsOneProcess) {
  const int n_ranks = GetParam();
  const task::Dataset data = synthetic_dataset(60);
  const Config c = small_config({"training.batch_size=20", "training.threads=1"});
  Trainer alone(c, data, fresh_dir("alone"));
  ASSERT_TRUE(alone.run());

  const auto dir = fresh_dir("ranks" + std::to_string(n_ranks));
  std::vector<Network> nets(static_cast<std::size_t>(n_ranks));
  std::vector<std::vector<EvalRecord>> evals(nets.size());
  std::vector<std::uint64_t> received(nets.size());
  ThreadRanks ranks(n_ranks);
  ranks.run([&](Communicator& comm) {
    Trainer t(c, data, dir, &comm);
    EXPECT_TRUE(t.run());
    const auto r = static_cast<std::size_t>(comm.rank());
    nets[r] = t.network();
    evals[r] = t.evals();
    received[r] = comm.bytes_received();
  });

  for (int r = 0; r < n_ranks; ++r) {
    SCOPED_TRACE("rank " + std::to_string(r));
    const Network& net = nets[static_cast<std::size_t>(r)];
    EXPECT_EQ(net.w_rec.post, alone.network().w_rec.post);
    EXPECT_EQ(net.w_rec.w_mV, alone.network().w_rec.w_mV);
    EXPECT_EQ(net.w_in.w_mV, alone.network().w_in.w_mV);
    EXPECT_EQ(net.w_out.w_mV, alone.network().w_out.w_mV);
    const auto& e = evals[static_cast<std::size_t>(r)];
    ASSERT_EQ(e.size(), alone.evals().size());
    for (std::size_t k = 0; k < e.size(); ++k) {
      EXPECT_EQ(e[k].score.per_ms_accuracy, alone.evals()[k].score.per_ms_accuracy);
      EXPECT_EQ(e[k].score.mse, alone.evals()[k].score.mse);
      EXPECT_EQ(e[k].rate_e_hz, alone.evals()[k].rate_e_hz);
    }
    EXPECT_GT(received[static_cast<std::size_t>(r)], 0u);
  }
  EXPECT_NE(alone.network().w_rec.w_mV, build_network(c).w_rec.w_mV) << "training changed nothing";
  // Only rank 0 writes the run's files.
  EXPECT_TRUE(std::filesystem::exists(dir / "network.h5"));
  EXPECT_TRUE(std::filesystem::exists(dir / "checkpoint.h5"));
}

INSTANTIATE_TEST_SUITE_P(Ranks, TrainingOverRanks, ::testing::Values(2, 3, 4));

}  // namespace
}  // namespace eisnn
