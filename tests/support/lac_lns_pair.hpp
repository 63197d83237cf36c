#pragma once
// Two endpoints in the simulator: a LAC at 127.0.0.1 and an LNS at 127.0.0.2, both on port 1701,
// with helpers to count events and to compare what the two ends hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "sim/simulation.hpp"

namespace hl2tp::test {

using engine::EndpointConfig;
using engine::EventKind;

inline const PeerAddress kLacAddress = PeerAddress::ipv4(0x7F000001, 1701);
inline const PeerAddress kLnsAddress = PeerAddress::ipv4(0x7F000002, 1701);

inline EndpointConfig lac_config() {
  EndpointConfig c;
  c.tunnel.host_name = "lac";
  c.tunnel.accept_incoming_calls = false;
  c.tunnel.place_outgoing_calls = false;
  return c;
}

inline EndpointConfig lns_config() {
  EndpointConfig c;
  c.tunnel.host_name = "lns";
  c.tunnel.place_incoming_calls = false;
  c.tunnel.accept_outgoing_calls = false;
  return c;
}

// (our tunnel, our session, peer tunnel, peer session) of every established session.
using SessionKey = std::tuple<std::uint16_t, std::uint16_t, std::uint16_t, std::uint16_t>;

inline std::set<SessionKey> established_sessions(const engine::Endpoint& e) {
  std::set<SessionKey> out;
  for (const auto& [tid, t] : e.tunnels()) {
    if (t.state() != tunnel::State::established) continue;
    for (const auto& [sid, s] : t.sessions()) {
      if (s.state() == session::State::established) {
        out.insert({tid, sid, t.peer_id(), s.peer_id()});
      }
    }
  }
  return out;
}

// The established sessions an endpoint would rebuild from its checkpoint records alone.
inline std::set<SessionKey> replayed_sessions(const std::vector<tunnel::Checkpoint>& records) {
  std::map<std::uint16_t, std::pair<std::uint16_t, std::map<std::uint16_t, std::uint16_t>>> db;
  for (const auto& r : records) {
    if (auto* t = std::get_if<tunnel::TunnelEstablished>(&r)) {
      db[t->tunnel_id] = {t->peer_tunnel_id, {}};
    } else if (auto* tc = std::get_if<tunnel::TunnelClosing>(&r)) {
      db.at(tc->tunnel_id).second.clear();
    } else if (auto* tr = std::get_if<tunnel::TunnelRemoved>(&r)) {
      db.erase(tr->tunnel_id);
    } else if (auto* s = std::get_if<tunnel::SessionEstablished>(&r)) {
      db.at(s->tunnel_id).second[s->session_id] = s->peer_session_id;
    } else if (auto* sr = std::get_if<tunnel::SessionRemoved>(&r)) {
      db.at(sr->tunnel_id).second.erase(sr->session_id);
    }
  }
  std::set<SessionKey> out;
  for (const auto& [tid, t] : db) {
    for (const auto& [sid, peer_sid] : t.second)
      out.insert({tid, sid, t.first, peer_sid});
  }
  return out;
}

// The endpoint's one tunnel that is not an RFC 4951 recovery tunnel.
inline const tunnel::Tunnel& only_tunnel(const engine::Endpoint& e) {
  for (const auto& [id, t] : e.tunnels()) {
    if (!t.recovery_link()) return t;
  }
  throw std::runtime_error("no tunnel");
}

// The other end's view of the same sessions.
inline std::set<SessionKey> mirrored(const std::set<SessionKey>& keys) {
  std::set<SessionKey> out;
  for (auto [t, s, pt, ps] : keys)
    out.insert({pt, ps, t, s});
  return out;
}

struct LacLnsPair {
  explicit LacLnsPair(std::uint64_t seed, EndpointConfig lac_cfg = lac_config(),
                      EndpointConfig lns_cfg = lns_config(), std::size_t trace_capacity = 200)
      : sim(seed, trace_capacity) {
    lac = sim.add_endpoint(kLacAddress, std::move(lac_cfg));
    lns = sim.add_endpoint(kLnsAddress, std::move(lns_cfg));
  }

  std::size_t count(sim::NodeId node, EventKind kind) const {
    const auto& events = sim.events(node);
    return static_cast<std::size_t>(std::count_if(
        events.begin(), events.end(), [kind](const engine::Event& e) { return e.kind == kind; }));
  }

  std::uint16_t open_tunnel(sim::NodeId from, sim::NodeId to) {
    auto id = sim.command(
        from, [&](engine::Endpoint& e, Time now) { return e.open_tunnel(now, sim.address(to)); });
    EXPECT_TRUE(id.has_value());
    return id ? *id : 0;
  }

  Result<std::uint16_t, std::string> open_session(sim::NodeId node, std::uint16_t tunnel_id,
                                                  session::Direction direction) {
    session::CallParameters p;
    p.call_serial_number = ++serial;
    p.bearer_type = wire::kBearerDigital;
    p.set_calling_number("subscriber-" + std::to_string(serial));
    p.tx_connect_speed = 100'000'000;
    return sim.command(node, [&](engine::Endpoint& e, Time now) {
      return e.open_session(now, tunnel_id, direction, p);
    });
  }

  // Nothing queued, in flight or waiting for an ack on any tunnel of either end: the end state.
  bool quiet() const {
    for (auto node : {lac, lns}) {
      for (const auto& [id, t] : sim.endpoint_view(node).tunnels()) {
        if (!t.channel().quiet()) return false;
      }
    }
    return true;
  }

  // Each end's checkpoint records rebuild exactly the sessions it holds.
  bool records_match() const {
    for (auto node : {lac, lns}) {
      if (replayed_sessions(sim.checkpoints(node)) !=
          established_sessions(sim.endpoint_view(node))) {
        return false;
      }
    }
    return true;
  }

  // Each end's committed store holds exactly the sessions it holds.
  bool store_matches() const {
    for (auto node : {lac, lns}) {
      std::set<SessionKey> stored;
      for (const auto& [tid, t] : sim.store_view(node).load().tunnels) {
        for (const auto& [sid, s] : t.sessions) {
          stored.insert({tid, sid, t.tunnel.peer_tunnel_id, s.peer_session_id});
        }
      }
      if (stored != established_sessions(sim.endpoint_view(node))) return false;
    }
    return true;
  }

  // At a turn boundary each end's committed store holds every established tunnel's control channel
  // exactly as it is: a crash now would lose nothing (docs/recovery-design.md).
  std::string channel_state_mismatch() const {
    for (auto node : {lac, lns}) {
      const auto snapshot = sim.store_view(node).load();
      for (const auto& [tid, t] : sim.endpoint_view(node).tunnels()) {
        // Recovery tunnels (RFC 4951) are transient and never stored.
        if (t.state() != tunnel::State::established || t.recovery_link()) continue;
        auto it = snapshot.tunnels.find(tid);
        if (it == snapshot.tunnels.end()) return "tunnel " + std::to_string(tid) + " not stored";
        const auto live = t.channel().state();
        const auto& stored = it->second.tunnel.channel;
        if (!(live == stored)) {
          return "tunnel " + std::to_string(tid) + ": stored Ns/Nr/acked " +
                 std::to_string(stored.next_ns) + "/" + std::to_string(stored.expected_ns) + "/" +
                 std::to_string(stored.acked_ns) + " unacked " +
                 std::to_string(stored.unacked.size()) + ", live " + std::to_string(live.next_ns) +
                 "/" + std::to_string(live.expected_ns) + "/" + std::to_string(live.acked_ns) +
                 " unacked " + std::to_string(live.unacked.size());
        }
      }
    }
    return "";
  }

  bool both_agree() const {
    return established_sessions(sim.endpoint_view(lac)) ==
           mirrored(established_sessions(sim.endpoint_view(lns)));
  }

  // What a failing test prints: the seed, what each end holds, and the last datagrams, decoded.
  std::string report() const {
    std::string s = "seed " + std::to_string(sim.seed()) + "\n";
    for (auto [node, who] : {std::pair(lac, "LAC"), std::pair(lns, "LNS")}) {
      for (const auto& [tid, t] : sim.endpoint_view(node).tunnels()) {
        s += std::string(who) + (t.recovery_link() ? " recovery tunnel " : " tunnel ") +
             std::to_string(tid) + "->" + std::to_string(t.peer_id()) + " " +
             std::string(tunnel::name(t.state())) + " (" +
             std::string(failover::name(t.recovery().state)) + " " +
             std::string(failover::name(t.recovery().method)) +
             (t.recovery().duration()
                  ? " in " + std::to_string(t.recovery().duration()->count() / 1000) + " ms"
                  : std::string()) +
             (t.channel().paused() ? ", paused" : "") + "):";
        for (const auto& [sid, ses] : t.sessions()) {
          s += " " + std::to_string(sid) + "->" + std::to_string(ses.peer_id()) + "(" +
               std::string(session::name(ses.state())) + ")";
        }
        s += "\n";
      }
    }
    for (auto [node, who] : {std::pair(lac, "LAC"), std::pair(lns, "LNS")}) {
      for (const auto& e : sim.events(node)) {
        if (e.kind == EventKind::tunnel_recovered || e.kind == EventKind::recovery_completed ||
            e.kind == EventKind::recovery_failed || e.kind == EventKind::recovery_refused ||
            e.kind == EventKind::tunnel_closed) {
          s += std::string(who) + " event " + std::to_string(static_cast<int>(e.kind)) +
               " tunnel " + std::to_string(e.tunnel_id) + ": " + e.reason + "\n";
        }
      }
    }
    return s + "last datagrams:\n" + sim.trace().to_string();
  }

  sim::Simulation sim;
  sim::NodeId lac = 0, lns = 0;
  std::uint32_t serial = 0;
};

// The lines of the pair's trace (decoded datagrams) that contain `what`.
inline std::vector<std::string> trace_lines(const LacLnsPair& p, const std::string& what) {
  std::vector<std::string> out;
  std::istringstream in(p.sim.trace().to_string());
  for (std::string line; std::getline(in, line);) {
    if (line.find(what) != std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace hl2tp::test
