// Declarative parameter sections. Each configuration section is a plain struct
// whose members carry the defaults (the one place where defaults live) and
// which lists its members once in `visit`, with the allowed range and a line
// of documentation:
//
//   struct NeuronParams {
//     double tau_m_ms = 20.0;
//     template <class V> void visit(V& v) {
//       v("tau_m_ms", tau_m_ms, Range::positive(), "membrane time constant (ms)");
//     }
//   };
//
// From that single list, config.cpp reads TOML (rejecting unknown keys, wrong
// types and out-of-range values with the key, the value and what is allowed),
// applies command-line overrides, writes the resolved configuration back out
// and prints the documented list of keys.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace eisnn {

// Allowed interval for a number. Bounds are inclusive unless marked open.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  static Range any() { return {}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true, false}; }
  static Range non_negative() { return {0.0, std::numeric_limits<double>::infinity()}; }
  static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity()}; }
  static Range between(double lo, double hi) { return {lo, hi}; }
  static Range unit() { return {0.0, 1.0}; }
  static Range negative() { return {-std::numeric_limits<double>::infinity(), 0.0, false, true}; }

  bool contains(double x) const {
    return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  }
  std::string describe() const;
};

// A string parameter restricted to a fixed set of words.
struct Choices {
  std::vector<std::string> words;
  std::string describe() const;
};

}  // namespace eisnn
