#pragma once
// Rate limit for log lines that an outsider can cause (refused recovery requests, failures): a
// token bucket per kind of line. What is suppressed is counted and reported with the next line of
// that kind that gets through, so that a flood is visible without flooding the journal.
#include <cstdint>
#include <map>
#include <string>

#include "base/time.hpp"

namespace hl2tp::daemon {

class LogLimiter {
 public:
  LogLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  // True when a line of `kind` may be written now; `suppressed` is then set to how many were
  // held back since the last one.
  bool allow(const std::string& kind, Time now, std::uint64_t& suppressed);

 private:
  struct Bucket {
    double tokens;
    Time last;
    std::uint64_t suppressed = 0;
  };
  double rate_, burst_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace hl2tp::daemon
