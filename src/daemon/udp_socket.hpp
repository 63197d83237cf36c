#pragma once
// A non-blocking UDP socket for L2TP (RFC 2661 §8.1: UDP, port 1701 by default), IPv4 or IPv6,
// bound by us or inherited from systemd (socket activation keeps the port open across restarts).
#include <optional>
#include <span>
#include <string>

#include "base/peer_address.hpp"
#include "base/result.hpp"

namespace hl2tp::daemon {

class UdpSocket {
 public:
  static Result<UdpSocket, std::string> bind(const PeerAddress& local);
  // Takes ownership of an inherited socket (it is made non-blocking).
  static Result<UdpSocket, std::string> adopt(int fd);
  UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_), v6_(o.v6_), local_(o.local_) { o.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&&) = delete;
  UdpSocket(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  bool v6() const { return v6_; }
  const PeerAddress& local() const { return local_; }

  struct Received {
    PeerAddress from;
    PeerAddress to;      // our address the datagram was sent to (IP_PKTINFO), with our port
    std::size_t length;  // its real length: more than the buffer when it was truncated
  };
  // One datagram into `buffer`; nothing when none is waiting.
  std::optional<Received> receive(std::span<std::byte> buffer);
  // From `source` when it is specified and this socket is bound to a wildcard address (RFC 2661
  // §8.1: a reply must leave from the address the peer sent to); else from the bound address.
  bool send(const PeerAddress& to, const PeerAddress& source, std::span<const std::byte> bytes);
  // Whether datagrams from `source` may leave through this socket: the same family and port, and
  // the bound address or a wildcard.
  bool can_send_from(const PeerAddress& source) const;
  bool wildcard() const;

 private:
  UdpSocket(int fd, bool v6, PeerAddress local) : fd_(fd), v6_(v6), local_(local) {}
  int fd_;
  bool v6_;
  PeerAddress local_;
};

}  // namespace hl2tp::daemon
