#include "eisnn/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace eisnn {

void assertion_failed(const char* condition, const char* file, int line) {
  // A broken invariant is a bug in eisnn, not a user error: stop at once.
  std::fprintf(stderr, "eisnn: internal error: assertion '%s' failed at %s:%d\n", condition, file,
               line);
  std::abort();
}

}  // namespace eisnn
