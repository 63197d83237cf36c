// RFC 1334 §2.2: the Request's fields are read with every length checked against the packet's
// Length (ByteReader refuses a read past the end); a Request that does not fit is discarded, never
// answered, as an unreadable packet is in RFC 1661 §5.
#include "ppp/pap_authenticator.hpp"

#include <openssl/crypto.h>

#include <utility>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

// §2.2.1: Peer-ID-Length, Peer-ID, Passwd-Length, Password. Octets after the Password, within the
// Length, are left unread: the RFC defines none, and a peer that adds some still authenticates.
std::optional<PapCredentials> read_request(std::span<const std::byte> data) {
  ByteReader reader(data);
  const auto name_length = reader.u8();
  if (!name_length) return std::nullopt;
  const auto name = reader.take(*name_length);
  if (!name) return std::nullopt;
  const auto password_length = reader.u8();
  if (!password_length) return std::nullopt;
  const auto password = reader.take(*password_length);
  if (!password) return std::nullopt;
  const auto text = [](std::span<const std::byte> octets) {
    return std::string(reinterpret_cast<const char*>(octets.data()), octets.size());
  };
  return PapCredentials{text(*name), text(*password)};
}

}  // namespace

PapAuthenticator::PapAuthenticator(PapConfig config) : config_(config) {
  HL2TP_INVARIANT(config_.request_timeout > Duration::zero());
  HL2TP_INVARIANT(config_.verdict_timeout > Duration::zero());
}

AuthOutput PapAuthenticator::start(Time now) {
  // Starting twice would be the caller's mistake: one phase per link (RFC 1661 §3.5).
  HL2TP_INVARIANT(phase_ == Phase::idle);
  phase_ = Phase::waiting_request;
  deadline_ = now + config_.request_timeout;
  return finished({});
}

AuthOutput PapAuthenticator::receive(Time now, std::span<const std::byte> information) {
  AuthOutput out;
  auto packet = decode_packet(information);
  if (!packet) {
    out.discarded = AuthDiscard::malformed;
    out.decode_error = packet.error();
    return finished(std::move(out));
  }
  // §2.2.1: "Any Authenticate-Request packets received during any other phase MUST be silently
  // discarded."
  if (phase_ == Phase::idle) {
    out.discarded = AuthDiscard::not_started;
    return finished(std::move(out));
  }
  // Ack and Nak are the authenticator's to send; this end does not authenticate itself with PAP.
  if (packet->code != static_cast<std::uint8_t>(PapCode::authenticate_request)) {
    out.discarded = AuthDiscard::wrong_code;
    return finished(std::move(out));
  }
  auto credentials = read_request(packet->data);
  if (!credentials) {
    out.discarded = AuthDiscard::bad_fields;
    return finished(std::move(out));
  }
  switch (phase_) {
    case Phase::waiting_request:
      take_request(now, packet->identifier, std::move(*credentials), out);
      break;
    case Phase::awaiting_verdict:
      // One verification at a time: a repeat of the Request is answered by the verdict, under its
      // Identifier; other credentials meanwhile are dropped, and the peer will repeat them.
      if (*credentials == pending_) answer_identifier_ = packet->identifier;
      out.discarded = AuthDiscard::awaiting_verdict;
      break;
    case Phase::decided:
      // §2.2.1 Implementation Note: the Ack might be lost, so a later Request gets the same reply
      // Code. It is not verified again: a second verdict could differ, and the Code must not.
      send_answer(packet->identifier, out);
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

AuthOutput PapAuthenticator::verdict(Time, const AuthVerdict& verdict) {
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

AuthOutput PapAuthenticator::timeout(Time now) {
  AuthOutput out;
  if (!deadline_ || now < *deadline_) return finished(std::move(out));
  if (phase_ == Phase::waiting_request) {
    // No Request to answer: the caller ends the link, and LCP's Terminate tells the peer.
    phase_ = Phase::gave_up;
    deadline_.reset();
    out.outcome = outcome_ = AuthOutcome{AuthResult::timed_out, RefusalReason::none, {}, {}};
    return finished(std::move(out));
  }
  HL2TP_INVARIANT(phase_ == Phase::awaiting_verdict);
  // The peer's Request still MUST be answered (§2.2.1); without a verdict, the answer is a Nak.
  decide(AuthResult::timed_out, RefusalReason::none, "Authentication timed out", out);
  return finished(std::move(out));
}

void PapAuthenticator::take_request(Time now, std::uint8_t identifier, PapCredentials credentials,
                                    AuthOutput& out) {
  answer_identifier_ = identifier;
  pending_ = std::move(credentials);
  if (pending_.peer_name.size() > kMaxPeerNameLength) {
    decide(AuthResult::refused, RefusalReason::name_too_long, "Peer-ID too long", out);
    return;
  }
  phase_ = Phase::awaiting_verdict;
  deadline_ = now + config_.verdict_timeout;
  out.verify = pending_;
}

void PapAuthenticator::decide(AuthResult result, RefusalReason reason, std::string message,
                              AuthOutput& out) {
  HL2TP_INVARIANT(!outcome_.has_value());
  HL2TP_INVARIANT(message.size() <= kMaxAuthMessageLength);
  answer_code_ =
      result == AuthResult::accepted ? PapCode::authenticate_ack : PapCode::authenticate_nak;
  answer_message_ = std::move(message);
  phase_ = Phase::decided;
  deadline_.reset();
  send_answer(answer_identifier_, out);
  out.outcome = outcome_ = AuthOutcome{result, reason, pending_.peer_name, answer_message_};
  // The password is no longer needed; it is not kept in memory for the life of the link.
  OPENSSL_cleanse(pending_.password.data(), pending_.password.size());
  pending_.password.clear();
}

void PapAuthenticator::send_answer(std::uint8_t identifier, AuthOutput& out) const {
  // §2.2.2: Msg-Length, then the Message; the Identifier copied from the Request answered.
  Bytes data;
  ByteWriter writer(data);
  writer.u8(static_cast<std::uint8_t>(answer_message_.size()));
  writer.text(answer_message_);
  out.send.push_back(
      encode_packet(ControlPacket{static_cast<std::uint8_t>(answer_code_), identifier, data}));
}

AuthOutput PapAuthenticator::finished(AuthOutput out) const {
  out.deadline = deadline_;
  return out;
}

}  // namespace hl2tp::ppp
