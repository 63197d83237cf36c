#include "sim/peer_sequencing.hpp"

#include "channel/sequence_number.hpp"

namespace hl2tp::sim {
namespace {

class Xl2tpdSequencing final : public channel::SequencingRule {
 public:
  bool receive(Time now, wire::ControlMessage& message, channel::ChannelMechanics& channel,
               std::vector<wire::ControlMessage>& delivered) const override {
    channel.heard(now);
    const std::uint16_t ns = message.header.ns;
    const std::uint16_t expected = channel.expected_ns();
    if (ns == expected) {
      channel.acknowledge(now, message.header.nr);
      if (!message.is_zlb()) channel.deliver_in_order(now, std::move(message), delivered);
    } else if (ns < expected && expected - ns < 0x8000) {
      if (!message.is_zlb()) channel.acknowledge_duplicate(now);
    } else {
      channel.drop_beyond_window();  // ahead (or across the wrap): dropped without an ack
    }
    return true;
  }
};

class AccelPppSequencing final : public channel::SequencingRule {
 public:
  bool receive(Time, wire::ControlMessage& message, channel::ChannelMechanics& channel,
               std::vector<wire::ControlMessage>&) const override {
    const std::uint16_t end = channel.transmitted_end();
    if (channel::sequence_distance(end, message.header.nr) < 0x8000 && message.header.nr != end) {
      channel.drop_bogus_nr();  // the whole message is discarded
      return true;
    }
    return false;  // otherwise RFC 2661 §5.8, but for the ack below
  }
  bool acknowledges_beyond_window() const override { return true; }
};

}  // namespace

std::shared_ptr<const channel::SequencingRule> xl2tpd_sequencing() {
  static const auto rule = std::make_shared<const Xl2tpdSequencing>();
  return rule;
}

std::shared_ptr<const channel::SequencingRule> accel_ppp_sequencing() {
  static const auto rule = std::make_shared<const AccelPppSequencing>();
  return rule;
}

}  // namespace hl2tp::sim
