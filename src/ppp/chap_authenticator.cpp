// RFC 1994 §4: the Response's fields are read with every length checked against the packet's
// Length (ByteReader refuses a read past the end); a Response that does not fit is discarded, never
// answered, as an unreadable packet is in RFC 1661 §5.
#include "ppp/chap_authenticator.hpp"

#include <limits>
#include <utility>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {

ChapAuthenticator::ChapAuthenticator(ChapConfig config) : config_(std::move(config)) {
  // The configuration is checked where it is parsed; here it is our own precondition. §4.1: the
  // Value-Size is one octet and the Value one or more; the Name one or more octets.
  HL2TP_INVARIANT(config_.challenge_length >= 1 &&
                  config_.challenge_length <= std::numeric_limits<std::uint8_t>::max());
  HL2TP_INVARIANT(!config_.name.empty() && config_.name.size() <= kMaxPeerNameLength);
  HL2TP_INVARIANT(config_.max_challenges > 0);
  HL2TP_INVARIANT(config_.restart_interval > Duration::zero());
  HL2TP_INVARIANT(config_.verdict_timeout > Duration::zero());
}

AuthOutput ChapAuthenticator::start(Time now, RandomSource& random) {
  // Starting twice would be the caller's mistake: one phase per link (RFC 1661 §3.5).
  HL2TP_INVARIANT(phase_ == Phase::idle);
  // §2.3: the Value SHOULD be unique and unpredictable; the Identifier is drawn too, so that a
  // restarted process does not open every link with the same one.
  Bytes drawn(1 + config_.challenge_length);
  random.fill(drawn);
  identifier_ = std::to_integer<std::uint8_t>(drawn.front());
  challenge_.assign(drawn.begin() + 1, drawn.end());
  phase_ = Phase::challenging;
  AuthOutput out;
  send_challenge(out);
  deadline_ = now + config_.restart_interval;
  return finished(std::move(out));
}

AuthOutput ChapAuthenticator::receive(Time now, std::span<const std::byte> information) {
  AuthOutput out;
  auto packet = decode_packet(information);
  if (!packet) {
    out.discarded = AuthDiscard::malformed;
    out.decode_error = packet.error();
    return finished(std::move(out));
  }
  // §4.1: "Any Response packets received during any other phase MUST be silently discarded."
  if (phase_ == Phase::idle) {
    out.discarded = AuthDiscard::not_started;
    return finished(std::move(out));
  }
  // Challenge, Success and Failure are the authenticator's to send; this end does not
  // authenticate itself to the peer.
  if (packet->code != static_cast<std::uint8_t>(ChapCode::response)) {
    out.discarded = AuthDiscard::wrong_code;
    return finished(std::move(out));
  }
  // §4.1: the Response Identifier is copied from the Challenge it answers; one to an earlier
  // Challenge (or none of ours) answers nothing outstanding.
  if (packet->identifier != identifier_) {
    out.discarded = AuthDiscard::stale_identifier;
    return finished(std::move(out));
  }
  // §4.1: Value-Size, a Value of one or more octets, and the Name to the end of the Length.
  ByteReader reader(packet->data);
  const auto value_size = reader.u8();
  const auto value = value_size && *value_size > 0 ? reader.take(*value_size) : std::nullopt;
  if (!value) {
    out.discarded = AuthDiscard::bad_fields;
    return finished(std::move(out));
  }
  const auto name = reader.rest();
  switch (phase_) {
    case Phase::challenging:
      take_response(now, Bytes(value->begin(), value->end()),
                    std::string(reinterpret_cast<const char*>(name.data()), name.size()), out);
      break;
    case Phase::awaiting_verdict:
      // One verification at a time: the verdict answers this Identifier, whatever the repeat held.
      out.discarded = AuthDiscard::awaiting_verdict;
      break;
    case Phase::decided:
      // §4.1 Implementation Notes: the Success might be lost, and "any Response packets received
      // having the current Challenge Identifier MUST return the same reply Code". Not verified
      // again: a second verdict could differ, and the Code must not (nor may a peer probe other
      // names and secrets against this Challenge).
      send_answer(out);
      break;
    case Phase::gave_up:
      out.discarded = AuthDiscard::after_timeout;
      break;
    case Phase::idle:
      HL2TP_INVARIANT(false && "idle was handled above");
      break;
  }
  return finished(std::move(out));
}

AuthOutput ChapAuthenticator::verdict(Time, const AuthVerdict& verdict) {
  AuthOutput out;
  if (phase_ != Phase::awaiting_verdict) {
    // A verifier answering after our own timeout: the peer was already answered.
    out.discarded = AuthDiscard::no_verification;
    return finished(std::move(out));
  }
  decide(verdict.accepted ? AuthResult::accepted : AuthResult::refused,
         verdict.accepted ? RefusalReason::none : RefusalReason::verifier,
         bounded_message(verdict.message), out);
  return finished(std::move(out));
}

AuthOutput ChapAuthenticator::timeout(Time now) {
  AuthOutput out;
  if (!deadline_ || now < *deadline_) return finished(std::move(out));
  if (phase_ == Phase::challenging) {
    if (challenges_sent_ < config_.max_challenges) {
      send_challenge(out);
      deadline_ = now + config_.restart_interval;
      return finished(std::move(out));
    }
    // The last Challenge had its Restart interval too, as RFC 1661 §4.6's TO- follows the last
    // Configure-Request by one. Nothing to answer: the caller ends the link.
    phase_ = Phase::gave_up;
    deadline_.reset();
    out.outcome = outcome_ = AuthOutcome{AuthResult::timed_out, RefusalReason::none, {}, {}};
    return finished(std::move(out));
  }
  HL2TP_INVARIANT(phase_ == Phase::awaiting_verdict);
  // The Response still MUST be answered (§4.1); without a verdict, the answer is a Failure.
  decide(AuthResult::timed_out, RefusalReason::none, "Authentication timed out", out);
  return finished(std::move(out));
}

void ChapAuthenticator::take_response(Time now, Bytes value, std::string name, AuthOutput& out) {
  peer_name_ = std::move(name);
  // §4.1: "the authenticator compares the Response Value with its own calculation": a Value that
  // is not an MD5's length cannot be equal, so it is refused without a verification.
  if (value.size() != kChapMd5ResponseSize) {
    decide(AuthResult::refused, RefusalReason::response_size, "Response Value not 16 octets", out);
    return;
  }
  if (peer_name_.size() > kMaxPeerNameLength) {
    decide(AuthResult::refused, RefusalReason::name_too_long, "Name too long", out);
    return;
  }
  phase_ = Phase::awaiting_verdict;
  deadline_ = now + config_.verdict_timeout;
  out.verify = ChapCredentials{peer_name_, identifier_, challenge_, std::move(value)};
}

void ChapAuthenticator::decide(AuthResult result, RefusalReason reason, std::string message,
                               AuthOutput& out) {
  HL2TP_INVARIANT(!outcome_.has_value());
  HL2TP_INVARIANT(message.size() <= kMaxAuthMessageLength);
  answer_code_ = result == AuthResult::accepted ? ChapCode::success : ChapCode::failure;
  answer_message_ = std::move(message);
  phase_ = Phase::decided;
  deadline_.reset();
  send_answer(out);
  out.outcome = outcome_ = AuthOutcome{result, reason, peer_name_, answer_message_};
}

void ChapAuthenticator::send_challenge(AuthOutput& out) {
  // A retransmission repeats the Challenge as it was, Identifier and Value: it is the same
  // Challenge sent again, so a Response to any copy of it is valid. §4.1's "MUST be changed each
  // time a Challenge is sent" is read as each new Challenge, as RFC 1661 §5.1 keeps the Identifier
  // of a retransmitted Configure-Request.
  HL2TP_INVARIANT(challenges_sent_ < config_.max_challenges);
  ++challenges_sent_;
  Bytes data;
  ByteWriter writer(data);
  writer.u8(static_cast<std::uint8_t>(challenge_.size()));
  writer.bytes(challenge_);
  writer.text(config_.name);
  out.send.push_back(encode_packet(
      ControlPacket{static_cast<std::uint8_t>(ChapCode::challenge), identifier_, data}));
}

void ChapAuthenticator::send_answer(AuthOutput& out) const {
  // §4.2: the Message to the end of the Length; the Identifier copied from the Response, which
  // carried the current Challenge's.
  Bytes data;
  ByteWriter writer(data);
  writer.text(answer_message_);
  out.send.push_back(encode_packet(
      ControlPacket{static_cast<std::uint8_t>(answer_code_), identifier_, std::move(data)}));
}

AuthOutput ChapAuthenticator::finished(AuthOutput out) const {
  out.deadline = deadline_;
  return out;
}

}  // namespace hl2tp::ppp
