#pragma once
// The management protocol: one JSON object per line each way. A request names a command:
//   {"command": "show-summary"}
//   {"command": "show-tunnels", "level": "brief|detail|extensive", "tunnel": ID, "peer": "ADDR",
//    "state": "established"}                         tunnels (filters optional), recovery state
//   {"command": "show-sessions", "limit": N, "tunnel": ID}   sessions (all without a limit)
//   {"command": "show-statistics"}                    counters (EndpointStats)
//   {"command": "call", "peer": "192.0.2.2", "count": N, "tunnels": T}
//        LAC: places N incoming calls on T tunnels to the peer, opening tunnels as needed
//   {"command": "clear-tunnel", "tunnel": ID}         StopCCN
//   {"command": "clear-session", "tunnel": ID, "session": ID}   CDN
//   {"command": "request-restart"}                    stop; every tunnel recovers at the next start
//   {"command": "request-shutdown", "clear": true}    StopCCN everywhere first, then stop
// The answer is {"ok": true, ...} or {"ok": false, "error": "..."}. Field names follow Junos'
// `show services l2tp` where one exists, in lower-case with dashes.
#include <string>

namespace hl2tp::daemon {

class Daemon;

std::string handle_request(Daemon& daemon, const std::string& line);

}  // namespace hl2tp::daemon
