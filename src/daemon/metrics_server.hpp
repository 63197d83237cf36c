#pragma once
// A minimal HTTP/1.1 server for the metrics page: GET /metrics answers the Prometheus text, any
// other path 404. One request per connection; a client gets one second to send its request.
#include <optional>
#include <string>

#include "tunnel/peer_address.hpp"

namespace hl2tp::daemon {

class Daemon;

class MetricsServer {
 public:
  explicit MetricsServer(Daemon& daemon) : daemon_(daemon) {}
  ~MetricsServer();
  std::optional<std::string> listen(const tunnel::PeerAddress& address);
  int fd() const { return fd_; }
  void accept_one();

 private:
  Daemon& daemon_;
  int fd_ = -1;
};

}  // namespace hl2tp::daemon
