// hl2tpctl: the operator's view of hl2tpd over its management socket (src/daemon/
// management_commands.hpp): show summary|tunnel|session|statistics (text, or --json), clear,
// request restart|shutdown, and `call` to place test calls from a LAC (until PPPoE arrives).
// Exit status: 0 when the daemon answered ok, 1 when it answered with an error (an unknown tunnel,
// session or state among them), 2 when it could not be reached.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

// One request, one answer; nothing when the daemon cannot be reached (the error is printed).
std::optional<json> ask(const std::string& socket_path, const json& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "hl2tpctl: socket path too long: %s\n", socket_path.c_str());
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::fprintf(stderr, "hl2tpctl: cannot reach hl2tpd at %s: %s (is it running?)\n",
                 socket_path.c_str(), std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  const std::string line = request.dump() + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    // MSG_NOSIGNAL: a daemon that closes on us is an error message, not death by SIGPIPE.
    const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::fprintf(stderr, "hl2tpctl: sending to hl2tpd at %s: %s\n", socket_path.c_str(),
                   std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  json j = json::parse(answer, nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stderr, "hl2tpctl: unreadable answer from hl2tpd\n");
    return std::nullopt;
  }
  return j;
}

std::string text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void print_object(const json& o, const std::string& indent = "") {
  for (const auto& [k, v] : o.items()) {
    if (v.is_object()) {
      std::printf("%s%s:\n", indent.c_str(), k.c_str());
      print_object(v, indent + "  ");
    } else {
      std::printf("%s%-34s %s\n", indent.c_str(), (k + ":").c_str(), text(v).c_str());
    }
  }
}

void print_tunnels(const json& tunnels) {
  std::printf("%-8s %-8s %-22s %-12s %8s  %-18s %s\n", "Local ID", "Remote", "Remote address",
              "State", "Sessions", "Resync mechanism", "Recovery");
  for (const auto& t : tunnels) {
    std::string recovery = text(t["recovery-state"]);
    // The method the recovery used, which a fall-back may have made differ from the negotiated
    // mechanism in the column before.
    if (t.contains("recovery-method")) recovery += " by " + text(t["recovery-method"]);
    if (t.contains("recovers-tunnel"))
      recovery = "RFC 4951 recovery tunnel of " + text(t["recovers-tunnel"]);
    if (t.contains("recovery-time-ms")) recovery += " in " + text(t["recovery-time-ms"]) + " ms";
    std::printf("%-8s %-8s %-22s %-12s %8s  %-18s %s\n", text(t["local-tunnel-id"]).c_str(),
                text(t["remote-tunnel-id"]).c_str(), text(t["remote-address"]).c_str(),
                text(t["state"]).c_str(), text(t["sessions"]).c_str(),
                text(t["effective-peer-resync-mechanism"]).c_str(), recovery.c_str());
  }
}

// "3d 04:05:06", or "unknown".
std::string uptime_text(const json& seconds) {
  if (!seconds.is_number()) return "unknown";
  auto s = static_cast<long long>(seconds.get<double>());
  const long long days = s / 86400;
  s %= 86400;
  char out[64];
  std::snprintf(out, sizeof(out), "%s%02lld:%02lld:%02lld",
                days > 0 ? (std::to_string(days) + "d ").c_str() : "", s / 3600, s / 60 % 60,
                s % 60);
  return out;
}

void print_sessions(const json& sessions, std::string_view level) {
  if (level == "brief") {
    std::printf("%-8s %-8s %-8s %s\n", "Tunnel", "Session", "Remote", "State");
    for (const auto& s : sessions) {
      std::printf("%-8s %-8s %-8s %s\n", text(s["local-tunnel-id"]).c_str(),
                  text(s["local-session-id"]).c_str(), text(s["remote-session-id"]).c_str(),
                  text(s["state"]).c_str());
    }
    return;
  }
  for (auto s : sessions) {
    std::printf("Session %s/%s\n", text(s["local-tunnel-id"]).c_str(),
                text(s["local-session-id"]).c_str());
    if (s.contains("uptime-s")) {
      s["uptime"] = uptime_text(s["uptime-s"]);
      s.erase("uptime-s");
    }
    print_object(s, "  ");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hl2tpctl: show and control hl2tpd"};
  app.set_version_flag("--version", HL2TP_VERSION);
  // --json and -s are accepted after a subcommand too: `hl2tpctl show session --json`.
  app.fallthrough();
  std::string socket_path = "/run/hl2tp/hl2tpd.sock";
  bool as_json = false;
  app.add_option("-s,--socket", socket_path, "hl2tpd's management socket");
  app.add_flag("--json", as_json, "print the daemon's answer as JSON");
  app.require_subcommand(1);

  json request;
  auto* show = app.add_subcommand("show", "show summary|tunnel|session|statistics");
  show->require_subcommand(1);
  show->add_subcommand("summary")->callback([&] { request = {{"command", "show-summary"}}; });
  std::string level = "brief", peer_filter, state_filter;
  int tunnel_filter = 0;
  auto* show_tunnel = show->add_subcommand("tunnel", "tunnels: brief (a table), detail, extensive");
  show_tunnel->add_option("level", level)->check(CLI::IsMember({"brief", "detail", "extensive"}));
  // Given or not, rather than a sentinel: `--tunnel 0` reaches the daemon, which refuses it.
  auto* tunnel_option =
      show_tunnel->add_option("--tunnel", tunnel_filter, "only this local tunnel ID");
  show_tunnel->add_option("--peer", peer_filter, "only tunnels to this peer address");
  show_tunnel->add_option("--state", state_filter, "only tunnels in this state");
  show_tunnel->callback([&] {
    request = {{"command", "show-tunnels"}, {"level", level}};
    if (tunnel_option->count() > 0) request["tunnel"] = tunnel_filter;
    if (!peer_filter.empty()) request["peer"] = peer_filter;
    if (!state_filter.empty()) request["state"] = state_filter;
  });
  std::size_t limit = 0;
  int session_filter = 0;
  auto* show_session = show->add_subcommand(
      "session", "sessions sorted by tunnel and session ID: brief (a table), detail, extensive");
  show_session->add_option("level", level)->check(CLI::IsMember({"brief", "detail", "extensive"}));
  show_session->add_option("--limit", limit, "at most this many");
  auto* session_tunnel_option =
      show_session->add_option("--tunnel", tunnel_filter, "only sessions of this local tunnel ID");
  auto* session_option = show_session->add_option("--session", session_filter,
                                                  "only sessions with this local session ID");
  show_session->add_option("--state", state_filter, "only sessions in this state");
  show_session->callback([&] {
    request = {{"command", "show-sessions"}, {"level", level}, {"limit", limit}};
    if (session_tunnel_option->count() > 0) request["tunnel"] = tunnel_filter;
    if (session_option->count() > 0) request["session"] = session_filter;
    if (!state_filter.empty()) request["state"] = state_filter;
  });
  show->add_subcommand("statistics")->callback([&] { request = {{"command", "show-statistics"}}; });

  auto* clear = app.add_subcommand("clear", "clear tunnel ID | session TUNNEL SESSION");
  clear->require_subcommand(1);
  int tunnel_id = 0, session_id = 0;
  auto* clear_tunnel = clear->add_subcommand("tunnel");
  clear_tunnel->add_option("id", tunnel_id)->required();
  clear_tunnel->callback([&] { request = {{"command", "clear-tunnel"}, {"tunnel", tunnel_id}}; });
  auto* clear_session = clear->add_subcommand("session");
  clear_session->add_option("tunnel", tunnel_id)->required();
  clear_session->add_option("session", session_id)->required();
  clear_session->callback([&] {
    request = {{"command", "clear-session"}, {"tunnel", tunnel_id}, {"session", session_id}};
  });

  auto* req = app.add_subcommand("request", "request restart | shutdown [--clear]");
  req->require_subcommand(1);
  req->add_subcommand("restart")->callback([&] { request = {{"command", "request-restart"}}; });
  bool clear_all = false;
  auto* shutdown = req->add_subcommand("shutdown");
  shutdown->add_flag("--clear", clear_all, "send StopCCN on every tunnel first");
  shutdown->callback([&] { request = {{"command", "request-shutdown"}, {"clear", clear_all}}; });

  std::string peer;
  int count = 1, tunnels = 1;
  auto* call = app.add_subcommand("call", "LAC: place COUNT calls to PEER over TUNNELS tunnels");
  call->add_option("peer", peer)->required();
  call->add_option("--count", count);
  call->add_option("--tunnels", tunnels);
  call->callback([&] {
    request = {{"command", "call"}, {"peer", peer}, {"count", count}, {"tunnels", tunnels}};
  });
  CLI11_PARSE(app, argc, argv);

  auto answer = ask(socket_path, request);
  if (!answer) return 2;
  if (as_json) {
    std::printf("%s\n", answer->dump(2).c_str());
  } else if (!answer->value("ok", false)) {
    std::fprintf(stderr, "hl2tpctl: %s\n", answer->value("error", std::string("failed")).c_str());
  } else if (answer->contains("summary")) {
    print_object((*answer)["summary"]);
  } else if (answer->contains("tunnels") && (*answer)["tunnels"].is_array() &&
             request["command"] == "show-tunnels") {
    if (level == "brief") {
      print_tunnels((*answer)["tunnels"]);
    } else {
      for (const auto& t : (*answer)["tunnels"]) {
        std::printf("Tunnel %s\n", text(t["local-tunnel-id"]).c_str());
        print_object(t, "  ");
      }
    }
  } else if (answer->contains("statistics")) {
    print_object((*answer)["statistics"]);
  } else if (answer->contains("sessions") && (*answer)["sessions"].is_array()) {
    print_sessions((*answer)["sessions"], level);
  } else {
    print_object(*answer);
  }
  return answer->value("ok", false) ? 0 : 1;
}
