// PAP's authenticator side (ppp/pap_authenticator.hpp) against a subscriber played in a few lines:
// accepted and refused through the asynchronous verdict, repeated Requests answered alike
// (RFC 1334 §2.2.1), Requests absorbed while the verdict is awaited, the waits that time out, and
// every malformed Request counted as a discard.
#include <gtest/gtest.h>

#include <string>

#include "ppp/credential_check.hpp"
#include "ppp/pap_authenticator.hpp"
#include "support/hex.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;

Time at(Duration d) {
  return Time{d};
}

// The subscriber: an Authenticate-Request as a PPP client sends it (§2.2.1), and its reading of
// the answer (§2.2.2).
Bytes pap_request(std::uint8_t identifier, std::string_view name, std::string_view password) {
  Bytes data;
  data.push_back(static_cast<std::byte>(name.size()));
  for (char c : name)
    data.push_back(static_cast<std::byte>(c));
  data.push_back(static_cast<std::byte>(password.size()));
  for (char c : password)
    data.push_back(static_cast<std::byte>(c));
  return encode_packet(
      {static_cast<std::uint8_t>(PapCode::authenticate_request), identifier, data});
}
struct PapAnswer {
  PapCode code{};
  std::uint8_t identifier = 0;
  std::string message;
};
PapAnswer read_answer(const Bytes& information) {
  const auto packet = decode_packet(information);
  EXPECT_TRUE(packet.has_value());
  if (!packet || packet->data.empty()) return {};
  const auto length = std::to_integer<std::size_t>(packet->data[0]);
  EXPECT_EQ(length + 1, packet->data.size());  // Msg-Length and Message fill the packet
  std::string message;
  for (std::size_t i = 1; i < packet->data.size(); ++i)
    message.push_back(static_cast<char>(packet->data[i]));
  return {static_cast<PapCode>(packet->code), packet->identifier, message};
}

// The caller: the authenticator and a local table of one password.
struct Fixture {
  explicit Fixture(PapConfig config = {}) : pap(config) { pap.start(Time{}); }
  PapAuthenticator pap;
  std::string password = "open sesame";

  // Hands the outstanding credentials to the local check, as the daemon will.
  AuthOutput verify(Time now, const AuthOutput& asked) {
    EXPECT_TRUE(asked.verify.has_value());
    if (!asked.verify) return {};
    return pap.verdict(now, local_verdict(*asked.verify, password));
  }
};

TEST(PppPap, AcceptsTheRightPasswordThroughTheVerdict) {
  Fixture f;
  EXPECT_EQ(f.pap.deadline(), at(30s));  // the wait for the first Request
  auto out = f.pap.receive(at(1s), pap_request(7, "alice", "open sesame"));
  // Nothing is answered before the verdict: the credentials go up to be verified.
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(out.discarded, AuthDiscard::none);
  ASSERT_TRUE(out.verify.has_value());
  EXPECT_EQ(std::get<PapCredentials>(*out.verify), (PapCredentials{"alice", "open sesame"}));
  EXPECT_EQ(out.deadline, at(31s));  // the verifier's wait
  EXPECT_FALSE(out.outcome.has_value());

  out = f.verify(at(1s) + 40ms, out);
  ASSERT_EQ(out.send.size(), 1u);
  const PapAnswer answer = read_answer(out.send[0]);
  EXPECT_EQ(answer.code, PapCode::authenticate_ack);
  EXPECT_EQ(answer.identifier, 7);  // §2.2.2: copied from the Request
  EXPECT_EQ(answer.message, "Authentication succeeded");
  ASSERT_TRUE(out.outcome.has_value());
  EXPECT_EQ(out.outcome->result, AuthResult::accepted);
  EXPECT_EQ(out.outcome->peer_name, "alice");
  EXPECT_FALSE(out.deadline.has_value());
  EXPECT_EQ(f.pap.outcome(), out.outcome);
}

TEST(PppPap, RefusesAWrongPasswordWithANak) {
  Fixture f;
  auto out = f.verify(at(1s), f.pap.receive(at(1s), pap_request(1, "alice", "open sesame!")));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(read_answer(out.send[0]).code, PapCode::authenticate_nak);
  EXPECT_EQ(read_answer(out.send[0]).message, "Authentication failed");
  ASSERT_TRUE(out.outcome.has_value());
  EXPECT_EQ(out.outcome->result, AuthResult::refused);
  EXPECT_EQ(out.outcome->reason, RefusalReason::verifier);
}

TEST(PppPap, AnsweredRequestsRepeatedGetTheSameAnswer) {
  for (const bool right : {true, false}) {
    Fixture f;
    const auto first = f.verify(
        at(1s), f.pap.receive(at(1s), pap_request(1, "alice", right ? "open sesame" : "no")));
    const PapAnswer answer = read_answer(first.send.at(0));
    // §2.2.1: the Ack might be lost; the peer repeats its Request with a new Identifier, and gets
    // the same reply Code (and here the same Message) without a second verification.
    for (std::uint8_t id : {2, 3, 2}) {
      const auto again = f.pap.receive(at(4s), pap_request(id, "alice", "anything"));
      EXPECT_FALSE(again.verify.has_value());
      EXPECT_FALSE(again.outcome.has_value());
      ASSERT_EQ(again.send.size(), 1u);
      const PapAnswer repeated = read_answer(again.send[0]);
      EXPECT_EQ(repeated.code, answer.code);
      EXPECT_EQ(repeated.message, answer.message);
      EXPECT_EQ(repeated.identifier, id);
    }
  }
}

TEST(PppPap, RequestsRepeatedWhileTheVerdictIsAwaitedAreAbsorbed) {
  Fixture f;
  const auto asked = f.pap.receive(at(1s), pap_request(1, "alice", "open sesame"));
  ASSERT_TRUE(asked.verify.has_value());
  // The peer repeats (new Identifiers, §2.2.1) before the verifier answers: no second
  // verification, no answer yet.
  for (std::uint8_t id : {2, 3}) {
    const auto out = f.pap.receive(at(1s + id * 3s), pap_request(id, "alice", "open sesame"));
    EXPECT_TRUE(out.send.empty());
    EXPECT_FALSE(out.verify.has_value());
    EXPECT_EQ(out.discarded, AuthDiscard::awaiting_verdict);
    EXPECT_EQ(out.deadline, at(31s));  // the verifier's wait is not extended
  }
  // Other credentials meanwhile are dropped too, and do not take the answer's Identifier.
  EXPECT_EQ(f.pap.receive(at(10s), pap_request(9, "mallory", "x")).discarded,
            AuthDiscard::awaiting_verdict);
  // The verdict arrives after the repeats: one answer, to the latest repeat of the Request.
  const auto out = f.verify(at(11s), asked);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(read_answer(out.send[0]).code, PapCode::authenticate_ack);
  EXPECT_EQ(read_answer(out.send[0]).identifier, 3);
  EXPECT_EQ(out.outcome->peer_name, "alice");
}

TEST(PppPap, ANameNoVerifierCanTakeIsRefusedWithoutVerification) {
  Fixture f;
  auto out = f.pap.receive(at(1s), pap_request(1, std::string(254, 'n'), "pw"));
  EXPECT_FALSE(out.verify.has_value());
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(read_answer(out.send[0]).code, PapCode::authenticate_nak);
  EXPECT_EQ(out.outcome->reason, RefusalReason::name_too_long);
  // At the bound, it is verified.
  Fixture g;
  EXPECT_TRUE(g.pap.receive(at(1s), pap_request(1, std::string(253, 'n'), "pw")).verify);
}

TEST(PppPap, AVerifiersLongMessageIsCutToOneOctetsLength) {
  Fixture f;
  f.pap.receive(at(1s), pap_request(1, "alice", "pw"));
  const auto out = f.pap.verdict(at(1s), AuthVerdict{true, std::string(300, 'm')});
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(read_answer(out.send[0]).message, std::string(255, 'm'));
}

TEST(PppPap, APeerThatNeverAsksTimesOut) {
  Fixture f;
  EXPECT_FALSE(f.pap.timeout(at(29s)).outcome.has_value());  // not due yet
  const auto out = f.pap.timeout(at(30s));
  EXPECT_TRUE(out.send.empty());  // nothing to answer; LCP's Terminate tells the peer
  ASSERT_TRUE(out.outcome.has_value());
  EXPECT_EQ(out.outcome->result, AuthResult::timed_out);
  EXPECT_FALSE(out.deadline.has_value());
  // A Request afterwards has no answer to repeat.
  const auto late = f.pap.receive(at(31s), pap_request(1, "alice", "open sesame"));
  EXPECT_EQ(late.discarded, AuthDiscard::after_timeout);
  EXPECT_TRUE(late.send.empty());
  EXPECT_FALSE(late.verify.has_value());
}

TEST(PppPap, AVerifierThatNeverAnswersEndsInANakAndALateVerdictIsDiscarded) {
  Fixture f({.verdict_timeout = 5s});
  f.pap.receive(at(1s), pap_request(1, "alice", "open sesame"));
  const auto out = f.pap.timeout(at(6s));
  ASSERT_EQ(out.send.size(), 1u);  // §2.2.1: the Request MUST be answered
  EXPECT_EQ(read_answer(out.send[0]).code, PapCode::authenticate_nak);
  EXPECT_EQ(out.outcome->result, AuthResult::timed_out);
  const auto late = f.pap.verdict(at(7s), AuthVerdict{true, "ok"});
  EXPECT_EQ(late.discarded, AuthDiscard::no_verification);
  EXPECT_TRUE(late.send.empty());
  EXPECT_FALSE(late.outcome.has_value());
  // The repeated Request still gets the Nak.
  EXPECT_EQ(read_answer(f.pap.receive(at(8s), pap_request(2, "alice", "x")).send.at(0)).code,
            PapCode::authenticate_nak);
}

TEST(PppPap, RequestsBeforeTheAuthenticationPhaseAreDiscarded) {
  PapAuthenticator pap;
  const auto out = pap.receive(Time{}, pap_request(1, "alice", "open sesame"));
  EXPECT_EQ(out.discarded, AuthDiscard::not_started);
  EXPECT_FALSE(out.verify.has_value());
  EXPECT_EQ(pap.verdict(Time{}, AuthVerdict{true, ""}).discarded, AuthDiscard::no_verification);
}

TEST(PppPap, CodesOtherThanRequestAreDiscarded) {
  Fixture f;
  for (std::uint8_t code : {0, 2, 3, 4, 255}) {
    const auto out = f.pap.receive(at(1s), encode_packet({code, 1, from_hex("05616c696365 00")}));
    EXPECT_EQ(out.discarded, AuthDiscard::wrong_code) << int(code);
    EXPECT_FALSE(out.verify.has_value());
  }
}

TEST(PppPap, MalformedRequestsAreDiscardedWithoutAnAnswer) {
  struct Case {
    const char* hex;
    AuthDiscard discard;
    std::optional<DecodeError> error;
  };
  const Case cases[] = {
      {"", AuthDiscard::malformed, DecodeError::shorter_than_header},
      {"01 01 00", AuthDiscard::malformed, DecodeError::shorter_than_header},
      {"01 01 0003", AuthDiscard::malformed, DecodeError::length_below_header},
      {"01 01 000a 05 616c", AuthDiscard::malformed, DecodeError::length_beyond_frame},
      {"01 01 0004", AuthDiscard::bad_fields, std::nullopt},  // no Peer-ID-Length
      // Peer-ID-Length past the end of the Data (the octets after the Length are padding).
      {"01 01 0007 05 616c 696365 00", AuthDiscard::bad_fields, std::nullopt},
      {"01 01 000a 05 616c696365", AuthDiscard::bad_fields, std::nullopt},  // no Passwd-Length
      {"01 01 000c 05 616c696365 03 70", AuthDiscard::bad_fields, std::nullopt},  // short Password
  };
  for (const Case& c : cases) {
    Fixture f;
    const auto out = f.pap.receive(at(1s), from_hex(c.hex));
    EXPECT_EQ(out.discarded, c.discard) << c.hex;
    EXPECT_EQ(out.decode_error, c.error) << c.hex;
    EXPECT_TRUE(out.send.empty()) << c.hex;
    EXPECT_FALSE(out.verify.has_value()) << c.hex;
    EXPECT_EQ(out.deadline, at(30s)) << c.hex;  // still waiting for a Request
  }
}

TEST(PppPap, PaddingPastTheLengthAndOctetsAfterThePasswordAreIgnored) {
  Fixture f;
  // Length 12: Peer-ID "alice", Password "p", one unknown octet; two octets of padding after.
  const auto out = f.pap.receive(at(1s), from_hex("01 04 000d 05 616c696365 01 70 ff eeee"));
  ASSERT_TRUE(out.verify.has_value());
  EXPECT_EQ(std::get<PapCredentials>(*out.verify), (PapCredentials{"alice", "p"}));
}

TEST(PppPap, PasswordsCompareWhole) {
  const PapCredentials given{"alice", "open sesame"};
  EXPECT_TRUE(pap_password_matches(given, "open sesame"));
  EXPECT_FALSE(pap_password_matches(given, "open sesam"));
  EXPECT_FALSE(pap_password_matches(given, "open sesame "));
  EXPECT_FALSE(pap_password_matches(given, "Open sesame"));
  EXPECT_FALSE(pap_password_matches(PapCredentials{"alice", ""}, ""));  // no empty secret
  EXPECT_FALSE(local_verdict(given, std::nullopt).accepted);            // an unknown name
  EXPECT_EQ(local_verdict(given, std::nullopt).message, local_verdict(given, "x").message);
}

}  // namespace
}  // namespace hl2tp::test
