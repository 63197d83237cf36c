#include "sim/lac_lns_pair.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace hl2tp::sim {

using engine::EventKind;

engine::EndpointConfig lac_config() {
  engine::EndpointConfig c;
  c.tunnel.host_name = "lac";
  c.tunnel.accept_incoming_calls = false;
  c.tunnel.place_outgoing_calls = false;
  return c;
}

engine::EndpointConfig lns_config() {
  engine::EndpointConfig c;
  c.tunnel.host_name = "lns";
  c.tunnel.place_incoming_calls = false;
  c.tunnel.accept_outgoing_calls = false;
  return c;
}

const tunnel::Tunnel& only_tunnel(const engine::Endpoint& endpoint) {
  for (const auto& [id, t] : endpoint.tunnels()) {
    if (!t.recovery_link()) return t;
  }
  throw std::runtime_error("no tunnel");
}

LacLnsPair::LacLnsPair(std::uint64_t seed, engine::EndpointConfig lac_cfg,
                       engine::EndpointConfig lns_cfg, std::size_t trace_capacity)
    : sim(seed, trace_capacity) {
  sim.check_engines_after_each_step(true);
  lac = sim.add_endpoint(kLacAddress, std::move(lac_cfg));
  lns = sim.add_endpoint(kLnsAddress, std::move(lns_cfg));
}

std::size_t LacLnsPair::count(NodeId node, EventKind kind) const {
  const auto& events = sim.events(node);
  return static_cast<std::size_t>(std::count_if(
      events.begin(), events.end(), [kind](const engine::Event& e) { return e.kind == kind; }));
}

std::uint16_t LacLnsPair::open_tunnel(NodeId from, NodeId to) {
  auto id = sim.command(
      from, [&](engine::Endpoint& e, Time now) { return e.open_tunnel(now, sim.address(to)); });
  if (!id) throw std::runtime_error("the endpoint refused to open a tunnel: " + id.error());
  return *id;
}

Result<std::uint16_t, std::string> LacLnsPair::open_session(NodeId node, std::uint16_t tunnel_id,
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

bool LacLnsPair::records_match() const {
  return check_records_rebuild_sessions(sim, lac).empty() &&
         check_records_rebuild_sessions(sim, lns).empty();
}

bool LacLnsPair::store_matches() const {
  return check_store_holds_sessions(sim, lac).empty() &&
         check_store_holds_sessions(sim, lns).empty();
}

std::string LacLnsPair::channel_state_mismatch() const {
  for (auto node : {lac, lns}) {
    if (auto found = check_store_holds_channels(sim, node); !found.empty()) return found.front();
  }
  return "";
}

std::string LacLnsPair::report() const {
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
        s += std::string(who) + " event " + std::to_string(static_cast<int>(e.kind)) + " tunnel " +
             std::to_string(e.tunnel_id) + ": " + e.reason + "\n";
      }
    }
  }
  return s + "last datagrams:\n" + sim.trace().to_string();
}

std::vector<std::string> trace_lines(const LacLnsPair& pair, const std::string& what) {
  std::vector<std::string> out;
  std::istringstream in(pair.sim.trace().to_string());
  for (std::string line; std::getline(in, line);) {
    if (line.find(what) != std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace hl2tp::sim
