#pragma once
// Invariants of the core, checked in every build. A violation throws InvariantViolation: the
// simulator reports it with the seed that reached it and goes on with the next one (a loud failure,
// never a silent divergence); the fuzzers report it as a crash. In the daemon nothing catches it:
// the process ends, and the next start recovers every tunnel from the store, which the write-ahead
// rule kept consistent with what the peers were told. That is safer than carrying on from a state
// the code was not written for. Only internal consistency is asserted: input from a peer or an
// operator is checked and refused, never asserted.
#include <stdexcept>

namespace hl2tp {

class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void invariant_violated(const char* condition, const char* file, int line);

}  // namespace hl2tp

#define HL2TP_INVARIANT(condition) \
  ((condition) ? static_cast<void>(0) : ::hl2tp::invariant_violated(#condition, __FILE__, __LINE__))
