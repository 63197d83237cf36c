#pragma once
// The non-failed end's choice of the Suggested Control Sequence for a recovery request, and the
// reading of what the peer then sends on the old tunnel (RFC 4951 §3.2.2, §5.3;
// failover/recovery_suggestion.hpp says why the numbers skip, docs/recovery-design.md §4 the whole
// procedure).
#include <cstdint>
#include <optional>
#include <vector>

#include "channel/control_channel.hpp"
#include "failover/recovery_suggestion.hpp"

namespace hl2tp::failover {

// The most a suggestion skips past either side's numbers. A skip as large as a receive window of
// 65535 would leave the serial comparison (32767 either way, RFC 2661 §5.8) no room.
inline constexpr std::uint16_t kMaxSkip = 4096;
// How far a chain of suggestions (a peer that failed again before taking up the last one) may get
// ahead of the live numbering; past it the request is refused.
inline constexpr std::uint16_t kMaxLead = 16384;

// What we suggest to a peer recovering the tunnel whose channel is `channel`, given the receive
// window we advertised on it (what the peer may have had in flight) and the suggestion still
// pending from an earlier request of the peer's, if any. Nothing when a chain of suggestions has
// run too far ahead (kMaxLead): the request is then refused.
std::optional<failover::RecoverySuggestion> suggest_reset(
    const channel::ControlChannel& channel, std::uint16_t our_receive_window,
    std::uint16_t peer_window, const std::optional<failover::RecoverySuggestion>& pending,
    const PeerAddress& from, const PeerAddress& to);

enum class SuggestionVerdict : std::uint8_t {
  undecided,  // the message says nothing about it
  taken_up,   // its Nr is the suggested one: the peer reset (the SCCCN may be lost)
  not_taken,  // the peer goes on with the old numbering
};

// What a message on the old tunnel with this Nr says about `suggestion`, our Nr being
// `expected_ns` before the message.
SuggestionVerdict judge(const failover::RecoverySuggestion& suggestion, std::uint16_t nr,
                        std::uint16_t expected_ns);

// A message that says nothing of the latest suggestion may still show the peer reset to one it
// replaced: its Nr is that one's (only an end that reset to it can send it, as for the latest).
// Asked only once no request of the peer's is open: while one is, the peer's live incarnation is
// paused on this tunnel (RFC 4951 §3.2.1), and such an Nr can come only from a dead one.
std::optional<wire::SuggestedControlSequence> replaced_taken_up(
    const std::vector<wire::SuggestedControlSequence>& replaced, std::uint16_t nr);

}  // namespace hl2tp::failover
