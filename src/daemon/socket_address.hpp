#pragma once
// Our peer addresses to and from the sockets API (IPv4 or IPv6), for every socket the daemon opens.
#include <sys/socket.h>

#include "base/peer_address.hpp"

namespace hl2tp::daemon {

// Fills `out` and returns the length to pass with it.
socklen_t to_sockaddr(const PeerAddress& address, sockaddr_storage& out);
PeerAddress from_sockaddr(const sockaddr_storage& in);

}  // namespace hl2tp::daemon
