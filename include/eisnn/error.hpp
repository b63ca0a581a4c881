// Two kinds of failure. Bad input from a user (a config value, a data file, a
// flag) throws InputError with a message that names the thing, the value and
// what would be valid. A broken internal invariant is a bug: EISNN_ASSERT
// aborts with the place and the condition.
#pragma once

#include <stdexcept>
#include <string>

namespace eisnn {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);

}  // namespace eisnn

#define EISNN_ASSERT(condition)                                                  \
  do {                                                                           \
    if (!(condition)) ::eisnn::assertion_failed(#condition, __FILE__, __LINE__); \
  } while (false)
