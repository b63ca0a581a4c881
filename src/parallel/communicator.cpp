#include "eisnn/parallel/communicator.hpp"

#include "eisnn/error.hpp"

namespace eisnn {
namespace {

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::byte> all_gather(std::span<const std::byte> mine) override {
    return {mine.begin(), mine.end()};
  }
  bool any(bool value) override { return value; }
  void barrier() override {}
  std::unique_ptr<Communicator> split(int) override { return make_serial_communicator(); }
};

}  // namespace

std::unique_ptr<Communicator> make_serial_communicator() {
  return std::make_unique<SerialCommunicator>();
}

Share share_of(int n, int rank, int size) {
  EISNN_ASSERT(n >= 0 && size > 0 && rank >= 0 && rank < size);
  const auto at = [&](int r) { return static_cast<int>(static_cast<std::int64_t>(n) * r / size); };
  return {at(rank), at(rank + 1)};
}

}  // namespace eisnn
