// libFuzzer target (issue 6): sequences of datagrams fed to an LNS that already has a tunnel and
// established sessions with a LAC, in the deterministic simulator. Each input is a list of chunks
// [flags][length][bytes]; the flags can aim a chunk at the live tunnel and session and make its
// Ns/Nr what the LNS expects, so that the fuzzer reaches the state machines, not only the codec.
// After every datagram the engine's invariants are checked: the committed store equals every
// established tunnel's control channel, no record is rejected by the store, the session count adds
// up. At the end, with the faults over, both ends must settle on the same sessions (no half-open
// leftovers) within their timers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "sim/invariants.hpp"
#include "sim/lac_lns_pair.hpp"

namespace {

using namespace hl2tp;
using namespace std::chrono_literals;

const PeerAddress& kLac = sim::kLacAddress;
const PeerAddress kStranger = PeerAddress::ipv4(0x7F000009, 1701);

engine::EndpointConfig config(bool lac) {
  engine::EndpointConfig c;
  c.tunnel.host_name = lac ? "lac" : "lns";
  c.tunnel.accept_incoming_calls = !lac;
  c.tunnel.place_incoming_calls = lac;
  c.tunnel.accept_outgoing_calls = lac;
  c.tunnel.place_outgoing_calls = !lac;
  return c;
}

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "endpoint_fuzzer: %s\n", what);
  std::abort();
}

void put16(std::vector<std::byte>& b, std::size_t at, std::uint16_t v) {
  if (b.size() < at + 2) return;
  b[at] = std::byte(v >> 8);
  b[at + 1] = std::byte(v & 0xFF);
}

// Every check that must hold at a turn boundary; aborts (a finding) when one does not.
void check(const sim::Simulation& s, sim::NodeId node) {
  // A crash now would lose what the store is behind on.
  if (const auto behind = sim::check_store_holds_channels(s, node); !behind.empty()) {
    finding(("store behind an established tunnel's channel: " + behind.front()).c_str());
  }
  const auto& e = s.endpoint_view(node);
  std::size_t sessions = 0;
  for (const auto& [id, t] : e.tunnels())
    sessions += t.sessions().size();
  if (sessions != e.session_count()) finding("session count does not add up");
  if (s.store_view(node).records_rejected() != 0) finding("the store rejected a record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sim::LacLnsPair pair(1, config(true), config(false), /*trace_capacity=*/0);
  auto& s = pair.sim;
  const auto lac = pair.lac, lns = pair.lns;
  const auto tid = pair.open_tunnel(lac, lns);
  for (int i = 0; i < 3; ++i) {
    session::CallParameters p;
    p.call_serial_number = static_cast<std::uint32_t>(i + 1);
    (void)s.command(lac, [&](engine::Endpoint& e, Time now) {
      return e.open_session(now, tid, session::Direction::incoming, p);
    });
  }
  s.run_for(1s);

  // A datagram that claims to come from the LAC, names the live tunnel and carries the Ns the LNS
  // expects is, for RFC 2661, the LAC speaking (anyone on the path can do that, §9): it takes the
  // real LAC's place in the sequence, and the two ends may rightly disagree afterwards. So may one
  // with an Ns ahead: held in the receive window, it is delivered as the LAC's once the gap fills
  // (found by CI's run). Any datagram from the LAC's address naming the live tunnel counts.
  bool impersonated = false;
  std::size_t at = 0;
  while (at + 2 <= size) {
    const std::uint8_t flags = data[at];
    const std::size_t length = data[at + 1];
    at += 2;
    std::vector<std::byte> d(
        reinterpret_cast<const std::byte*>(data + at),
        reinterpret_cast<const std::byte*>(data + std::min(size, at + length)));
    at += length;
    const auto& lns_view = s.endpoint_view(lns);
    const tunnel::Tunnel* live = nullptr;
    for (const auto& [id, t] : lns_view.tunnels()) {
      if (!t.recovery_link()) live = &t;
    }
    if (live != nullptr) {
      // Control header: flags(2) length(2) tunnel(2) session(2) Ns(2) Nr(2).
      if (flags & 1) put16(d, 4, live->local_id());
      if ((flags & 2) && !live->sessions().empty()) {
        put16(d, 6, live->sessions().begin()->second.local_id());
      }
      if (flags & 4) put16(d, 8, live->channel().expected_ns());
      if (flags & 8) put16(d, 10, live->channel().oldest_unacked());
      if (flags & 16) put16(d, 2, static_cast<std::uint16_t>(d.size()));
    }
    const auto from = (flags & 32) ? kStranger : kLac;
    // From the LAC's address to the live tunnel: whatever its Ns, within the receive window it is
    // taken, now or once the gap before it fills, as the LAC's.
    const std::uint16_t named =
        d.size() >= 6 ? static_cast<std::uint16_t>((std::to_integer<unsigned>(d[4]) << 8) |
                                                   std::to_integer<unsigned>(d[5]))
                      : 0;
    impersonated = impersonated || (from == kLac && live != nullptr && named == live->local_id());
    s.command(lns, [&](engine::Endpoint& e, Time now) {
      e.handle_datagram(now, from, d);
      return 0;
    });
    s.run_for(std::chrono::milliseconds(1 + (flags >> 6) * 400));
    check(s, lns);
    check(s, lac);
  }
  // The faults are over: unless the LAC was impersonated, whatever the datagrams did, both ends
  // end up holding the same sessions (a tunnel one end cleared is noticed by the other through its
  // Hello and retransmissions).
  s.run_for(400s);
  check(s, lns);
  if (impersonated) return 0;
  std::set<std::pair<std::uint16_t, std::uint16_t>> at_lac, at_lns;
  for (const auto& [id, t] : s.endpoint_view(lac).tunnels()) {
    for (const auto& [sid, ses] : t.sessions()) {
      if (ses.state() == session::State::established) at_lac.insert({sid, ses.peer_id()});
    }
  }
  for (const auto& [id, t] : s.endpoint_view(lns).tunnels()) {
    for (const auto& [sid, ses] : t.sessions()) {
      if (ses.state() == session::State::established) at_lns.insert({ses.peer_id(), sid});
    }
  }
  if (at_lac != at_lns) finding("the two ends hold different sessions after the faults");
  return 0;
}
