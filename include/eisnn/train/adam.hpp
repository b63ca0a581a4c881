// Adam (Kingma & Ba 2015) in the form TensorFlow/Keras implements it, which the
// study used: with t the step count after this update,
//   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
//   w -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
// One state per weight set; entries follow the weights' CSR order.
#pragma once

#include <cstdint>
#include <vector>

namespace eisnn {

struct AdamSettings {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-7;
};

struct AdamState {
  std::vector<float> m, v;  // first and second moments, one per weight
  std::int64_t step = 0;    // updates applied so far

  void reset(std::size_t n_weights) {
    m.assign(n_weights, 0.0f);
    v.assign(n_weights, 0.0f);
    step = 0;
  }
};

void adam_update(std::vector<float>& w, const std::vector<float>& grad, AdamState& state,
                 const AdamSettings& settings);

}  // namespace eisnn
