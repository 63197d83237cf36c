#include "failover/suggested_reset.hpp"

#include <algorithm>

#include "base/invariant.hpp"
#include "channel/sequence_number.hpp"

namespace hl2tp::failover {
namespace {

using channel::sequence_before;
using channel::sequence_distance;

// The later of two sequence numbers (RFC 2661 §5.8 serial order).
std::uint16_t later(std::uint16_t a, std::uint16_t b) {
  return sequence_before(a, b) ? b : a;
}

std::uint16_t skip(std::uint16_t window) {
  return std::clamp<std::uint16_t>(window, 1, kMaxSkip);
}

}  // namespace

std::optional<failover::RecoverySuggestion> suggest_reset(
    const channel::ControlChannel& channel, std::uint16_t our_receive_window,
    std::uint16_t peer_window, const std::optional<failover::RecoverySuggestion>& pending,
    const PeerAddress& from, const PeerAddress& to) {
  const std::uint16_t expected = channel.expected_ns(), next = channel.next_ns();
  failover::RecoverySuggestion s;
  s.from = from;
  s.to = to;
  s.answered_at = next;
  // The failed end's Ns: past what any of its dead incarnations may have in flight. The one that
  // failed first sent at most our receive window past what we had taken in; one that reset to a
  // pending suggestion, at most as much past that suggestion.
  s.scs.ns = static_cast<std::uint16_t>(later(expected, pending ? pending->scs.ns : expected) +
                                        skip(our_receive_window));
  if (pending) {
    // A newer request of the same peer (it failed again): the chain keeps its transmission limit,
    // below every suggestion of the chain, so that an acknowledgement under the old numbering can
    // never be taken for the peer's use of one of them; and the new Nr differs from the pending
    // one, whose use can now only come from a dead incarnation.
    s.transmit_limit = pending->transmit_limit;
    s.scs.nr = static_cast<std::uint16_t>(later(next, pending->scs.nr) + 1);
  } else {
    // Our next Ns: room for a window's worth of messages before the reset; the limit keeps us
    // below it.
    s.scs.nr = static_cast<std::uint16_t>(next + skip(peer_window) + 1);
    s.transmit_limit = static_cast<std::uint16_t>(s.scs.nr - 1);
  }
  if (sequence_distance(expected, s.scs.ns) > kMaxLead ||
      sequence_distance(next, s.scs.nr) > kMaxLead) {
    return std::nullopt;
  }
  HL2TP_INVARIANT(sequence_before(s.transmit_limit, s.scs.nr));
  HL2TP_INVARIANT(sequence_before(expected, s.scs.ns));
  return s;
}

SuggestionVerdict judge(const failover::RecoverySuggestion& s, std::uint16_t nr,
                        std::uint16_t expected_ns) {
  if (nr == s.scs.nr) return SuggestionVerdict::taken_up;
  // It acknowledges, under the old numbering, something first sent after the request came: only
  // an end that never reset can.
  if (sequence_before(s.answered_at, nr) && !sequence_before(s.transmit_limit, nr)) {
    return SuggestionVerdict::not_taken;
  }
  // We took in more under the old numbering than any dead incarnation can have sent.
  if (!sequence_before(expected_ns, s.scs.ns)) return SuggestionVerdict::not_taken;
  return SuggestionVerdict::undecided;
}

std::optional<wire::SuggestedControlSequence> replaced_taken_up(
    const std::vector<wire::SuggestedControlSequence>& replaced, std::uint16_t nr) {
  for (auto it = replaced.rbegin(); it != replaced.rend(); ++it) {
    if (it->nr == nr) return *it;
  }
  return std::nullopt;
}

}  // namespace hl2tp::failover
