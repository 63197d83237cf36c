#pragma once
// Recovery tunnels racing for one old tunnel (RFC 4951 §3.2.1 and Appendix B): the helping end
// weighs a new recovery request against the recovery tunnels it already has for the same tunnel.
// Both ends may have failed and each opened one; a peer that failed again sends a new request
// while its earlier one is still open.
#include <cstdint>
#include <optional>
#include <vector>

#include "failover/recovery_link.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::failover {

// A recovery tunnel for the old tunnel the request names, as the engine holds it (not dead).
struct RacingTunnel {
  std::uint16_t id = 0;
  bool ours = false;  // we opened it (we failed too)
  std::optional<wire::TieBreakerValue> tie_breaker;
  bool awaiting_reply = false;  // its SCCRQ is out and unanswered (RFC 2661 §7.2.1 wait-ctl-reply)
  const RecoveryLink* link = nullptr;
};

struct RaceVerdict {
  enum class Kind : std::uint8_t {
    answer,     // answer the request: `superseded` give way to it
    ours_wins,  // our recovery tunnel `winner` beats it: the peer discards its own and answers ours
    stale_copy,  // a copy of a request our completed tunnel beat: nothing to do
  };
  Kind kind = Kind::answer;
  std::optional<std::uint16_t> winner;
  std::vector<std::uint16_t> superseded;
  unsigned ours_lost = 0;  // our recovery tunnels that lost the tie, weighed before the verdict
};

// `racing` in the engine's order; `theirs` is the request's Tie Breaker, if it carries one.
RaceVerdict weigh_request(const std::vector<RacingTunnel>& racing,
                          const wire::TieBreakerValue* theirs);

}  // namespace hl2tp::failover
