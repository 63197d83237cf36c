#include "daemon/event_line.hpp"

#include <iterator>

namespace hl2tp::daemon {

std::string_view event_kind_name(tunnel::EventKind kind) {
  using tunnel::EventKind;
  switch (kind) {
    case EventKind::tunnel_established:
      return "tunnel-established";
    case EventKind::tunnel_closed:
      return "tunnel-closed";
    case EventKind::session_established:
      return "session-established";
    case EventKind::session_closed:
      return "session-closed";
    case EventKind::wan_error_notify:
      return "wan-error-notify";
    case EventKind::set_link_info:
      return "set-link-info";
    case EventKind::tunnel_recovered:
      return "tunnel-recovering";
    case EventKind::recovery_completed:
      return "recovery-completed";
    case EventKind::recovery_failed:
      return "recovery-failed";
    case EventKind::recovery_refused:
      return "recovery-refused";
    case EventKind::peer_recovered:
      return "peer-recovered";
    case EventKind::recovery_request_abandoned:
      return "recovery-request-abandoned";
    case EventKind::recovery_suggestion_withdrawn:
      return "recovery-suggestion-withdrawn";
    case EventKind::tunnel_moved:
      return "tunnel-moved";
  }
  return "?";
}

void format_event_line(const tunnel::Event& e, std::uint64_t suppressed_before,
                       fmt::memory_buffer& line) {
  using tunnel::EventKind;
  const bool session_event = e.kind == EventKind::session_established ||
                             e.kind == EventKind::session_closed || e.session_id != 0;
  const bool closed = e.kind == EventKind::session_closed || e.kind == EventKind::tunnel_closed;
  auto out = std::back_inserter(line);
  fmt::format_to(out, "event={}", event_kind_name(e.kind));
  if (e.peer != PeerAddress{}) fmt::format_to(out, " peer={}", e.peer.to_string());
  fmt::format_to(out, " tunnel={} peer_tunnel={}", e.tunnel_id, e.peer_tunnel_id);
  if (session_event) {
    fmt::format_to(out, " session={} peer_session={} serial={}", e.session_id, e.peer_session_id,
                   e.call_serial);
  }
  if (e.result) {
    fmt::format_to(out, " result={}", e.result->result);
    if (e.result->error) fmt::format_to(out, " error={}", *e.result->error);
    if (!e.result->message.empty()) fmt::format_to(out, " message={:?}", e.result->message);
  } else if (closed) {
    fmt::format_to(out, " result=-");
  }
  if (e.kind == EventKind::tunnel_established) {
    fmt::format_to(out, " peer_host_name={:?}", e.reason);  // what tunnel.cpp puts there
  } else if (!e.reason.empty() || closed) {
    fmt::format_to(out, " reason={:?}", e.reason);
  }
  if (suppressed_before > 0) fmt::format_to(out, " suppressed_before={}", suppressed_before);
}

}  // namespace hl2tp::daemon
