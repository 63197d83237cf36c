#include "sim/invariants.hpp"

#include <map>
#include <utility>
#include <variant>

namespace hl2tp::sim {

std::set<SessionKey> established_sessions(const engine::Endpoint& endpoint) {
  std::set<SessionKey> out;
  for (const auto& [tid, t] : endpoint.tunnels()) {
    if (t.state() != tunnel::State::established) continue;
    for (const auto& [sid, s] : t.sessions()) {
      if (s.state() == session::State::established) {
        out.insert({tid, sid, t.peer_id(), s.peer_id()});
      }
    }
  }
  return out;
}

std::set<SessionKey> replayed_sessions(const std::vector<tunnel::Checkpoint>& records) {
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

std::set<SessionKey> mirrored(const std::set<SessionKey>& keys) {
  std::set<SessionKey> out;
  for (auto [t, s, pt, ps] : keys)
    out.insert({pt, ps, t, s});
  return out;
}

bool channels_quiet(const Simulation& sim, NodeId a, NodeId b) {
  for (auto node : {a, b}) {
    for (const auto& [id, t] : sim.endpoint_view(node).tunnels()) {
      if (!t.channel().quiet()) return false;
    }
  }
  return true;
}

Violations check_store_holds_channels(const Simulation& sim, NodeId node) {
  Violations out;
  const auto snapshot = sim.store_view(node).load();
  for (const auto& [tid, t] : sim.endpoint_view(node).tunnels()) {
    if (t.state() != tunnel::State::established || t.recovery_link()) continue;
    auto it = snapshot.tunnels.find(tid);
    if (it == snapshot.tunnels.end()) {
      out.push_back("tunnel " + std::to_string(tid) + " not stored");
      continue;
    }
    const auto live = t.channel().state();
    const auto& stored = it->second.tunnel.channel;
    if (!(live == stored)) {
      out.push_back(
          "tunnel " + std::to_string(tid) + ": stored Ns/Nr/acked " +
          std::to_string(stored.next_ns) + "/" + std::to_string(stored.expected_ns) + "/" +
          std::to_string(stored.acked_ns) + " unacked " + std::to_string(stored.unacked.size()) +
          ", live " + std::to_string(live.next_ns) + "/" + std::to_string(live.expected_ns) + "/" +
          std::to_string(live.acked_ns) + " unacked " + std::to_string(live.unacked.size()));
    }
  }
  return out;
}

Violations check_records_rebuild_sessions(const Simulation& sim, NodeId node) {
  if (replayed_sessions(sim.checkpoints(node)) == established_sessions(sim.endpoint_view(node))) {
    return {};
  }
  return {"checkpoint records do not rebuild the sessions"};
}

Violations check_store_holds_sessions(const Simulation& sim, NodeId node) {
  std::set<SessionKey> stored;
  for (const auto& [tid, t] : sim.store_view(node).load().tunnels) {
    for (const auto& [sid, s] : t.sessions) {
      stored.insert({tid, sid, t.tunnel.peer_tunnel_id, s.peer_session_id});
    }
  }
  if (stored == established_sessions(sim.endpoint_view(node))) return {};
  return {"the store does not hold what the endpoint holds"};
}

Violations check_ends_agree(const Simulation& sim, NodeId lac, NodeId lns) {
  if (established_sessions(sim.endpoint_view(lac)) ==
      mirrored(established_sessions(sim.endpoint_view(lns)))) {
    return {};
  }
  return {"the two ends hold different sessions"};
}

Violations check_no_half_open_sessions(const Simulation& sim, NodeId node) {
  Violations out;
  for (const auto& [id, t] : sim.endpoint_view(node).tunnels()) {
    for (const auto& [sid, s] : t.sessions()) {
      if (s.state() != session::State::established) {
        out.push_back("a session left half-open in state " + std::string(session::name(s.state())));
      }
    }
  }
  return out;
}

}  // namespace hl2tp::sim
