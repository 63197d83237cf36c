#pragma once
// Whose rules sequence what a channel receives. The channel's own are RFC 2661 §5.8 as written. A
// rule put in their place emulates another implementation's deviations, so that the simulator can
// prove recovery against peers that behave like them (sim/peer_sequencing.hpp); the daemon never
// sets one.
#include <cstdint>
#include <vector>

#include "base/time.hpp"
#include "wire/control_message.hpp"

namespace hl2tp::channel {

class ControlChannel;

// The steps RFC 2661 §5.8 is made of, for a rule to compose: each keeps the channel's counters and
// journal (what the store must know) as the channel's own rules do.
class ChannelMechanics {
 public:
  explicit ChannelMechanics(ControlChannel& channel) : channel_(channel) {}

  std::uint16_t expected_ns() const;
  // One past the last message we may have transmitted: an Nr beyond it acknowledges the unsent.
  std::uint16_t transmitted_end() const;
  // A message arrived: what tells a silent peer from a live one.
  void heard(Time now);
  // The message's Nr acknowledges what we sent up to it.
  void acknowledge(Time now, std::uint16_t nr);
  // The message carries the expected Ns: it is delivered and our Nr moves past it.
  void deliver_in_order(Time now, wire::ControlMessage message,
                        std::vector<wire::ControlMessage>& delivered);
  // A message already delivered: acknowledged again at once, not delivered.
  void acknowledge_duplicate(Time now);
  // Dropped unacknowledged: ahead of what we can hold, or an Nr that acknowledges the unsent.
  void drop_beyond_window();
  void drop_bogus_nr();

 private:
  ControlChannel& channel_;
};

class SequencingRule {
 public:
  virtual ~SequencingRule() = default;
  // A received message, before the channel's own rules (and after the pause, which is the
  // channel's). True when the rule has dealt with it through `channel`; false leaves it to RFC 2661
  // §5.8.
  virtual bool receive(Time now, wire::ControlMessage& message, ChannelMechanics& channel,
                       std::vector<wire::ControlMessage>& delivered) const = 0;
  // RFC 2661 §5.8 drops a message beyond the receive window without an ack; some peers ack it.
  virtual bool acknowledges_beyond_window() const { return false; }
};

}  // namespace hl2tp::channel
