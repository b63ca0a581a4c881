// The video CNN front end of Zhu et al. (2026), with the trained weights of
// C16Mftang/front-end-CNN (MIT, Copyright (c) 2021 Mufeng Tang; converted by
// scripts/convert_cnn_weights.py into data/front-end-cnn/*.h5).
//
// Per trial, frames [T][H][W] (the study's RGB with three equal channels)
// pass through
//   Conv3D 8 filters, kernel t6 x h3 x w6, SAME, tanh -> max-pool (4, 2, 2)
//   Conv2D 16, 3 x 6, SAME, tanh -> max-pool 2 x 2
//   Conv2D 16, 3 x 6, SAME, tanh -> max-pool 2 x 2
//   mean over the remaining positions -> [T/4][16]
// TensorFlow's SAME padding puts (k - 1) / 2 zeros before and the rest after.
// Pixel values are 0-255 as the study fed them (no scaling).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace eisnn::task {

struct CnnWeights {
  std::vector<float> conv3d_kernel;    // [6][3][6][3][8]  t, h, w, in, out
  std::vector<float> conv3d_bias;      // [8]
  std::vector<float> conv2d_1_kernel;  // [3][6][8][16]    h, w, in, out
  std::vector<float> conv2d_1_bias;    // [16]
  std::vector<float> conv2d_2_kernel;  // [3][6][16][16]
  std::vector<float> conv2d_2_bias;    // [16]
  std::string checksum;                // FNV-1a 64 of the arrays above, hex
  std::filesystem::path file;
};

// "ch_model6" or "ch_model4" name the bundled files in
// <source_dir>/data/front-end-cnn; anything else is a path.
std::filesystem::path resolve_cnn_weights(const std::string& name_or_path);

// Reads and checks (shapes, checksum) a weights file; throws InputError
// naming the file and the problem.
CnnWeights load_cnn_weights(const std::filesystem::path& file);

// FNV-1a 64 over the little-endian float32 bytes of the six conv arrays, hex.
std::string cnn_checksum(const CnnWeights& w);

// Outputs of each stage, after tanh and pooling (for tests and inspection).
struct CnnTrace {
  std::vector<float> stage1;  // [T/4][H/2][W/2][8]
  std::vector<float> stage2;  // [T/4][H/4][W/4][16]
  std::vector<float> stage3;  // [T/4][H/8][W/8][16]
};

class CnnFrontEnd {
 public:
  static constexpr int kChannels = 16;
  static constexpr int kFramesPerStep = 4;

  explicit CnnFrontEnd(CnnWeights weights);

  // frames [n_frames][h][w] 0-255 -> out [n_frames/4][16] (signed; rates are |out|).
  // Thread-safe: all working memory is local to the call.
  void forward(const std::uint8_t* frames, int n_frames, int h, int w, float* out,
               CnnTrace* trace = nullptr) const;

  const CnnWeights& weights() const { return w_; }

 private:
  CnnWeights w_;
  std::vector<double> k3_summed_;  // [6][3][6][8]: Conv3D kernel summed over the 3 equal inputs
};

}  // namespace eisnn::task
