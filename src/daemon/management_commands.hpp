#pragma once
// The management protocol: one JSON object per line each way. A request names a command:
//   {"command": "show-summary"}
//   {"command": "show-tunnels", "level": "brief|detail|extensive", "tunnel": ID, "peer": "ADDR",
//    "state": "established"}                         tunnels (filters optional), recovery state
//   {"command": "show-sessions", "level": "brief|detail|extensive", "limit": N, "tunnel": ID,
//    "session": ID, "state": "established"}          sessions sorted by tunnel and session ID
//   {"command": "show-statistics"}                    counters (EndpointStats)
//   {"command": "call", "peer": "192.0.2.2", "count": N, "tunnels": T}
//        LAC: places N incoming calls on T tunnels to the peer, opening tunnels as needed
//   {"command": "clear-tunnel", "tunnel": ID}         StopCCN
//   {"command": "clear-session", "tunnel": ID, "session": ID}   CDN
//   {"command": "request-restart"}                    stop; every tunnel recovers at the next start
//   {"command": "request-shutdown", "clear": true}    StopCCN everywhere first, then stop
// The answer is {"ok": true, ...} or {"ok": false, "error": "..."}: a field of the wrong type or
// out of range, a filter naming a tunnel or session we do not hold or a state that does not exist
// are errors. Field names follow Junos' `show services l2tp` where one exists, in lower-case with
// dashes; fields are added, never renamed (scripts read them).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.hpp"
#include "daemon/client_credentials.hpp"

namespace hl2tp::daemon {

class Daemon;

// The most calls one `call` request places. The loop places them all in one turn, and a count of
// 2^31 would hold it for minutes. At this bound the request holds the loop for about 0.4 s
// (100,000 calls over 100 tunnels, measured on a loaded two-core machine); it is as many as the
// benchmarks place in one request. More calls take several requests.
inline constexpr std::int64_t kMaxCallsPerRequest = 100'000;

// `client`: who sent the request (SO_PEERCRED), for the log of what operators clear and request.
// Never throws; any request, however malformed, gets an answer.
std::string handle_request(Daemon& daemon, std::string_view line,
                           const std::optional<ClientCredentials>& client = std::nullopt);

// How long a session has been established at `now`: unknown when it never was, or when the time
// it became established lies ahead of `now` (kept by a previous boot's monotonic clock).
std::optional<Duration> session_uptime(std::optional<Time> established_at, Time now);

}  // namespace hl2tp::daemon
