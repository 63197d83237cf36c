// RFC 1661 §5.8 for a keepalive.
#include "ppp/lcp_echo.hpp"

#include "base/byte_writer.hpp"
#include "base/invariant.hpp"
#include "ppp/control_packet.hpp"

namespace hl2tp::ppp {

EchoKeepalive::EchoKeepalive(EchoConfig config, std::uint8_t next_identifier)
    : config_(config), next_identifier_(next_identifier) {
  HL2TP_INVARIANT(config_.interval >= Duration::zero());
  HL2TP_INVARIANT(config_.interval == Duration::zero() || config_.max_failures > 0);
}

void EchoKeepalive::start(Time now) {
  running_ = true;
  unanswered_ = 0;
  if (config_.interval > Duration::zero()) deadline_ = now + config_.interval;
}

void EchoKeepalive::stop() {
  running_ = false;
  deadline_.reset();
  unanswered_ = 0;
}

EchoTick EchoKeepalive::timeout(Time now, std::uint32_t magic_number) {
  EchoTick tick;
  if (!deadline_ || now < *deadline_) return tick;
  HL2TP_INVARIANT(running_);
  // Checked before sending, so the last Echo-Request too has a whole interval to be answered:
  // with the defaults, silence is judged after four intervals, as pppd judges it.
  if (unanswered_ >= config_.max_failures) {
    tick.peer_dead = true;
    deadline_.reset();
    return tick;
  }
  // §5.8: Magic-Number, no Data; a new Identifier for each request, since each is a new request
  // whether or not the last was answered.
  Bytes data;
  ByteWriter(data).u32(magic_number);
  tick.request = encode_packet(
      ControlPacket{static_cast<std::uint8_t>(Code::echo_request), next_identifier_++, data});
  ++unanswered_;
  deadline_ = now + config_.interval;
  return tick;
}

}  // namespace hl2tp::ppp
