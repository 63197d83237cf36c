#include "daemon/metrics_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/metrics.hpp"

namespace hl2tp::daemon {

MetricsServer::~MetricsServer() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> MetricsServer::listen(const tunnel::PeerAddress& a) {
  fd_ = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage storage{};
  socklen_t len;
  if (a.v6) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&storage);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a.port);
    std::memcpy(&s->sin6_addr, a.ip.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* s = reinterpret_cast<sockaddr_in*>(&storage);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, a.ip.data(), 4);
    len = sizeof(sockaddr_in);
  }
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      ::listen(fd_, 16) != 0) {
    return "metrics address " + a.to_string() + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

void MetricsServer::accept_one() {
  const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  timeval limit{1, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  std::string request;
  char chunk[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    const ssize_t n = ::read(client, chunk, sizeof(chunk));
    if (n <= 0) break;
    request.append(chunk, static_cast<std::size_t>(n));
  }
  const bool wanted =
      request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0;
  const std::string body = wanted ? metrics_text(daemon_) : "not found: try /metrics\n";
  const std::string head = std::string(wanted ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                           "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8"
                           "\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  const std::string response = head + body;
  std::size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = ::write(client, response.data() + sent, response.size() - sent);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::close(client);
}

}  // namespace hl2tp::daemon
