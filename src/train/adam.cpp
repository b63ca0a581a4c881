#include "eisnn/train/adam.hpp"

#include <cmath>

#include "eisnn/error.hpp"

namespace eisnn {

void adam_update(std::vector<float>& w, const std::vector<float>& grad, AdamState& state,
                 const AdamSettings& s) {
  EISNN_ASSERT(w.size() == grad.size() && w.size() == state.m.size() && w.size() == state.v.size());
  state.step += 1;
  const double t = static_cast<double>(state.step);
  const auto lr_t = static_cast<float>(s.lr * std::sqrt(1.0 - std::pow(s.beta2, t)) /
                                       (1.0 - std::pow(s.beta1, t)));
  // 1 - beta in double: in float, 1 - 0.999f loses four digits to cancellation.
  const auto b1 = static_cast<float>(s.beta1), b2 = static_cast<float>(s.beta2);
  const auto c1 = static_cast<float>(1.0 - s.beta1), c2 = static_cast<float>(1.0 - s.beta2);
  const auto eps = static_cast<float>(s.eps);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float g = grad[i];
    state.m[i] = b1 * state.m[i] + c1 * g;
    state.v[i] = b2 * state.v[i] + c2 * g * g;
    w[i] -= lr_t * state.m[i] / (std::sqrt(state.v[i]) + eps);
  }
}

}  // namespace eisnn
