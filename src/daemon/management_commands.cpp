#include "daemon/management_commands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <exception>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

#include "daemon/daemon.hpp"
#include "daemon/request_fields.hpp"

namespace hl2tp::daemon {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kLevels = {"brief", "detail", "extensive"};

const std::array<std::string_view, 7>& tunnel_state_names() {
  using tunnel::State;
  static const std::array<std::string_view, 7> names = {
      tunnel::name(State::idle),          tunnel::name(State::wait_ctl_reply),
      tunnel::name(State::wait_ctl_conn), tunnel::name(State::established),
      tunnel::name(State::closing),       tunnel::name(State::stopped),
      tunnel::name(State::dead)};
  return names;
}

const std::array<std::string_view, 6>& session_state_names() {
  using session::State;
  static const std::array<std::string_view, 6> names = {
      session::name(State::wait_tunnel),  session::name(State::wait_reply),
      session::name(State::wait_connect), session::name(State::wait_cs_answer),
      session::name(State::established),  session::name(State::closed)};
  return names;
}

json failure(std::string error) {
  return {{"ok", false}, {"error", std::move(error)}};
}

std::string role_name(Role r) {
  return r == Role::lac ? "lac" : r == Role::lns ? "lns" : "both";
}

// Who asked, for the log: what the kernel says of the management connection's other end.
std::string who(const std::optional<ClientCredentials>& client) {
  return client ? fmt::format("uid={} pid={}", client->uid, client->pid) : "unidentified client";
}

// The engine's maps are unordered; operators and scripts read lists sorted by ID.
std::vector<const tunnel::Tunnel*> sorted_tunnels(const engine::Endpoint& e) {
  std::vector<const tunnel::Tunnel*> out;
  out.reserve(e.tunnels().size());
  for (const auto& [id, t] : e.tunnels())
    out.push_back(&t);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->local_id() < b->local_id(); });
  return out;
}

std::vector<const session::Session*> sorted_sessions(const tunnel::Tunnel& t) {
  std::vector<const session::Session*> out;
  out.reserve(t.sessions().size());
  for (const auto& [id, s] : t.sessions())
    out.push_back(&s);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->local_id() < b->local_id(); });
  return out;
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
      // Negotiated at establishment: how this tunnel would recover...
      {"effective-peer-resync-mechanism", std::string(failover::name(t.resync_method()))},
      {"recovery-state", std::string(failover::name(r.state))},
  };
  if (t.recovery_link()) j["recovers-tunnel"] = t.recovery_link()->old_tunnel_id();
  if (r.state != failover::RecoveryState::none) {
    // ...and how it did: a protocol recovery may have fallen back to silent failover.
    j["recovery-method"] = std::string(failover::name(r.method));
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

// A JSON string: escaped, and invalid UTF-8 (a peer's host name comes off the wire) replaced.
std::string json_string(std::string_view text) {
  // Most are printable ASCII with nothing to escape (addresses, numbers): no json value needed.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; })) {
    return fmt::format("\"{}\"", text);
  }
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

// What every session of one tunnel repeats, made once per tunnel.
struct TunnelText {
  explicit TunnelText(const tunnel::Tunnel& t)
      : remote_address(json_string(t.peer().to_string())),
        remote_host(json_string(t.peer_host_name())) {}
  std::string remote_address;
  std::string remote_host;
};

// One session, appended to `out` as a JSON object. brief: IDs and state; detail: what an operator
// asks about a subscriber's call; extensive: every call parameter we hold. Written as text rather
// than built as a json value: over 100,000 sessions nlohmann's objects took seconds to build,
// inside the loop, where this takes a fraction of that.
void append_session(std::string& out, const tunnel::Tunnel& t, const TunnelText& tt,
                    const session::Session& s, std::string_view level, Time now) {
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 R"({{"local-tunnel-id":{},"local-session-id":{},"remote-session-id":{},)"
                 R"("state":"{}")",
                 t.local_id(), s.local_id(), s.peer_id(), session::name(s.state()));
  if (level != "brief") {
    const auto& p = s.parameters();
    const auto uptime = session_uptime(s.established_at(), now);
    fmt::format_to(it,
                   R"(,"remote-tunnel-id":{},"remote-address":{},"uptime-s":{},)"
                   R"("call-serial-number":{},"calling-number":{},"called-number":{})",
                   t.peer_id(), tt.remote_address,
                   uptime ? fmt::format("{:.3f}", static_cast<double>(uptime->count()) / 1e6)
                          : std::string("null"),
                   p.call_serial_number, json_string(p.calling_number()),
                   json_string(p.called_number()));
    if (level == "extensive") {
      fmt::format_to(
          it,
          R"(,"remote-host":{},"tunnel-state":"{}","role":"{}","direction":"{}",)"
          R"("was-established":{},"bearer-type":{},"framing-type":{},"tx-connect-speed":{},)"
          R"("rx-connect-speed":{},"minimum-bps":{},"maximum-bps":{},"sub-address":{},)"
          R"("sequencing-required":{})",
          tt.remote_host, tunnel::name(t.state()), s.role() == session::Role::lac ? "lac" : "lns",
          s.direction() == session::Direction::incoming ? "incoming" : "outgoing",
          s.was_established(), p.bearer_type, p.framing_type, p.tx_connect_speed,
          p.rx_connect_speed, p.minimum_bps, p.maximum_bps, json_string(p.sub_address()),
          p.sequencing_required);
      if (p.physical_channel_id) {
        fmt::format_to(it, R"(,"physical-channel-id":{})", *p.physical_channel_id);
      }
    }
  }
  out += '}';
}

json summary(Daemon& d) {
  const auto& e = d.endpoint();
  json by_state = json::object();
  std::size_t established_sessions = 0, recovering = 0;
  double worst_recovery_ms = 0;
  json methods = json::object(), methods_used = json::object();
  for (const auto& [id, t] : e.tunnels()) {
    if (t.recovery_link()) continue;  // transient RFC 4951 recovery tunnels
    by_state[std::string(tunnel::name(t.state()))] =
        by_state.value(std::string(tunnel::name(t.state())), 0) + 1;
    methods[std::string(failover::name(t.resync_method()))] =
        methods.value(std::string(failover::name(t.resync_method())), 0) + 1;
    if (t.recovery().state != failover::RecoveryState::none) {
      const std::string used(failover::name(t.recovery().method));
      methods_used[used] = methods_used.value(used, 0) + 1;
    }
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
        {"longest-recovery-ms", worst_recovery_ms},
        {"calls-dropped-at-restart", stats.calls_dropped_at_restart},
        {"peer-recoveries-completed", stats.peer_recoveries_completed},
        {"peer-requests-abandoned", stats.recovery_requests_abandoned},
        {"methods-used", methods_used}}},
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
      {"recovery-requests-stale", s.stale_recovery_requests},
      {"recovery-requests-abandoned", s.recovery_requests_abandoned},
      {"recovery-suggestions-withdrawn", s.recovery_suggestions_withdrawn},
      {"recovery-completions-late", s.late_recovery_completions},
      {"peer-recoveries-completed", s.peer_recoveries_completed},
      {"refusals-rate-limited", s.refusals_rate_limited},
      {"failover-messages-ignored", s.failover_messages_ignored},
      {"recoveries-completed", s.recoveries_completed},
      {"recoveries-failed", s.recoveries_failed},
      {"recovery-fall-backs", s.recovery_fallbacks},
      {"calls-dropped-at-restart", s.calls_dropped_at_restart},
  };
}

json show_tunnels(Daemon& d, RequestFields& fields) {
  const auto level = fields.one_of("level", kLevels).value_or("brief");
  const auto only_id = fields.integer("tunnel", 1, 65535);
  const auto peer_text = fields.text("peer");
  const auto only_state = fields.one_of("state", tunnel_state_names());
  if (fields.error()) return failure(*fields.error());
  std::optional<PeerAddress> only_peer;
  if (peer_text) {
    auto parsed = parse_address(*peer_text, 1701);
    if (!parsed) return failure(parsed.error());
    only_peer = *parsed;
  }
  const auto& e = d.endpoint();
  if (only_id && !e.find_tunnel(static_cast<std::uint16_t>(*only_id))) {
    return failure(fmt::format("no tunnel {}", *only_id));
  }
  json list = json::array();
  for (const auto* t : sorted_tunnels(e)) {
    if (only_id && t->local_id() != *only_id) continue;
    if (only_peer && !t->peer().same_host(*only_peer)) continue;
    if (only_state && tunnel::name(t->state()) != *only_state) continue;
    list.push_back(tunnel_json(*t, level == "extensive"));
  }
  return {{"ok", true}, {"tunnels", std::move(list)}};
}

// Answered as text (see append_session); a failure as a json value.
std::variant<json, std::string> show_sessions(Daemon& d, RequestFields& fields) {
  const auto level = fields.one_of("level", kLevels).value_or("brief");
  const auto limit = fields.integer("limit", 0, std::numeric_limits<std::uint32_t>::max());
  const auto only_tunnel = fields.integer("tunnel", 1, 65535);
  const auto only_session = fields.integer("session", 1, 65535);
  const auto only_state = fields.one_of("state", session_state_names());
  if (fields.error()) return failure(*fields.error());
  const auto& e = d.endpoint();
  const tunnel::Tunnel* tunnel = nullptr;
  if (only_tunnel) {
    tunnel = e.find_tunnel(static_cast<std::uint16_t>(*only_tunnel));
    if (!tunnel) return failure(fmt::format("no tunnel {}", *only_tunnel));
  }
  const std::size_t most = limit && *limit > 0 ? static_cast<std::size_t>(*limit) : SIZE_MAX;
  const Time now = d.now();
  std::string out = R"({"ok":true,"sessions":[)";
  std::size_t listed = 0;
  bool session_found = false;
  for (const auto* t : tunnel ? std::vector{tunnel} : sorted_tunnels(e)) {
    if (listed >= most && (!only_session || session_found)) break;
    const TunnelText tt(*t);
    for (const auto* s : sorted_sessions(*t)) {
      if (only_session && s->local_id() != *only_session) continue;
      session_found = true;
      if (only_state && session::name(s->state()) != *only_state) continue;
      if (listed >= most) break;
      if (listed++ > 0) out += ',';
      append_session(out, *t, tt, *s, level, now);
    }
  }
  if (only_session && !session_found) {
    return failure(only_tunnel
                       ? fmt::format("no session {} in tunnel {}", *only_session, *only_tunnel)
                       : fmt::format("no session {}", *only_session));
  }
  out += "]}";
  return out;
}

json call(Daemon& d, RequestFields& fields, const std::optional<ClientCredentials>& client) {
  const auto& limits = d.config().endpoint.limits;
  const auto peer_text = fields.text("peer", /*required=*/true);
  const auto count = fields.integer("count", 1, kMaxCallsPerRequest).value_or(1);
  const auto wanted_tunnels =
      fields
          .integer("tunnels", 1,
                   static_cast<std::int64_t>(std::min<std::size_t>(limits.max_tunnels, 65535)))
          .value_or(1);
  if (fields.error()) return failure(*fields.error());
  auto peer = parse_address(*peer_text, 1701);
  if (!peer) return failure(peer.error());
  auto& e = d.endpoint();
  const Time now = d.now();
  std::vector<std::uint16_t> tunnels;
  for (const auto* t : sorted_tunnels(e)) {
    // A tunnel still waiting its turn to open (opening_queue.hpp) counts: a second request while
    // the first one's tunnels are queued must not open as many again.
    const bool queued = t->state() == tunnel::State::idle && t->originator();
    if (t->peer().same_host(*peer) && !t->recovery_link() &&
        (t->state() == tunnel::State::established || t->state() == tunnel::State::wait_ctl_reply ||
         queued)) {
      tunnels.push_back(t->local_id());
    }
  }
  while (static_cast<std::int64_t>(tunnels.size()) < wanted_tunnels) {
    auto id = e.open_tunnel(now, *peer);
    if (!id) return failure(id.error());
    tunnels.push_back(*id);
  }
  tunnels.resize(static_cast<std::size_t>(wanted_tunnels));
  std::int64_t placed = 0;
  std::string last_error;
  for (std::int64_t i = 0; i < count; ++i) {
    session::CallParameters p;
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
  spdlog::info("operator ({}): call {} to {} over {} tunnels: {} placed{}", who(client), count,
               peer->to_string(), tunnels.size(), placed,
               last_error.empty() ? "" : " (" + last_error + ")");
  json j = {{"ok", placed == count}, {"placed", placed}, {"tunnels", tunnels}};
  if (!last_error.empty()) j["error"] = last_error;
  return j;
}

json clear_tunnel(Daemon& d, RequestFields& fields,
                  const std::optional<ClientCredentials>& client) {
  const auto id = fields.integer("tunnel", 1, 65535, /*required=*/true);
  if (fields.error()) return failure(*fields.error());
  const bool done = d.endpoint().close_tunnel(d.now(), static_cast<std::uint16_t>(*id),
                                              {1, std::nullopt, "cleared by the operator"});
  spdlog::info("operator ({}): clear tunnel {}: {}", who(client), *id,
               done ? "StopCCN sent" : "no such tunnel");
  return done ? json{{"ok", true}} : failure("no such tunnel");
}

json clear_session(Daemon& d, RequestFields& fields,
                   const std::optional<ClientCredentials>& client) {
  const auto tunnel_id = fields.integer("tunnel", 1, 65535, /*required=*/true);
  const auto session_id = fields.integer("session", 1, 65535, /*required=*/true);
  if (fields.error()) return failure(*fields.error());
  const bool done = d.endpoint().close_session(d.now(), static_cast<std::uint16_t>(*tunnel_id),
                                               static_cast<std::uint16_t>(*session_id),
                                               {3, std::nullopt, "cleared by the operator"});
  spdlog::info("operator ({}): clear session {} of tunnel {}: {}", who(client), *session_id,
               *tunnel_id, done ? "CDN sent" : "no such session");
  return done ? json{{"ok", true}} : failure("no such session");
}

// The answer as a json value, or as JSON text where building a value would cost too much.
std::variant<json, std::string> answer(Daemon& d, const json& request,
                                       const std::optional<ClientCredentials>& client) {
  RequestFields fields(request);
  const auto command = fields.text("command", /*required=*/true);
  if (!command) return failure(*fields.error());
  if (*command == "show-summary") return json{{"ok", true}, {"summary", summary(d)}};
  if (*command == "show-tunnels") return show_tunnels(d, fields);
  if (*command == "show-sessions") return show_sessions(d, fields);
  if (*command == "show-statistics")
    return json{{"ok", true}, {"statistics", statistics(d.endpoint())}};
  if (*command == "call") return call(d, fields, client);
  if (*command == "clear-tunnel") return clear_tunnel(d, fields, client);
  if (*command == "clear-session") return clear_session(d, fields, client);
  if (*command == "request-restart") {
    spdlog::info(
        "operator ({}): request restart: stopping; every tunnel recovers at the next start",
        who(client));
    d.request_stop(Daemon::StopKind::hitless);
    return json{{"ok", true}};
  }
  if (*command == "request-shutdown") {
    const bool clear = fields.flag("clear").value_or(false);
    if (fields.error()) return failure(*fields.error());
    spdlog::info("operator ({}): request shutdown{}", who(client),
                 clear ? " --clear: StopCCN on every tunnel, then stop" : ": stopping");
    d.request_stop(clear ? Daemon::StopKind::clearing_shutdown : Daemon::StopKind::shutdown);
    return json{{"ok", true}};
  }
  return failure("unknown command \"" + *command + "\"");
}

}  // namespace

std::optional<Duration> session_uptime(std::optional<Time> established_at, Time now) {
  if (!established_at || *established_at > now) return std::nullopt;
  return now - *established_at;
}

std::string handle_request(Daemon& d, std::string_view line,
                           const std::optional<ClientCredentials>& client) {
  // Invalid UTF-8 (in a command name, or a peer's host name from the wire) is replaced rather
  // than thrown on by dump().
  const auto text = [](const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  try {
    const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.is_object()) {
      return text(failure("expected a JSON object with a \"command\""));
    }
    auto answered = answer(d, request, client);
    if (auto* written = std::get_if<std::string>(&answered)) return std::move(*written);
    return text(std::get<json>(answered));
  } catch (const std::exception& e) {
    // The shell's edge: nothing a client sends may end the daemon. Reaching here is a bug.
    spdlog::error("management request failed: {}", e.what());
    return text(failure(std::string("internal error: ") + e.what()));
  }
}

}  // namespace hl2tp::daemon
