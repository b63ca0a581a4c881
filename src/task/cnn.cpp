// The study's video CNN front end (Zhu et al. 2026; C16Mftang/front-end-CNN).
#include "eisnn/task/cnn.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/version.hpp"

namespace eisnn::task {
namespace {

constexpr int kT3 = 6, kH3 = 3, kW3 = 6, kIn3 = 3, kOut3 = 8;  // Conv3D kernel
constexpr int kH2 = 3, kW2 = 6;                                // Conv2D kernels
constexpr int kC1 = 16, kC2 = 16;

std::uint64_t fnv1a(std::uint64_t h, const std::vector<float>& values) {
  static_assert(std::endian::native == std::endian::little,
                "checksum assumes little-endian floats");
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (std::size_t i = 0; i < values.size() * sizeof(float); ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

// The compiler's auto-vectoriser leaves these small fixed-width updates
// scalar; GCC/Clang vector extensions make them 2- and 4-wide without
// committing to an instruction set.
using f64x2 = double __attribute__((vector_size(16)));
using f32x4 = float __attribute__((vector_size(16)));

template <class V, class T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V, class T>
inline void store(T* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// a[0..8) += x * k[0..8)
inline void axpy8(double x, const double* k, double* a) {
  const f64x2 xv = {x, x};
  for (int i = 0; i < 8; i += 2) store(a + i, load<f64x2>(a + i) + xv * load<f64x2>(k + i));
}

// Conv2D (SAME, stride 1) + bias, max-pool 2 x 2 (floor), tanh, on one image.
// in [h][w][CIN], kernel [kH2][kW2][CIN][COUT], out [h/2][w/2][COUT].
template <int CIN, int COUT>
void conv2d_pool_tanh(const float* in, int h, int w, const float* kernel, const float* bias,
                      float* out, std::vector<float>& scratch) {
  scratch.resize(static_cast<std::size_t>(h) * w * COUT);
  constexpr int pad_h = (kH2 - 1) / 2, pad_w = (kW2 - 1) / 2;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      static_assert(COUT % 4 == 0);
      f32x4 acc[COUT / 4];
      for (int j = 0; j < COUT / 4; ++j) acc[j] = load<f32x4>(bias + 4 * j);
      for (int ky = 0; ky < kH2; ++ky) {
        const int iy = y + ky - pad_h;
        if (iy < 0 || iy >= h) continue;
        for (int kx = 0; kx < kW2; ++kx) {
          const int ix = x + kx - pad_w;
          if (ix < 0 || ix >= w) continue;
          const float* xin = in + (static_cast<std::size_t>(iy) * w + ix) * CIN;
          const float* k = kernel + static_cast<std::size_t>(ky * kW2 + kx) * CIN * COUT;
          // Innermost loop over the output channels: contiguous kernel rows.
          for (int ci = 0; ci < CIN; ++ci) {
            const f32x4 v = {xin[ci], xin[ci], xin[ci], xin[ci]};
            for (int j = 0; j < COUT / 4; ++j) acc[j] += v * load<f32x4>(k + ci * COUT + 4 * j);
          }
        }
      }
      float* o = &scratch[(static_cast<std::size_t>(y) * w + x) * COUT];
      for (int j = 0; j < COUT / 4; ++j) store(o + 4 * j, acc[j]);
    }
  }
  // tanh is increasing, so pooling before it gives the same maximum with a
  // quarter of the tanh calls.
  const int ph = h / 2, pw = w / 2;
  for (int y = 0; y < ph; ++y) {
    for (int x = 0; x < pw; ++x) {
      for (int co = 0; co < COUT; ++co) {
        float m = -std::numeric_limits<float>::infinity();
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx)
            m = std::max(
                m, scratch[((static_cast<std::size_t>(2 * y + dy)) * w + 2 * x + dx) * COUT + co]);
        out[(static_cast<std::size_t>(y) * pw + x) * COUT + co] = std::tanh(m);
      }
    }
  }
}

}  // namespace

std::filesystem::path resolve_cnn_weights(const std::string& name_or_path) {
  if (name_or_path.empty()) throw InputError("[task] cnn_weights is empty: name a model or a file");
  if (name_or_path.find('/') == std::string::npos && name_or_path.find('.') == std::string::npos)
    return std::filesystem::path(source_dir()) / "data" / "front-end-cnn" / (name_or_path + ".h5");
  return name_or_path;
}

std::string cnn_checksum(const CnnWeights& w) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto* a : {&w.conv3d_kernel, &w.conv3d_bias, &w.conv2d_1_kernel, &w.conv2d_1_bias,
                        &w.conv2d_2_kernel, &w.conv2d_2_bias})
    h = fnv1a(h, *a);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

CnnWeights load_cnn_weights(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file))
    throw InputError("CNN weights file '" + file.string() +
                     "' does not exist (set [task] cnn_weights to ch_model6, ch_model4 or an "
                     ".h5 file written by scripts/convert_cnn_weights.py)");
  const h5::File f = h5::File::open(file);
  CnnWeights w;
  w.file = file;
  // read() checks each stored shape against the architecture.
  w.conv3d_kernel = f.read<float>("conv3d/kernel", {kT3, kH3, kW3, kIn3, kOut3});
  w.conv3d_bias = f.read<float>("conv3d/bias", {kOut3});
  w.conv2d_1_kernel = f.read<float>("conv2d_1/kernel", {kH2, kW2, kOut3, kC1});
  w.conv2d_1_bias = f.read<float>("conv2d_1/bias", {kC1});
  w.conv2d_2_kernel = f.read<float>("conv2d_2/kernel", {kH2, kW2, kC1, kC2});
  w.conv2d_2_bias = f.read<float>("conv2d_2/bias", {kC2});
  w.checksum = cnn_checksum(w);
  if (f.has_attr("/", "checksum_fnv1a64")) {
    const std::string stored = f.attr_string("/", "checksum_fnv1a64");
    if (stored != w.checksum)
      throw InputError("CNN weights file '" + file.string() + "': checksum " + w.checksum +
                       " does not match the stored " + stored + " (file corrupt or edited)");
  }
  for (const auto* a : {&w.conv3d_kernel, &w.conv3d_bias, &w.conv2d_1_kernel, &w.conv2d_1_bias,
                        &w.conv2d_2_kernel, &w.conv2d_2_bias})
    for (float v : *a)
      if (!std::isfinite(v))
        throw InputError("CNN weights file '" + file.string() + "' holds a NaN or infinite weight");
  return w;
}

CnnFrontEnd::CnnFrontEnd(CnnWeights weights) : w_(std::move(weights)) {
  // The three input channels are equal, so the kernel can be summed over them
  // once: a third of the work, same result up to rounding.
  k3_summed_.assign(static_cast<std::size_t>(kT3) * kH3 * kW3 * kOut3, 0.0);
  for (int k = 0; k < kT3 * kH3 * kW3; ++k)
    for (int ci = 0; ci < kIn3; ++ci)
      for (int f = 0; f < kOut3; ++f)
        k3_summed_[k * kOut3 + f] += w_.conv3d_kernel[(k * kIn3 + ci) * kOut3 + f];
}

void CnnFrontEnd::forward(const std::uint8_t* frames, int n_frames, int h, int w, float* out,
                          CnnTrace* trace) const {
  EISNN_ASSERT(n_frames % kFramesPerStep == 0 && h >= 8 && w >= 8);
  const int n_steps = n_frames / kFramesPerStep;
  const int h1 = h / 2, w1 = w / 2, h2 = h1 / 2, w2 = w1 / 2, h3 = h2 / 2, w3 = w2 / 2;
  const std::size_t frame_size = static_cast<std::size_t>(h) * w;
  constexpr int pad_t = (kT3 - 1) / 2, pad_h = (kH3 - 1) / 2, pad_w = (kW3 - 1) / 2;

  // Dot movies are mostly black: list each frame's lit pixels and scatter
  // them into the outputs, instead of sliding the kernel over zeros.
  struct Lit {
    int y, x;
    double v;
  };
  std::vector<std::vector<Lit>> lit(n_frames);
  for (int t = 0; t < n_frames; ++t)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if (const std::uint8_t v = frames[t * frame_size + y * w + x])
          lit[t].push_back({y, x, double(v)});

  if (trace) {
    trace->stage1.assign(static_cast<std::size_t>(n_steps) * h1 * w1 * kOut3, 0.0f);
    trace->stage2.assign(static_cast<std::size_t>(n_steps) * h2 * w2 * kC1, 0.0f);
    trace->stage3.assign(static_cast<std::size_t>(n_steps) * h3 * w3 * kC2, 0.0f);
  }
  std::vector<double> acc(frame_size * kOut3);  // [h][w][8], one frame of Conv3D
  std::vector<double> pooled(static_cast<std::size_t>(h1) * w1 * kOut3);
  std::vector<float> s1(pooled.size());  // [h1][w1][8]
  std::vector<float> s2(static_cast<std::size_t>(h2) * w2 * kC1);
  std::vector<float> s3(static_cast<std::size_t>(h3) * w3 * kC2);
  std::vector<float> scratch;

  for (int s = 0; s < n_steps; ++s) {
    std::fill(pooled.begin(), pooled.end(), -std::numeric_limits<double>::infinity());
    for (int t = s * kFramesPerStep; t < (s + 1) * kFramesPerStep; ++t) {
      // Conv3D of output frame t, accumulated in double (inputs reach 255).
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int kt = 0; kt < kT3; ++kt) {
        const int ti = t + kt - pad_t;
        if (ti < 0 || ti >= n_frames) continue;
        for (const Lit& p : lit[ti]) {
          for (int ky = 0; ky < kH3; ++ky) {
            const int yo = p.y - ky + pad_h;
            if (yo < 0 || yo >= h) continue;
            for (int kx = 0; kx < kW3; ++kx) {
              const int xo = p.x - kx + pad_w;
              if (xo < 0 || xo >= w) continue;
              const double* k = &k3_summed_[((kt * kH3 + ky) * kW3 + kx) * kOut3];
              double* a = &acc[(static_cast<std::size_t>(yo) * w + xo) * kOut3];
              axpy8(p.v, k, a);
            }
          }
        }
      }
      // Max-pool over 4 frames x 2 x 2 pixels (before tanh: it is increasing).
      for (int y = 0; y < 2 * h1; ++y)
        for (int x = 0; x < 2 * w1; ++x) {
          const double* a = &acc[(static_cast<std::size_t>(y) * w + x) * kOut3];
          double* m = &pooled[(static_cast<std::size_t>(y / 2) * w1 + x / 2) * kOut3];
          for (int f = 0; f < kOut3; ++f) m[f] = std::max(m[f], a[f]);
        }
    }
    for (std::size_t i = 0; i < pooled.size(); ++i)
      s1[i] = static_cast<float>(std::tanh(pooled[i] + w_.conv3d_bias[i % kOut3]));

    conv2d_pool_tanh<kOut3, kC1>(s1.data(), h1, w1, w_.conv2d_1_kernel.data(),
                                 w_.conv2d_1_bias.data(), s2.data(), scratch);
    conv2d_pool_tanh<kC1, kC2>(s2.data(), h2, w2, w_.conv2d_2_kernel.data(),
                               w_.conv2d_2_bias.data(), s3.data(), scratch);

    // Mean over the remaining positions: one value per channel and step.
    for (int c = 0; c < kC2; ++c) {
      double sum = 0.0;
      for (int i = 0; i < h3 * w3; ++i) sum += s3[static_cast<std::size_t>(i) * kC2 + c];
      out[s * kC2 + c] = static_cast<float>(sum / (h3 * w3));
    }
    if (trace) {
      std::copy(s1.begin(), s1.end(), trace->stage1.begin() + s * s1.size());
      std::copy(s2.begin(), s2.end(), trace->stage2.begin() + s * s2.size());
      std::copy(s3.begin(), s3.end(), trace->stage3.begin() + s * s3.size());
    }
  }
}

}  // namespace eisnn::task
