#pragma once
// An endpoint's counters: every datagram we drop is counted under why.
#include <cstdint>

#include "channel/channel_stats.hpp"

namespace hl2tp::engine {

struct EndpointStats {
  std::uint64_t datagrams_received = 0;
  std::uint64_t data_messages_dropped = 0;  // no data plane behind this endpoint yet
  std::uint64_t decode_errors = 0;
  std::uint64_t unknown_tunnel = 0;  // a tunnel ID we do not have
  // Of those (and of wrong_peer from another host): answered with a StopCCN.
  std::uint64_t unknown_tunnel_stopped = 0;
  std::uint64_t wrong_peer = 0;        // a known tunnel ID from another host
  std::uint64_t not_sccrq = 0;         // tunnel ID 0 but not an SCCRQ
  std::uint64_t unlisted_peer = 0;     // SCCRQ from a peer the configuration does not know
  std::uint64_t refused_tunnels = 0;   // over max_tunnels
  std::uint64_t refused_sessions = 0;  // peer call requests over a session limit
  std::uint64_t refused_commands = 0;  // our own open_tunnel/open_session refused
  std::uint64_t disowned_calls = 0;    // replies/connects for calls we do not hold: CDN sent
  // FSQ/FSR from a peer that never advertised failover capability (RFC 4951 §3.3): not answered.
  std::uint64_t failover_messages_ignored = 0;
  std::uint64_t tie_breaker_lost = 0;
  std::uint64_t tie_breaker_won = 0;
  std::uint64_t tunnels_opened = 0;
  // Our tunnels open one at a time per peer (opening_queue.hpp): those waiting their turn now (no
  // SCCRQ sent yet), and those whose SCCRQ went after they waited.
  std::uint64_t tunnels_waiting_turn = 0;
  std::uint64_t tunnels_opened_after_waiting = 0;
  std::uint64_t tunnels_closed = 0;
  // Failover (docs/failover.md §6). Per-state counts of tunnels come from their RecoveryStatus.
  std::uint64_t recovery_tunnels_opened = 0;  // RFC 4951 recovery tunnels, both roles
  std::uint64_t recovery_refused = 0;         // recovery SCCRQs refused (wrong IDs, peer, ...)
  // Ignored: copies of a peer's request that our recovery tunnel beat in its round (Appendix B).
  std::uint64_t stale_recovery_requests = 0;
  // Stateless refusals not sent because their source exceeded its rate (RefusalLimiter).
  std::uint64_t refusals_rate_limited = 0;
  // The helping end (RFC 4951 §3.2.2): peers' recoveries completed through us; requests we
  // answered that came to nothing; suggested resets the peer did not take up; and SCCCNs that came
  // after the reset was taken up already (or after a newer request).
  std::uint64_t peer_recoveries_completed = 0;
  std::uint64_t recovery_requests_abandoned = 0;
  std::uint64_t recovery_suggestions_withdrawn = 0;
  std::uint64_t late_recovery_completions = 0;
  // The peer came back on the numbering of a suggestion a newer request had replaced: reset to it.
  std::uint64_t replaced_suggestions_taken_up = 0;
  // Calls that were being set up when we failed, found in the restored channels: gone.
  std::uint64_t calls_dropped_at_restart = 0;
  // Of their messages, the call requests (ICRQ/OCRQ) replaced by a HELLO (unsent_calls.hpp).
  std::uint64_t call_requests_withheld_at_restart = 0;
  std::uint64_t recovery_fallbacks = 0;    // protocol recovery fell back to silent failover
  std::uint64_t recoveries_failed = 0;     // tunnels cleared because they could not recover
  std::uint64_t recoveries_completed = 0;  // tunnels resynchronized after our restart
  // Summed over the tunnels held now (RecoveryStatus): what recovery did.
  std::uint64_t tunnels_recovering = 0;
  std::uint64_t sessions_kept = 0, sessions_cleared = 0, sessions_queried = 0, probes_sent = 0;
  channel::ChannelStats channel;  // summed over the tunnels, closed ones included
};

}  // namespace hl2tp::engine
