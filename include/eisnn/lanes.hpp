// Trials run kLanes at a time, one per lane of a vector register: the dense
// per-unit work of a step and every visit of a synapse then serve kLanes
// trials with one vector instruction. The lanes never mix: a trial gives the
// same numbers whichever lane or group it runs in.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace eisnn {

inline constexpr int kLanes = 8;
using lane_mask = std::uint8_t;  // one bit per lane
using lanes_f = float __attribute__((vector_size(kLanes * sizeof(float))));
using lanes_i = std::int32_t __attribute__((vector_size(kLanes * sizeof(std::int32_t))));
using lanes_d = double __attribute__((vector_size(kLanes * sizeof(double))));

// Every lane set to x. (Written out: `lanes_f{} + x` would cost an addition,
// since 0 + x may not be folded without fast-math.)
static_assert(kLanes == 8, "splat lists the lanes");
inline lanes_f splat(float x) {
  return lanes_f{x, x, x, x, x, x, x, x};
}
inline lanes_d splat(double x) {
  return lanes_d{x, x, x, x, x, x, x, x};
}

// a b + c, rounded once: a fused multiply-add, which the build never makes of
// its own accord (-ffp-contract=off); std::fma where the target lacks FMA, so
// every build gives the same numbers.
inline lanes_f mul_add(lanes_f a, lanes_f b, lanes_f c) {
#if defined(__FMA__)
  return reinterpret_cast<lanes_f>(_mm256_fmadd_ps(
      reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b), reinterpret_cast<__m256>(c)));
#else
  lanes_f r;
  for (int lane = 0; lane < kLanes; ++lane) r[lane] = std::fma(a[lane], b[lane], c[lane]);
  return r;
#endif
}

// One bit per lane of a comparison result (lanes all ones or all zeros).
inline lane_mask lane_bits(lanes_i mask) {
#if defined(__AVX__)
  return static_cast<lane_mask>(__builtin_ia32_movmskps256(reinterpret_cast<__v8sf>(mask)));
#else
  unsigned bits = 0;
  for (int lane = 0; lane < kLanes; ++lane) bits |= (mask[lane] & 1u) << lane;
  return static_cast<lane_mask>(bits);
#endif
}

// A comparison result from one bit per lane (the inverse of lane_bits).
inline lanes_i lanes_of(lane_mask bits) {
  const lanes_i bit = {1, 2, 4, 8, 16, 32, 64, 128};
  return ((lanes_i{} + bits) & bit) != 0;
}

// True if any lane of a comparison result is set.
inline bool any(lanes_i mask) {
  return lane_bits(mask) != 0;
}

}  // namespace eisnn
