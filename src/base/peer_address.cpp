#include "base/peer_address.hpp"

#include <arpa/inet.h>

namespace hl2tp {

std::string PeerAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof text);
  return v6 ? "[" + std::string(text) + "]:" + std::to_string(port)
            : std::string(text) + ":" + std::to_string(port);
}

}  // namespace hl2tp
