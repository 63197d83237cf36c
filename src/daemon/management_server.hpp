#pragma once
// The management socket (a Unix stream socket): hl2tpctl sends one JSON request on a line and reads
// one JSON answer on a line. The protocol is in management_commands.hpp.
#include <optional>
#include <string>

namespace hl2tp::daemon {

class Daemon;

class ManagementServer {
 public:
  explicit ManagementServer(Daemon& daemon) : daemon_(daemon) {}
  ~ManagementServer();
  // Creates the socket (a stale one from a previous incarnation is replaced).
  std::optional<std::string> listen(const std::string& path);
  int fd() const { return fd_; }
  // Serves one waiting client: its request, our answer. A client gets one second to send its
  // line; the loop does not wait longer for a slow one.
  void accept_one();

 private:
  Daemon& daemon_;
  int fd_ = -1;
  std::string path_;
};

}  // namespace hl2tp::daemon
