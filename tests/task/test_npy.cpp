// NumPy .npy reader: round trip and malformed files.
#include <gtest/gtest.h>

#include <fstream>

#include "eisnn/task/npy.hpp"
#include "task_test_util.hpp"

namespace eisnn::task {
namespace {

using testing::expect_input_error;
using testing::TempDir;

TEST(Npy, RoundTripOfFloatAndByteArrays) {
  TempDir dir;
  const std::vector<float> f = {0.0f, 0.5f, 1.0f, 0.25f, 0.125f, 1e-3f};
  write_npy(dir / "f.npy", f, {2, 3});
  const NpyArray a = read_npy(dir / "f.npy");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.to_float(), f);
  const std::vector<std::uint8_t> u = {0, 1, 1, 0};
  write_npy(dir / "u.npy", u, {4});
  EXPECT_EQ(read_npy(dir / "u.npy").to_double(), (std::vector<double>{0, 1, 1, 0}));
}

TEST(Npy, ReadsWhatNumpyWrites) {
  ASSERT_TRUE(testing::have_python()) << "numpy not found (scripts/install-deps.sh installs it)";
  TempDir dir;
  const std::string cmd = std::string(EISNN_PYTHON) + " -c \"import numpy as np; np.save('" +
                          (dir / "a.npy").string() +
                          "', np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 24)\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const NpyArray a = read_npy(dir / "a.npy");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3, 4}));
  EXPECT_DOUBLE_EQ(a.to_double()[23], 23.0 / 24);
}

TEST(Npy, MalformedFilesAreInputErrors) {
  TempDir dir;
  std::ofstream(dir / "junk.npy") << "not numpy at all";
  expect_input_error([&] { read_npy(dir / "junk.npy"); }, {"junk.npy", "magic"});
  write_npy(dir / "f.npy", std::vector<float>(100, 0.5f), {100});
  std::filesystem::resize_file(dir / "f.npy", 200);
  expect_input_error([&] { read_npy(dir / "f.npy"); }, {"f.npy", "truncated"});
  expect_input_error([&] { read_npz(dir / "f.npy", "rates"); }, {"f.npy", "zip"});
}

}  // namespace
}  // namespace eisnn::task
