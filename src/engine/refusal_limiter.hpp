#pragma once
// A bound on the stateless refusals an endpoint sends (a StopCCN answering an SCCRQ it will not
// serve: a recovery request it refuses, an SCCRQ over the tunnel limit). Each costs a datagram and
// tells the sender something; a flood, or a walk through tunnel IDs hoping to find live ones
// (issue 13, point 2), must not be answered at line rate. A token bucket per source host — in a
// fixed table, so that spoofed sources cost no memory — and one for all sources together.
#include <array>
#include <cstdint>
#include <vector>

#include "base/peer_address.hpp"
#include "base/time.hpp"

namespace hl2tp::engine {

class RefusalLimiter {
 public:
  // `per_second` refusals on average per source host, up to `burst` at once; ten times that for
  // all sources together.
  explicit RefusalLimiter(double per_second = 10, double burst = 20, std::size_t slots = 1024);

  // True when a refusal to `source` (its host; the port is ignored) may go now, and counts it.
  bool allow(const PeerAddress& source, Time now);

 private:
  struct Bucket {
    double tokens = 0;
    Time updated{};
  };
  struct Slot {
    std::array<std::uint8_t, 16> ip{};
    bool v6 = false;
    bool used = false;
    Bucket bucket;
  };
  bool take(Bucket& b, double per_second, double burst, Time now) const;

  double per_second_, burst_;
  std::vector<Slot> slots_;
  Bucket all_;
};

}  // namespace hl2tp::engine
