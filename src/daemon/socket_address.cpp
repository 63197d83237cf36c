#include "daemon/socket_address.hpp"

#include <netinet/in.h>

#include <cstring>

namespace hl2tp::daemon {

socklen_t to_sockaddr(const PeerAddress& a, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof(out));
  if (a.v6) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&out);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a.port);
    std::memcpy(&s->sin6_addr, a.ip.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s = reinterpret_cast<sockaddr_in*>(&out);
  s->sin_family = AF_INET;
  s->sin_port = htons(a.port);
  std::memcpy(&s->sin_addr, a.ip.data(), 4);
  return sizeof(sockaddr_in);
}

PeerAddress from_sockaddr(const sockaddr_storage& in) {
  PeerAddress a;
  if (in.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&in);
    a.v6 = true;
    a.port = ntohs(s->sin6_port);
    std::memcpy(a.ip.data(), &s->sin6_addr, 16);
  } else {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&in);
    a.port = ntohs(s->sin_port);
    std::memcpy(a.ip.data(), &s->sin_addr, 4);
  }
  return a;
}

}  // namespace hl2tp::daemon
