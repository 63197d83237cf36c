#include "daemon/udp_socket.hpp"

#include "daemon/socket_address.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
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

// RFC 2661 §8.1: replies must leave from the address the peer used. A socket bound to a wildcard
// (the default, 0.0.0.0:1701) or several addresses learns each datagram's destination.
void ask_for_destination(int fd, bool v6) {
  const int one = 1;
  if (v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
  } else {
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  }
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<UdpSocket, std::string> UdpSocket::bind(const PeerAddress& local) {
  const int fd =
      ::socket(local.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(errno_text("socket"));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (local.v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  enlarge_receive_buffer(fd);
  ask_for_destination(fd, local.v6);
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
  ask_for_destination(fd, addr.ss_family == AF_INET6);
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return UdpSocket(fd, addr.ss_family == AF_INET6, from_sockaddr(addr));
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<UdpSocket::Received> UdpSocket::receive(std::span<std::byte> buffer) {
  sockaddr_storage from{};
  iovec data{buffer.data(), buffer.size()};
  alignas(cmsghdr) std::byte control[CMSG_SPACE(sizeof(in6_pktinfo))];
  msghdr m{};
  m.msg_name = &from;
  m.msg_namelen = sizeof(from);
  m.msg_iov = &data;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  const ssize_t n = ::recvmsg(fd_, &m, MSG_TRUNC);
  if (n < 0) return std::nullopt;  // EAGAIN, or an ICMP error reported on the socket: nothing
  Received r{from_sockaddr(from), local_, static_cast<std::size_t>(n)};
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      r.to.ip = {};
      std::memcpy(r.to.ip.data(), &info.ipi_addr, 4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      std::memcpy(r.to.ip.data(), &info.ipi6_addr, 16);
    }
  }
  // A datagram larger than the buffer is reported with its real length and dropped by the caller.
  return r;
}

bool UdpSocket::wildcard() const {
  return local_.ip == std::array<std::uint8_t, 16>{};
}

bool UdpSocket::can_send_from(const PeerAddress& source) const {
  return source.v6 == v6_ && source.port == local_.port && (wildcard() || source.ip == local_.ip);
}

bool UdpSocket::send(const PeerAddress& to, const PeerAddress& source,
                     std::span<const std::byte> bytes) {
  sockaddr_storage addr;
  iovec data{const_cast<std::byte*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) std::byte control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr m{};
  m.msg_name = &addr;
  m.msg_namelen = to_sockaddr(to, addr);
  m.msg_iov = &data;
  m.msg_iovlen = 1;
  if (wildcard() && !source.unspecified()) {
    m.msg_control = control;
    cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
    if (v6_) {
      in6_pktinfo info{};
      std::memcpy(&info.ipi6_addr, source.ip.data(), 16);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(info));
      std::memcpy(CMSG_DATA(c), &info, sizeof(info));
      m.msg_controllen = CMSG_SPACE(sizeof(info));
    } else {
      in_pktinfo info{};
      std::memcpy(&info.ipi_spec_dst, source.ip.data(), 4);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(info));
      std::memcpy(CMSG_DATA(c), &info, sizeof(info));
      m.msg_controllen = CMSG_SPACE(sizeof(info));
    }
  }
  return ::sendmsg(fd_, &m, MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

}  // namespace hl2tp::daemon
