#include "daemon/management_commands.hpp"

#include <nlohmann/json.hpp>

#include "daemon/daemon.hpp"

namespace hl2tp::daemon {
namespace {

using nlohmann::json;

std::string role_name(Role r) {
  return r == Role::lac ? "lac" : r == Role::lns ? "lns" : "both";
}

// `extensive` adds the control channel's sequence state and counters.
json tunnel_json(const tunnel::Tunnel& t, bool extensive) {
  const auto& r = t.recovery();
  json j = {
      {"local-tunnel-id", t.local_id()},
      {"remote-tunnel-id", t.peer_id()},
      {"remote-address", t.peer().to_string()},
      {"remote-host", t.peer_host_name()},
      {"state", std::string(tunnel::name(t.state()))},
      {"sessions", t.sessions().size()},
      {"effective-peer-resync-mechanism", std::string(tunnel::name(t.resync_method()))},
      {"recovery-state", std::string(tunnel::name(r.state))},
  };
  if (t.recovery_link()) j["recovers-tunnel"] = t.recovery_link()->old_tunnel_id;
  if (r.state != tunnel::RecoveryState::none) {
    j["recovery-method"] = std::string(tunnel::name(r.method));
    if (auto d = r.duration()) j["recovery-time-ms"] = static_cast<double>(d->count()) / 1000.0;
    j["recovery-sessions-kept"] = r.sessions_kept;
    j["recovery-sessions-cleared"] = r.sessions_cleared;
    j["recovery-sessions-queried"] = r.sessions_queried;
    j["recovery-probes-sent"] = r.probes_sent;
    if (!r.failure.empty()) j["recovery-note"] = r.failure;
  }
  if (t.peer_capability()) {
    j["peer-failover-capability"] = {{"control", t.peer_capability()->control},
                                     {"data", t.peer_capability()->data},
                                     {"recovery-time-ms", t.peer_capability()->recovery_time_ms}};
  }
  if (extensive) {
    const auto& c = t.channel();
    const auto& st = c.stats();
    j["control-channel"] = {{"next-ns", c.next_ns()},         {"expected-ns", c.expected_ns()},
                            {"in-flight", c.in_flight()},     {"queued", c.queued()},
                            {"peer-window", t.peer_window()}, {"sent", st.sent},
                            {"received", st.received},        {"retransmitted", st.retransmitted},
                            {"duplicates", st.duplicates},    {"out-of-order", st.out_of_order},
                            {"zlb-sent", st.zlb_sent}};
  }
  return j;
}

json summary(Daemon& d) {
  const auto& e = d.endpoint();
  json by_state = json::object();
  std::size_t established_sessions = 0, recovering = 0;
  double worst_recovery_ms = 0;
  json methods = json::object();
  for (const auto& [id, t] : e.tunnels()) {
    if (t.recovery_link()) continue;  // transient RFC 4951 recovery tunnels
    by_state[std::string(tunnel::name(t.state()))] =
        by_state.value(std::string(tunnel::name(t.state())), 0) + 1;
    methods[std::string(tunnel::name(t.resync_method()))] =
        methods.value(std::string(tunnel::name(t.resync_method())), 0) + 1;
    for (const auto& [sid, s] : t.sessions())
      established_sessions += s.state() == session::State::established;
    recovering += t.recovering();
    if (auto dur = t.recovery().duration()) {
      worst_recovery_ms = std::max(worst_recovery_ms, static_cast<double>(dur->count()) / 1000.0);
    }
  }
  const auto stats = e.stats();
  return {
      {"role", role_name(d.config().role)},
      {"host-name", d.config().endpoint.tunnel.host_name},
      {"uptime-s", static_cast<double>((d.now() - d.started()).count()) / 1e6},
      {"tunnels", by_state},
      {"sessions", e.session_count()},
      {"sessions-established", established_sessions},
      {"effective-peer-resync-mechanisms", methods},
      {"recovery",
       {{"tunnels-recovering", recovering},
        {"recoveries-completed", stats.recoveries_completed},
        {"recoveries-failed", stats.recoveries_failed},
        {"fall-backs-to-silent", stats.recovery_fallbacks},
        {"requests-refused", stats.recovery_refused},
        {"longest-recovery-ms", worst_recovery_ms}}},
  };
}

json statistics(const engine::Endpoint& e) {
  const auto s = e.stats();
  return {
      {"datagrams-received", s.datagrams_received},
      {"decode-errors", s.decode_errors},
      {"unknown-tunnel", s.unknown_tunnel},
      {"wrong-peer", s.wrong_peer},
      {"not-sccrq", s.not_sccrq},
      {"unlisted-peer", s.unlisted_peer},
      {"data-messages-dropped", s.data_messages_dropped},
      {"refused-tunnels", s.refused_tunnels},
      {"refused-sessions", s.refused_sessions},
      {"tunnels-opened", s.tunnels_opened},
      {"tunnels-closed", s.tunnels_closed},
      {"control-sent", s.channel.sent},
      {"control-received", s.channel.received},
      {"control-retransmitted", s.channel.retransmitted},
      {"control-duplicates", s.channel.duplicates},
      {"control-out-of-order", s.channel.out_of_order},
      {"zlb-sent", s.channel.zlb_sent},
      {"recovery-tunnels-opened", s.recovery_tunnels_opened},
      {"recovery-requests-refused", s.recovery_refused},
      {"recoveries-completed", s.recoveries_completed},
      {"recoveries-failed", s.recoveries_failed},
  };
}

json call(Daemon& d, const json& req) {
  auto peer = parse_address(req.value("peer", ""), 1701);
  if (!peer) return {{"ok", false}, {"error", peer.error()}};
  const int count = req.value("count", 1), wanted_tunnels = std::max(1, req.value("tunnels", 1));
  auto& e = d.endpoint();
  const Time now = d.now();
  std::vector<std::uint16_t> tunnels;
  for (const auto& [id, t] : e.tunnels()) {
    if (t.peer().same_host(*peer) && !t.recovery_link() &&
        (t.state() == tunnel::State::established || t.state() == tunnel::State::wait_ctl_reply)) {
      tunnels.push_back(id);
    }
  }
  while (static_cast<int>(tunnels.size()) < wanted_tunnels) {
    auto id = e.open_tunnel(now, *peer);
    if (!id) return {{"ok", false}, {"error", id.error()}};
    tunnels.push_back(*id);
  }
  tunnels.resize(static_cast<std::size_t>(wanted_tunnels));
  int placed = 0;
  std::string last_error;
  for (int i = 0; i < count; ++i) {
    session::CallParameters p;
    p.call_serial_number = static_cast<std::uint32_t>(i + 1);
    p.bearer_type = wire::kBearerDigital;
    p.tx_connect_speed = 100'000'000;
    auto s = e.open_session(now, tunnels[static_cast<std::size_t>(i) % tunnels.size()],
                            session::Direction::incoming, p);
    if (s) {
      ++placed;
    } else {
      last_error = s.error();
    }
  }
  json j = {{"ok", placed == count}, {"placed", placed}, {"tunnels", tunnels}};
  if (!last_error.empty()) j["error"] = last_error;
  return j;
}

}  // namespace

std::string handle_request(Daemon& d, const std::string& line) {
  json req = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object() || !req.contains("command")) {
    return json{{"ok", false}, {"error", "expected a JSON object with a \"command\""}}.dump();
  }
  const std::string command = req.value("command", "");
  json answer;
  auto& e = d.endpoint();
  if (command == "show-summary") {
    answer = {{"ok", true}, {"summary", summary(d)}};
  } else if (command == "show-tunnels") {
    // Filters: a tunnel ID, a peer host, a state.
    const int only_id = req.value("tunnel", 0);
    std::optional<tunnel::PeerAddress> only_peer;
    if (req.contains("peer")) {
      auto parsed = parse_address(req.value("peer", ""), 1701);
      if (!parsed) return json{{"ok", false}, {"error", parsed.error()}}.dump();
      only_peer = *parsed;
    }
    const std::string only_state = req.value("state", "");
    const bool extensive = req.value("level", "") == "extensive";
    json list = json::array();
    for (const auto& [id, t] : e.tunnels()) {
      if (only_id != 0 && id != only_id) continue;
      if (only_peer && !t.peer().same_host(*only_peer)) continue;
      if (!only_state.empty() && tunnel::name(t.state()) != only_state) continue;
      list.push_back(tunnel_json(t, extensive));
    }
    answer = {{"ok", true}, {"tunnels", list}};
  } else if (command == "show-sessions") {
    const std::size_t limit = req.value("limit", std::size_t{0});
    const int only_tunnel = req.value("tunnel", 0);
    json list = json::array();
    for (const auto& [id, t] : e.tunnels()) {
      if (only_tunnel != 0 && id != only_tunnel) continue;
      for (const auto& [sid, s] : t.sessions()) {
        if (limit != 0 && list.size() >= limit) break;
        list.push_back({{"local-tunnel-id", id},
                        {"local-session-id", sid},
                        {"remote-session-id", s.peer_id()},
                        {"state", std::string(session::name(s.state()))}});
      }
    }
    answer = {{"ok", true}, {"sessions", list}};
  } else if (command == "show-statistics") {
    answer = {{"ok", true}, {"statistics", statistics(e)}};
  } else if (command == "call") {
    answer = call(d, req);
  } else if (command == "clear-tunnel") {
    const bool done = e.close_tunnel(d.now(), req.value("tunnel", std::uint16_t{0}),
                                     {1, std::nullopt, "cleared by the operator"});
    answer = done ? json{{"ok", true}} : json{{"ok", false}, {"error", "no such tunnel"}};
  } else if (command == "clear-session") {
    const bool done = e.close_session(d.now(), req.value("tunnel", std::uint16_t{0}),
                                      req.value("session", std::uint16_t{0}),
                                      {3, std::nullopt, "cleared by the operator"});
    answer = done ? json{{"ok", true}} : json{{"ok", false}, {"error", "no such session"}};
  } else if (command == "request-restart") {
    d.request_stop(Daemon::StopKind::hitless);
    answer = {{"ok", true}};
  } else if (command == "request-shutdown") {
    d.request_stop(req.value("clear", false) ? Daemon::StopKind::clearing_shutdown
                                             : Daemon::StopKind::shutdown);
    answer = {{"ok", true}};
  } else {
    answer = {{"ok", false}, {"error", "unknown command \"" + command + "\""}};
  }
  return answer.dump();
}

}  // namespace hl2tp::daemon
