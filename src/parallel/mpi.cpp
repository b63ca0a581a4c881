#include "eisnn/parallel/mpi.hpp"

#include <climits>
#include <cstdlib>
#include <string>

#include "eisnn/error.hpp"

#if EISNN_WITH_MPI
#include <mpi.h>
#endif

namespace eisnn::mpi {
namespace {

// Number of processes the launcher started, 0 if none did.
int launched_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  for (const char* name : {"PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return 1;
  return 0;
}

#if EISNN_WITH_MPI
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(MPI_Comm comm, bool owned) : comm_(comm), owned_(owned) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    if (owned_) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::byte> all_gather(std::span<const std::byte> mine) override {
    const auto my_size = static_cast<long long>(mine.size());
    std::vector<long long> sizes(static_cast<std::size_t>(size_));
    MPI_Allgather(&my_size, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, comm_);
    std::vector<int> counts(sizes.size()), offsets(sizes.size());
    long long total = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      // MPI counts are int: a contribution of 2 GiB or more would need chunking.
      EISNN_ASSERT(sizes[r] <= INT_MAX && total + sizes[r] <= INT_MAX);
      counts[r] = static_cast<int>(sizes[r]);
      offsets[r] = static_cast<int>(total);
      total += sizes[r];
    }
    std::vector<std::byte> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine.data(), static_cast<int>(my_size), MPI_BYTE, all.data(), counts.data(),
                   offsets.data(), MPI_BYTE, comm_);
    bytes_received_ += static_cast<std::uint64_t>(total - my_size);
    return all;
  }

  bool any(bool value) override {
    int mine = value ? 1 : 0, result = 0;
    MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_MAX, comm_);
    return result != 0;
  }

  void barrier() override { MPI_Barrier(comm_); }

  std::unique_ptr<Communicator> split(int color) override {
    MPI_Comm part;
    MPI_Comm_split(comm_, color, rank_, &part);
    return std::make_unique<MpiCommunicator>(part, true);
  }

 private:
  MPI_Comm comm_;
  bool owned_;
  int rank_ = 0, size_ = 1;
};
#endif

}  // namespace

bool built_with_mpi() {
  return EISNN_WITH_MPI != 0;
}

bool launched_by_mpi() {
  return launched_size() > 0;
}

Session::Session([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#if EISNN_WITH_MPI
  if (launched_by_mpi()) {
    // Training a network with several ranks calls MPI from one worker thread
    // at a time, not always the main one.
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    active_ = true;
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      active_ = false;
      throw InputError("the MPI library does not support MPI_THREAD_SERIALIZED, which eisnn needs");
    }
    world_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, false);
    return;
  }
#else
  if (launched_size() > 1)
    throw InputError("an MPI launcher started " + std::to_string(launched_size()) +
                     " processes, but this eisnn was built without MPI, so each would run the "
                     "whole job alone; rebuild with -DEISNN_WITH_MPI=ON (OpenMPI installed) or "
                     "run one process");
#endif
  world_ = make_serial_communicator();
}

Session::~Session() {
  world_.reset();
#if EISNN_WITH_MPI
  if (active_) MPI_Finalize();
#endif
}

void Session::abort(int exit_code) {
#if EISNN_WITH_MPI
  if (active_) MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
  std::exit(exit_code);
}

}  // namespace eisnn::mpi
