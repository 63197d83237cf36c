#pragma once
// A non-blocking UDP socket for L2TP (RFC 2661 §8.1: UDP, port 1701 by default), IPv4 or IPv6,
// bound by us or inherited from systemd (socket activation keeps the port open across restarts).
#include <optional>
#include <span>
#include <string>

#include "tunnel/peer_address.hpp"
#include "wire/result.hpp"

namespace hl2tp::daemon {

class UdpSocket {
 public:
  static Result<UdpSocket, std::string> bind(const tunnel::PeerAddress& local);
  // Takes ownership of an inherited socket (it is made non-blocking).
  static Result<UdpSocket, std::string> adopt(int fd);
  UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_), v6_(o.v6_), local_(o.local_) { o.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&&) = delete;
  UdpSocket(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  bool v6() const { return v6_; }
  const tunnel::PeerAddress& local() const { return local_; }

  // One datagram into `buffer`: its sender and length; nothing when none is waiting.
  std::optional<std::pair<tunnel::PeerAddress, std::size_t>> receive(std::span<std::byte> buffer);
  bool send(const tunnel::PeerAddress& to, std::span<const std::byte> bytes);

 private:
  UdpSocket(int fd, bool v6, tunnel::PeerAddress local) : fd_(fd), v6_(v6), local_(local) {}
  int fd_;
  bool v6_;
  tunnel::PeerAddress local_;
};

}  // namespace hl2tp::daemon
