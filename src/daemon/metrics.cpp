#include "daemon/metrics.hpp"

#include <fmt/format.h>

#include <map>

#include "daemon/daemon.hpp"
#include "daemon/stream_server.hpp"

namespace hl2tp::daemon {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string metrics_text(Daemon& d) {
  const auto& e = d.endpoint();
  std::map<std::string, std::uint64_t> tunnels, sessions, recovery_states;
  for (const auto& [id, t] : e.tunnels()) {
    if (t.recovery_link()) continue;
    ++tunnels[std::string(tunnel::name(t.state()))];
    ++recovery_states[std::string(failover::name(t.recovery().state)) + "\",method=\"" +
                      std::string(failover::name(t.recovery().method))];
    for (const auto& [sid, s] : t.sessions())
      ++sessions[std::string(session::name(s.state()))];
  }
  const auto s = e.stats();
  std::string out;
  family(out, "hl2tp_tunnels", "gauge", "Tunnels by state.");
  for (const auto& [state, n] : tunnels)
    out += fmt::format("hl2tp_tunnels{{state=\"{}\"}} {}\n", state, n);
  family(out, "hl2tp_sessions", "gauge", "Sessions by state.");
  for (const auto& [state, n] : sessions)
    out += fmt::format("hl2tp_sessions{{state=\"{}\"}} {}\n", state, n);
  family(out, "hl2tp_tunnel_recovery", "gauge", "Tunnels by recovery state and the method used.");
  for (const auto& [labels, n] : recovery_states)
    out += fmt::format("hl2tp_tunnel_recovery{{state=\"{}\"}} {}\n", labels, n);
  family(out, "hl2tp_control_messages_total", "counter", "Control messages, by what happened.");
  for (auto [what, n] :
       {std::pair("sent", s.channel.sent), std::pair("received", s.channel.received),
        std::pair("retransmitted", s.channel.retransmitted),
        std::pair("duplicate", s.channel.duplicates),
        std::pair("out_of_order", s.channel.out_of_order),
        std::pair("zlb_sent", s.channel.zlb_sent)}) {
    out += fmt::format("hl2tp_control_messages_total{{kind=\"{}\"}} {}\n", what, n);
  }
  family(out, "hl2tp_dropped_total", "counter", "Datagrams dropped, by reason.");
  for (auto [why, n] :
       {std::pair("decode_error", s.decode_errors), std::pair("unknown_tunnel", s.unknown_tunnel),
        std::pair("wrong_peer", s.wrong_peer), std::pair("not_sccrq", s.not_sccrq),
        std::pair("unlisted_peer", s.unlisted_peer),
        std::pair("data_message", s.data_messages_dropped),
        std::pair("failover_message_without_capability", s.failover_messages_ignored)}) {
    out += fmt::format("hl2tp_dropped_total{{reason=\"{}\"}} {}\n", why, n);
  }
  family(out, "hl2tp_recoveries_total", "counter", "Recoveries after our restarts, by outcome.");
  out +=
      fmt::format("hl2tp_recoveries_total{{outcome=\"completed\"}} {}\n", s.recoveries_completed);
  out += fmt::format("hl2tp_recoveries_total{{outcome=\"failed\"}} {}\n", s.recoveries_failed);
  out += fmt::format("hl2tp_recoveries_total{{outcome=\"fell_back_to_silent\"}} {}\n",
                     s.recovery_fallbacks);
  family(out, "hl2tp_recovery_requests_refused_total", "counter",
         "RFC 4951 recovery requests from peers that were refused.");
  out += fmt::format("hl2tp_recovery_requests_refused_total {}\n", s.recovery_refused);
  family(out, "hl2tp_peer_recovery_requests_total", "counter",
         "RFC 4951 recovery requests from peers, by what became of them (the helping end).");
  for (auto [outcome, n] : {std::pair("refused", s.recovery_refused),
                            std::pair("stale_copy_ignored", s.stale_recovery_requests),
                            std::pair("abandoned", s.recovery_requests_abandoned),
                            std::pair("completed", s.peer_recoveries_completed),
                            std::pair("not_taken_up", s.recovery_suggestions_withdrawn)}) {
    out += fmt::format("hl2tp_peer_recovery_requests_total{{outcome=\"{}\"}} {}\n", outcome, n);
  }
  family(out, "hl2tp_refusals_rate_limited_total", "counter",
         "StopCCN refusals not sent: their source exceeded its rate.");
  out += fmt::format("hl2tp_refusals_rate_limited_total {}\n", s.refusals_rate_limited);
  family(out, "hl2tp_tunnels_waiting_turn", "gauge",
         "Tunnels of ours waiting to send their SCCRQ: one opens at a time to a peer.");
  out += fmt::format("hl2tp_tunnels_waiting_turn {}\n", s.tunnels_waiting_turn);
  family(out, "hl2tp_tunnels_opened_after_waiting_total", "counter",
         "Tunnels of ours whose SCCRQ went after they waited for another one to the same peer.");
  out +=
      fmt::format("hl2tp_tunnels_opened_after_waiting_total {}\n", s.tunnels_opened_after_waiting);
  family(out, "hl2tp_calls_dropped_at_restart_total", "counter",
         "Calls being set up when hl2tpd failed, gone at the restart (only established calls are "
         "kept).");
  out += fmt::format("hl2tp_calls_dropped_at_restart_total {}\n", s.calls_dropped_at_restart);
  family(out, "hl2tp_call_requests_withheld_at_restart_total", "counter",
         "Of those calls, requests (ICRQ/OCRQ) not sent again: a HELLO took their place.");
  out += fmt::format("hl2tp_call_requests_withheld_at_restart_total {}\n",
                     s.call_requests_withheld_at_restart);
  family(out, "hl2tp_unknown_tunnel_stopped_total", "counter",
         "Control messages for a tunnel we do not hold (one forgotten at a restart while it was "
         "being set up), answered with a StopCCN.");
  out += fmt::format("hl2tp_unknown_tunnel_stopped_total {}\n", s.unknown_tunnel_stopped);
  family(out, "hl2tp_local_connections_total", "counter",
         "Connections to the management socket and the metrics page, by how they ended.");
  for (auto [server, s_name] :
       {std::pair(d.management_server(), "management"), std::pair(d.metrics_server(), "metrics")}) {
    if (!server) continue;
    for (auto outcome : kConnectionOutcomes) {
      out += fmt::format("hl2tp_local_connections_total{{server=\"{}\",outcome=\"{}\"}} {}\n",
                         s_name, name(outcome), server->count(outcome));
    }
  }
  family(out, "hl2tp_local_connections_open", "gauge",
         "Open connections to the management socket and the metrics page.");
  for (auto [server, s_name] :
       {std::pair(d.management_server(), "management"), std::pair(d.metrics_server(), "metrics")}) {
    if (server) {
      out += fmt::format("hl2tp_local_connections_open{{server=\"{}\"}} {}\n", s_name,
                         server->open_connections());
    }
  }
  out += d.recovery_seconds().text("hl2tp_recovery_duration_seconds",
                                   "Time from restart to a tunnel's recovery completing.");
  out += d.commit_seconds().text("hl2tp_store_commit_seconds",
                                 "Latency of one group commit of the store (on the committer "
                                 "thread; several turns' records when they queue up).");
  out += d.loop_turn_seconds().text(
      "hl2tp_loop_turn_seconds",
      "How long one turn of the event loop kept it from its sockets (it never waits on the disk).");
  family(out, "hl2tp_loop_turn_longest_seconds", "gauge", "The longest loop turn since start.");
  out += fmt::format("hl2tp_loop_turn_longest_seconds {}\n", d.longest_loop_turn_seconds());
  family(out, "hl2tp_loop_turn_longest_cpu_seconds", "gauge",
         "The most CPU time one loop turn used since start (a longer wall-clock turn waited for a "
         "core).");
  out += fmt::format("hl2tp_loop_turn_longest_cpu_seconds {}\n", d.longest_loop_turn_cpu_seconds());
  family(out, "hl2tp_datagrams_awaiting_commit", "gauge",
         "Datagrams produced and held until the records before them are durable.");
  out += fmt::format("hl2tp_datagrams_awaiting_commit {}\n", d.datagrams_awaiting_commit());
  return out;
}

}  // namespace hl2tp::daemon
