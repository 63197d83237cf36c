#pragma once
// One request and one answer over a connection accepted from a listening stream socket: what the
// management socket and the metrics page both do. The client gets one second to send its request
// (up to `terminator`, at most `max_request` octets) and to take the answer; the loop waits no
// longer for a slow one.
#include <functional>
#include <string>
#include <string_view>

namespace hl2tp::daemon {

void serve_one_request(int listen_fd, std::string_view terminator, std::size_t max_request,
                       const std::function<std::string(const std::string& request)>& answer);

}  // namespace hl2tp::daemon
