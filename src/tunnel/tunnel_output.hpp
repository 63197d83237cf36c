#pragma once
// What the core produced in one call, and the one place it goes (docs/architecture.md §3): every
// entry point of a tunnel appends to the caller's TunnelOutput, each kind in the order produced.
// The engine owns one, hands it to every tunnel it calls, and the shell drains it: records to
// commit, then datagrams to send (docs/architecture.md §4), and events to log. Nothing is written
// anywhere else: no sink to call back, no counters of the engine's written through references.
#include <cstdint>
#include <deque>
#include <vector>

#include "tunnel/checkpoint.hpp"
#include "tunnel/tunnel_event.hpp"

namespace hl2tp::tunnel {

// What a tunnel asks of the engine, which alone sees the other tunnels: an RFC 4951 recovery
// tunnel finished its set-up, or ended without getting there (docs/failover.md §3–4).
struct EngineRequest {
  enum class Kind : std::uint8_t { recovery_tunnel_established, recovery_tunnel_ended };
  Kind kind;
  std::uint16_t tunnel_id = 0;  // the recovery tunnel
};

// Things counted as they happen, summed over every call.
struct TunnelCounts {
  std::uint64_t refused_sessions = 0;  // peer call requests refused at a limit
  std::uint64_t disowned_calls = 0;  // replies/connects for calls we do not hold, answered with CDN
  std::uint64_t failover_messages_ignored = 0;  // FSQ/FSR from a peer without failover capability
  std::uint64_t tunnels_closed = 0;             // tunnel_closed events
  std::uint64_t recoveries_completed = 0;       // recovery_completed events
};

struct TunnelOutput {
  std::deque<Checkpoint> records;
  std::deque<Datagram> datagrams;
  std::deque<Event> events;
  std::deque<EngineRequest> requests;
  TunnelCounts counts;

  void record(Checkpoint r) { records.push_back(std::move(r)); }
  void transmit(Datagram d) { datagrams.push_back(std::move(d)); }
  void event(Event e) {
    if (e.kind == EventKind::tunnel_closed) ++counts.tunnels_closed;
    if (e.kind == EventKind::recovery_completed) ++counts.recoveries_completed;
    events.push_back(std::move(e));
  }
  void request(EngineRequest r) { requests.push_back(r); }
};

}  // namespace hl2tp::tunnel
