#include "daemon/metrics_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/metrics.hpp"
#include "daemon/socket_address.hpp"
#include "daemon/stream_exchange.hpp"

namespace hl2tp::daemon {

MetricsServer::~MetricsServer() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> MetricsServer::listen(const tunnel::PeerAddress& a) {
  fd_ = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage storage;
  const socklen_t len = to_sockaddr(a, storage);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      ::listen(fd_, 16) != 0) {
    return "metrics address " + a.to_string() + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

void MetricsServer::accept_one() {
  serve_one_request(fd_, "\r\n\r\n", 8192, [this](const std::string& request) {
    const bool wanted =
        request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0;
    const std::string body = wanted ? metrics_text(daemon_) : "not found: try /metrics\n";
    return std::string(wanted ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
           "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  });
}

}  // namespace hl2tp::daemon
