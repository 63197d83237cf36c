#include "daemon/udp_socket.hpp"

#include "daemon/socket_address.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hl2tp::daemon {
namespace {

// A burst of control messages (a restart's recovery traffic, a thousand ICRQs) must not overflow
// the socket's queue: every drop costs the peer a retransmission a second later.
void enlarge_receive_buffer(int fd) {
  const int bytes = 8 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));  // capped by rmem_max
  }
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<UdpSocket, std::string> UdpSocket::bind(const tunnel::PeerAddress& local) {
  const int fd =
      ::socket(local.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(errno_text("socket"));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (local.v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  enlarge_receive_buffer(fd);
  sockaddr_storage addr;
  const socklen_t len = to_sockaddr(local, addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    std::string why = errno_text("bind " + local.to_string());
    ::close(fd);
    return unexpected(std::move(why));
  }
  return UdpSocket(fd, local.v6, local);
}

Result<UdpSocket, std::string> UdpSocket::adopt(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return unexpected(errno_text("inherited socket"));
  }
  enlarge_receive_buffer(fd);
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return UdpSocket(fd, addr.ss_family == AF_INET6, from_sockaddr(addr));
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::pair<tunnel::PeerAddress, std::size_t>> UdpSocket::receive(
    std::span<std::byte> buffer) {
  sockaddr_storage from{};
  socklen_t len = sizeof(from);
  const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return std::nullopt;  // EAGAIN, or an ICMP error reported on the socket: nothing
  // A datagram larger than the buffer is reported with its real length and dropped by the caller.
  return std::pair(from_sockaddr(from), static_cast<std::size_t>(n));
}

bool UdpSocket::send(const tunnel::PeerAddress& to, std::span<const std::byte> bytes) {
  sockaddr_storage addr;
  const socklen_t len = to_sockaddr(to, addr);
  return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&addr), len) ==
         static_cast<ssize_t>(bytes.size());
}

}  // namespace hl2tp::daemon
