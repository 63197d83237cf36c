#include "channel/sequencing_rule.hpp"

#include "channel/control_channel.hpp"

namespace hl2tp::channel {

std::uint16_t ChannelMechanics::expected_ns() const {
  return channel_.expected_ns_;
}

std::uint16_t ChannelMechanics::transmitted_end() const {
  return channel_.transmitted_end();
}

void ChannelMechanics::heard(Time now) {
  channel_.last_received_ = now;
}

void ChannelMechanics::acknowledge(Time now, std::uint16_t nr) {
  channel_.acknowledge(now, nr);
}

void ChannelMechanics::deliver_in_order(Time now, wire::ControlMessage message,
                                        std::vector<wire::ControlMessage>& delivered) {
  channel_.deliver_in_order(now, std::move(message), delivered);
}

void ChannelMechanics::acknowledge_duplicate(Time now) {
  channel_.acknowledge_duplicate(now);
}

void ChannelMechanics::drop_beyond_window() {
  ++channel_.stats_.beyond_window;
}

void ChannelMechanics::drop_bogus_nr() {
  ++channel_.stats_.bogus_nr;
}

}  // namespace hl2tp::channel
