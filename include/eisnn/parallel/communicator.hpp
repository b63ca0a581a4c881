// The ranks that work together on one job: all of them when a run is spread
// over an MPI job, one in an ordinary process. The library exchanges data
// through this interface only, so a run gives the same numbers whether it
// runs alone or over many ranks (parallel/mpi.hpp provides the MPI one).
//
// Every call is collective: every rank of the communicator must make the same
// calls in the same order, from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "eisnn/error.hpp"

namespace eisnn {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // The contributions of all ranks, concatenated in rank order, on every rank.
  // Contributions may differ in size.
  virtual std::vector<std::byte> all_gather(std::span<const std::byte> mine) = 0;

  // True on every rank if `value` is true on any rank.
  virtual bool any(bool value) = 0;

  virtual void barrier() = 0;

  // Ranks passing the same `color` form a new communicator, ordered by rank.
  virtual std::unique_ptr<Communicator> split(int color) = 0;

  // Bytes this rank received from other ranks so far.
  std::uint64_t bytes_received() const { return bytes_received_; }

 protected:
  std::uint64_t bytes_received_ = 0;
};

// A communicator of one rank: gathers return what was given, nothing moves.
std::unique_ptr<Communicator> make_serial_communicator();

// The first and one-past-last of `n` items (trials, jobs) that `rank` of
// `size` ranks takes: contiguous blocks, sizes differing by at most one, in
// rank order.
struct Share {
  int begin = 0, end = 0;
  int size() const { return end - begin; }
  bool contains(int i) const { return i >= begin && i < end; }
};
Share share_of(int n, int rank, int size);

// Values laid end to end for an exchange, and read back in the same order.
// When every rank packs its share of items in item order, the all_gather
// of the packs holds all items in item order.
class Packer {
 public:
  template <class T>
  void put(std::span<const T> values) {
    const auto bytes = std::as_bytes(values);
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  }
  template <class T>
  void put(const T& value) {
    put(std::span<const T>(&value, 1));
  }
  void put(const std::string& text) {
    put(static_cast<std::uint64_t>(text.size()));
    put(std::span<const char>(text));
  }
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class Unpacker {
 public:
  explicit Unpacker(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <class T>
  void get(std::vector<T>& values, std::size_t n) {
    values.resize(n);
    take(values.data(), n * sizeof(T));
  }
  template <class T>
  void get(T& value) {
    take(&value, sizeof(T));
  }
  void get(std::string& text) {
    std::uint64_t n = 0;
    get(n);
    text.resize(n);
    take(text.data(), n);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  void take(void* to, std::size_t n) {
    EISNN_ASSERT(at_ + n <= bytes_.size());
    if (n > 0) std::memcpy(to, bytes_.data() + at_, n);
    at_ += n;
  }
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

// all_gather of trivially copyable values.
template <class T>
std::vector<T> all_gather(Communicator& comm, std::span<const T> mine) {
  const std::vector<std::byte> all = comm.all_gather(std::as_bytes(mine));
  std::vector<T> out(all.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), all.data(), out.size() * sizeof(T));
  return out;
}

// Sum of one value per rank, added in rank order (the same on every rank).
inline double sum_over_ranks(Communicator& comm, double value) {
  double sum = 0;
  for (double x : all_gather(comm, std::span<const double>(&value, 1))) sum += x;
  return sum;
}

}  // namespace eisnn
