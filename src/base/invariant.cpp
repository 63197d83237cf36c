#include "base/invariant.hpp"

#include <string>

namespace hl2tp {

void invariant_violated(const char* condition, const char* file, int line) {
  throw InvariantViolation(std::string(file) + ":" + std::to_string(line) +
                           ": invariant violated: " + condition);
}

}  // namespace hl2tp
