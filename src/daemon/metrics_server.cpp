#include "daemon/metrics_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/metrics.hpp"
#include "daemon/socket_address.hpp"

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

std::string http_answer(std::string_view status, std::string_view body) {
  return std::string("HTTP/1.1 ") + std::string(status) +
         "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
}

}  // namespace

StreamServerLimits MetricsServer::default_limits() {
  StreamServerLimits limits;
  limits.max_connections = 64;
  limits.max_request = 8192;
  limits.deadline = 5s;
  return limits;
}

MetricsServer::MetricsServer(Daemon& daemon, StreamServerLimits limits)
    : daemon_(daemon),
      server_(
          "metrics page", limits,
          {"\r\n\r\n", http_answer("431 Request Header Fields Too Large", "request too large\n"),
           http_answer("503 Service Unavailable", "busy\n")},
          [this](const StreamRequest& request) {
            const bool wanted = request.text.starts_with("GET /metrics ") ||
                                request.text.starts_with("GET /metrics?");
            return wanted ? http_answer("200 OK", metrics_text(daemon_))
                          : http_answer("404 Not Found", "not found: try /metrics\n");
          }) {}

std::optional<std::string> MetricsServer::listen(const PeerAddress& a, EpollSet& poll,
                                                 std::uint64_t tag_base) {
  const int fd = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage storage;
  const socklen_t len = to_sockaddr(a, storage);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      ::listen(fd, 64) != 0) {
    const std::string error = "metrics address " + a.to_string() + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return error;
  }
  return server_.attach(fd, poll, tag_base);
}

}  // namespace hl2tp::daemon
