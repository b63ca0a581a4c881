// The CNN front end: converted weights, and every layer against an
// independent numpy forward pass (python/reference/cnn_numpy.py).
#include <gtest/gtest.h>

#include <cmath>

#include "eisnn/io/h5.hpp"
#include "eisnn/task/cnn.hpp"
#include "eisnn/task/stimulus.hpp"
#include "task_test_util.hpp"

namespace eisnn::task {
namespace {

using testing::expect_input_error;
using testing::TempDir;

TEST(Cnn, BundledWeightsLoadWithTheirShapesAndChecksum) {
  const auto file = resolve_cnn_weights("ch_model6");
  EXPECT_EQ(file, std::filesystem::path(EISNN_SOURCE_DIR) / "data/front-end-cnn/ch_model6.h5");
  const CnnWeights w = load_cnn_weights(file);
  EXPECT_EQ(w.conv3d_kernel.size(), 6u * 3 * 6 * 3 * 8);
  EXPECT_EQ(w.conv2d_1_kernel.size(), 3u * 6 * 8 * 16);
  EXPECT_EQ(w.conv2d_2_kernel.size(), 3u * 6 * 16 * 16);
  // Checksum written by scripts/convert_cnn_weights.py from the text files.
  EXPECT_EQ(w.checksum, "453c2cc02978ca08");
  // First values of the text files in shared/data/front-end-cnn/ch_model6.
  EXPECT_FLOAT_EQ(w.conv3d_kernel[0], -0.0140180346f);
  EXPECT_FLOAT_EQ(w.conv3d_bias[0], -0.018225098f);
  EXPECT_FLOAT_EQ(w.conv2d_1_kernel[0], 0.0494918004f);
  EXPECT_FLOAT_EQ(w.conv2d_2_bias[0], -0.0185127743f);
  EXPECT_NE(load_cnn_weights(resolve_cnn_weights("ch_model4")).checksum, w.checksum);
}

TEST(Cnn, MissingOrMalformedWeightsFileIsAnInputErrorNamingIt) {
  TempDir dir;
  expect_input_error([&] { load_cnn_weights(dir / "nope.h5"); }, {"nope.h5", "does not exist"});
  expect_input_error([&] { load_cnn_weights(resolve_cnn_weights("ch_model99")); },
                     {"ch_model99.h5", "does not exist"});
  {
    h5::File f = h5::File::create(dir / "bad.h5");
    f.write<float>("conv3d/kernel", std::vector<float>(6 * 3 * 6 * 8), {6, 3, 6, 8});
  }
  expect_input_error([&] { load_cnn_weights(dir / "bad.h5"); }, {"bad.h5", "conv3d/kernel"});
}

// A clip of a real trial around its change, frames [40][36][64].
std::vector<std::uint8_t> test_clip(int n_frames) {
  const TaskParams p;
  const DotMotion dots(p);
  std::vector<std::uint8_t> movie(240 * 36 * 64);
  dots.movie(TrialSpec{0, 0, 100, 90.0}, 7, 0, movie.data());
  const std::size_t first = 80 * 36 * 64;
  return {movie.begin() + first, movie.begin() + first + n_frames * 36 * 64};
}

TEST(Cnn, EveryLayerMatchesAnIndependentNumpyForwardTo1e5) {
  ASSERT_TRUE(testing::have_python())
      << EISNN_PYTHON << " with numpy and h5py not found (scripts/install-deps.sh installs them)";
  TempDir dir;
  const int n_frames = 40;
  const std::vector<std::uint8_t> clip = test_clip(n_frames);
  {
    h5::File f = h5::File::create(dir / "clip.h5");
    f.write<std::uint8_t>("frames", clip, {std::size_t(n_frames), 36, 64});
  }
  const auto weights = resolve_cnn_weights("ch_model6");
  const std::string cmd = std::string(EISNN_PYTHON) + " " + EISNN_SOURCE_DIR +
                          "/python/reference/cnn_numpy.py " + weights.string() + " " +
                          (dir / "clip.h5").string() + " " + (dir / "ref.h5").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const CnnFrontEnd cnn(load_cnn_weights(weights));
  std::vector<float> out(n_frames / 4 * 16);
  CnnTrace trace;
  cnn.forward(clip.data(), n_frames, 36, 64, out.data(), &trace);

  const h5::File ref = h5::File::open(dir / "ref.h5");
  const std::size_t n_steps = n_frames / 4;
  const auto compare = [&](const std::string& name, const std::vector<float>& ours,
                           const h5::Shape& shape) {
    const std::vector<double> theirs = ref.read<double>(name, shape);
    ASSERT_EQ(theirs.size(), ours.size()) << name;
    double worst = 0;
    for (std::size_t i = 0; i < ours.size(); ++i)
      worst = std::max(worst, std::fabs(ours[i] - theirs[i]));
    EXPECT_LT(worst, 1e-5) << name;
  };
  compare("stage1", trace.stage1, {n_steps, 18, 32, 8});
  compare("stage2", trace.stage2, {n_steps, 9, 16, 16});
  compare("stage3", trace.stage3, {n_steps, 4, 8, 16});
  compare("out", out, {n_steps, 16});

  // Not trivially zero or saturated.
  double spread = 0;
  for (float v : out) spread = std::max(spread, double(std::fabs(v)));
  EXPECT_GT(spread, 0.05);
}

TEST(Cnn, BlankMovieGivesTheSameOutputEveryStep) {
  const CnnFrontEnd cnn(load_cnn_weights(resolve_cnn_weights("ch_model6")));
  std::vector<std::uint8_t> blank(40 * 36 * 64, 0);
  std::vector<float> out(10 * 16);
  cnn.forward(blank.data(), 40, 36, 64, out.data());
  for (int s = 1; s < 10; ++s)
    for (int c = 0; c < 16; ++c) EXPECT_EQ(out[s * 16 + c], out[c]);
}

}  // namespace
}  // namespace eisnn::task
