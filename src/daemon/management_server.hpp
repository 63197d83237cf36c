#pragma once
// The management socket (a Unix stream socket): hl2tpctl sends one JSON request on a line and reads
// one JSON answer on a line. The protocol is in management_commands.hpp; the connections are a
// StreamServer's (non-blocking, bounded, with deadlines).
#include <memory>
#include <optional>
#include <string>

#include "daemon/stream_server.hpp"

namespace hl2tp::daemon {

class Daemon;

class ManagementServer {
 public:
  // What one client may hold: hl2tpctl sends a line of well under 1 KiB; an answer can be tens of
  // megabytes (`show session extensive` over 100,000 sessions), hence the longer deadline.
  static StreamServerLimits default_limits();

  explicit ManagementServer(Daemon& daemon, StreamServerLimits limits = default_limits());
  ~ManagementServer();
  // Creates the socket (a stale one from a previous incarnation is replaced) and files it in
  // `poll` under `tag_base`.
  std::optional<std::string> listen(const std::string& path, EpollSet& poll,
                                    std::uint64_t tag_base);
  StreamServer& server() { return server_; }
  const StreamServer& server() const { return server_; }

 private:
  Daemon& daemon_;
  StreamServer server_;
  std::string path_;
};

}  // namespace hl2tp::daemon
