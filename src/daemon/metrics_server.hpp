#pragma once
// A minimal HTTP/1.1 server for the metrics page: GET /metrics answers the Prometheus text, any
// other path 404. One request per connection (Connection: close); the connections are a
// StreamServer's (non-blocking, bounded, with deadlines).
#include <optional>
#include <string>

#include "base/peer_address.hpp"
#include "daemon/stream_server.hpp"

namespace hl2tp::daemon {

class Daemon;

class MetricsServer {
 public:
  // A scraper sends a request head of a few hundred octets and reads a page of a few KiB; a
  // Prometheus scrape times out after 10 s by default, well after ours.
  static StreamServerLimits default_limits();

  explicit MetricsServer(Daemon& daemon, StreamServerLimits limits = default_limits());
  std::optional<std::string> listen(const PeerAddress& address, EpollSet& poll,
                                    std::uint64_t tag_base);
  StreamServer& server() { return server_; }
  const StreamServer& server() const { return server_; }

 private:
  Daemon& daemon_;
  StreamServer server_;
};

}  // namespace hl2tp::daemon
