#pragma once
// What a message type the tunnel does not act on does to it. Ours is RFC 2661 §4.4.1: a type we
// do not know clears the tunnel when its M bit is set and is ignored otherwise. A rule put in its
// place emulates another implementation (the simulator's peer models, sim/peer_model.hpp); the
// daemon never sets one.
#include "wire/message_type.hpp"

namespace hl2tp::tunnel {

class MessageTypeRule {
 public:
  virtual ~MessageTypeRule() = default;
  // True when a message of this type clears the tunnel, whatever its M bit.
  virtual bool clears_tunnel(wire::MessageType type) const = 0;
};

}  // namespace hl2tp::tunnel
