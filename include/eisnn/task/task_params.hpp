// Configuration of the coherence change-detection task (section [task]).
#pragma once

#include "eisnn/params.hpp"

namespace eisnn {

struct TaskParams {
  int n_trials = 600;

  template <class V>
  void visit(V& v) {
    v("n_trials", n_trials, Range::at_least(1), "trials in the dataset");
  }
};

}  // namespace eisnn
