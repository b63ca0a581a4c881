// Counter-keyed random streams. A stream is named by a seed and a key (for
// example {stream::input_spikes, epoch, trial}); the same name always gives the
// same numbers, whichever thread or process draws them. This is what makes
// results independent of the thread count and of how trials are distributed.
//
// Generator: xoshiro256++ (Blackman & Vigna 2019), seeded by SplitMix64 over
// the key. Distributions are written out here rather than taken from <random>,
// whose algorithms differ between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace eisnn {

// Purposes of random streams: one value per use, so that streams never overlap.
namespace stream {
inline constexpr std::uint64_t connectivity = 1;
inline constexpr std::uint64_t initial_state = 2;
inline constexpr std::uint64_t input_spikes = 3;
inline constexpr std::uint64_t dataset = 4;
inline constexpr std::uint64_t batch_order = 5;
inline constexpr std::uint64_t rewiring = 6;
inline constexpr std::uint64_t perturbation = 7;
}  // namespace stream

// Presentation key of held-out evaluations: in place of the update index, so
// that held-out trials see the same input spikes at every evaluation (the
// trainer's scores and every later analysis of the run compare exactly).
inline constexpr std::uint64_t kHeldoutKey = std::uint64_t{1} << 40;

class Rng {
 public:
  Rng(std::uint64_t seed, std::initializer_list<std::uint64_t> key) {
    std::uint64_t h = splitmix(seed ^ 0x6a09e667f3bcc909ull);
    for (std::uint64_t k : key) h = splitmix(h ^ splitmix(k + 0x9e3779b97f4a7c15ull));
    for (auto& word : s_) {
      h += 0x9e3779b97f4a7c15ull;
      word = splitmix(h);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 24 random bits: exactly representable as float.
  float uniform_float() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n), without modulo bias (Lemire 2019).
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Standard normal by the Box-Muller transform; one of each pair is kept so
  // that the number of draws per value is fixed.
  double normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

  double normal(double mean, double sd) { return mean + sd * normal(); }

  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  std::uint64_t s_[4];
};

}  // namespace eisnn
