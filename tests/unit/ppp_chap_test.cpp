// CHAP-MD5's authenticator side (ppp/chap_authenticator.hpp) against a subscriber played in a few
// lines, which computes its Response with its own MD5: the RFC 1994 §4.1 computation, accepted and
// refused through the asynchronous verdict, the Challenge's retransmission and give-up, Responses
// repeated before and after the answer, stale Identifiers, and every malformed Response counted
// as a discard.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "ppp/chap_authenticator.hpp"
#include "ppp/credential_check.hpp"
#include "support/hex.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;

Time at(Duration d) {
  return Time{d};
}

// Octets counting up from `next`: the first draw is the Identifier, then the Challenge Value.
class CountingRandom : public RandomSource {
 public:
  explicit CountingRandom(std::uint8_t next) : next_(next) {}
  void fill(std::span<std::byte> out) override {
    for (std::byte& b : out)
      b = static_cast<std::byte>(next_++);
  }

 private:
  std::uint8_t next_;
};

// MD5 as the subscriber computes it, apart from the code under test: one buffer built by hand,
// Identifier then secret then Challenge (§4.1), one EVP call.
Bytes md5_of_id_secret_challenge(std::uint8_t id, std::string_view secret, const Bytes& value) {
  Bytes buffer{static_cast<std::byte>(id)};
  for (char c : secret)
    buffer.push_back(static_cast<std::byte>(c));
  buffer.insert(buffer.end(), value.begin(), value.end());
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  EXPECT_EQ(
      EVP_Digest(buffer.data(), buffer.size(), reinterpret_cast<unsigned char*>(digest.data()),
                 &length, EVP_md5(), nullptr),
      1);
  digest.resize(length);
  return digest;
}

struct Challenge {
  std::uint8_t identifier = 0;
  Bytes value;
  std::string name;
};
Challenge read_challenge(const Bytes& information) {
  const auto packet = decode_packet(information);
  EXPECT_TRUE(packet.has_value());
  EXPECT_EQ(packet->code, static_cast<std::uint8_t>(ChapCode::challenge));
  const auto size = std::to_integer<std::size_t>(packet->data.at(0));
  Challenge c{
      packet->identifier, Bytes(packet->data.begin() + 1, packet->data.begin() + 1 + size), {}};
  for (auto it = packet->data.begin() + 1 + size; it != packet->data.end(); ++it)
    c.name.push_back(static_cast<char>(*it));
  return c;
}
Bytes response(std::uint8_t identifier, const Bytes& value, std::string_view name) {
  Bytes data{static_cast<std::byte>(value.size())};
  data.insert(data.end(), value.begin(), value.end());
  for (char c : name)
    data.push_back(static_cast<std::byte>(c));
  return encode_packet({static_cast<std::uint8_t>(ChapCode::response), identifier, data});
}
// The subscriber: it answers a Challenge as a PPP client does (§4.1).
Bytes answer(const Bytes& challenge, std::string_view name, std::string_view secret) {
  const Challenge c = read_challenge(challenge);
  return response(c.identifier, md5_of_id_secret_challenge(c.identifier, secret, c.value), name);
}
ControlPacket decoded(const Bytes& information) {
  const auto packet = decode_packet(information);
  EXPECT_TRUE(packet.has_value());
  return packet ? *packet : ControlPacket{};
}

// The caller: the authenticator, its random source and a local table of one secret.
struct Fixture {
  explicit Fixture(ChapConfig config = {}) : chap(std::move(config)) {
    const auto out = chap.start(Time{}, random);
    EXPECT_EQ(out.send.size(), 1u);
    if (!out.send.empty()) challenge = out.send.front();
  }
  CountingRandom random{0x2a};
  ChapAuthenticator chap;
  Bytes challenge;
  std::string secret = "sixteen octets!!";

  AuthOutput verify(Time now, const AuthOutput& asked) {
    EXPECT_TRUE(asked.verify.has_value());
    if (!asked.verify) return {};
    return chap.verdict(now, local_verdict(*asked.verify, secret));
  }
};

TEST(PppChap, TheResponseIsMd5OfIdentifierSecretAndChallenge) {
  // RFC 1994 §4.1, and a value computed apart from OpenSSL (Python's hashlib).
  Bytes challenge(16);
  for (std::size_t i = 0; i < challenge.size(); ++i)
    challenge[i] = static_cast<std::byte>(i);
  const ChapMd5Digest digest = chap_md5_response(0x2a, "secret", challenge);
  EXPECT_EQ(Bytes(digest.begin(), digest.end()), from_hex("03dc98c5a832692b49df73cf48fcb4e9"));
  EXPECT_EQ(Bytes(digest.begin(), digest.end()),
            md5_of_id_secret_challenge(0x2a, "secret", challenge));
  EXPECT_TRUE(chap_response_matches(
      ChapCredentials{"alice", 0x2a, challenge, Bytes(digest.begin(), digest.end())}, "secret"));
  EXPECT_FALSE(chap_response_matches(
      ChapCredentials{"alice", 0x2b, challenge, Bytes(digest.begin(), digest.end())}, "secret"));
  // Every octet counts, the first and the last among them.
  for (const std::size_t at : {std::size_t{0}, digest.size() - 1}) {
    Bytes altered(digest.begin(), digest.end());
    altered[at] ^= std::byte{0x01};
    EXPECT_FALSE(
        chap_response_matches(ChapCredentials{"alice", 0x2a, challenge, altered}, "secret"))
        << at;
  }
  EXPECT_FALSE(chap_response_matches(
      ChapCredentials{"alice", 0x2a, challenge, md5_of_id_secret_challenge(0x2a, "", challenge)},
      ""));  // §2.3: a secret of at least one octet
}

TEST(PppChap, TheChallengeCarriesARandomValueAndOurName) {
  Fixture f;
  const Challenge c = read_challenge(f.challenge);
  EXPECT_EQ(c.identifier, 0x2a);                                     // drawn first
  EXPECT_EQ(c.value, from_hex("2b2c2d2e2f303132333435363738393a"));  // then 16 octets
  EXPECT_EQ(c.name, "hl2tp");
  EXPECT_EQ(f.chap.deadline(), at(3s));
  EXPECT_EQ(f.chap.challenges_sent(), 1u);

  Fixture g({.name = "lns-1", .challenge_length = 8});
  EXPECT_EQ(read_challenge(g.challenge).value.size(), 8u);
  EXPECT_EQ(read_challenge(g.challenge).name, "lns-1");
}

TEST(PppChap, AcceptsTheRightResponseThroughTheVerdict) {
  Fixture f;
  auto out = f.chap.receive(at(1s), answer(f.challenge, "alice", f.secret));
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(out.deadline, at(31s));  // the Challenge's timer stops; the verifier's wait starts
  ASSERT_TRUE(out.verify.has_value());
  const auto& asked = std::get<ChapCredentials>(*out.verify);
  // What a RADIUS server needs to check CHAP itself.
  EXPECT_EQ(asked.peer_name, "alice");
  EXPECT_EQ(asked.identifier, 0x2a);
  EXPECT_EQ(asked.challenge, read_challenge(f.challenge).value);
  EXPECT_EQ(asked.response, md5_of_id_secret_challenge(0x2a, f.secret, asked.challenge));

  out = f.verify(at(1s) + 40ms, out);
  ASSERT_EQ(out.send.size(), 1u);
  const ControlPacket success = decoded(out.send[0]);
  EXPECT_EQ(success.code, static_cast<std::uint8_t>(ChapCode::success));
  EXPECT_EQ(success.identifier, 0x2a);  // §4.2: copied from the Response
  EXPECT_EQ(success.data, bytes_of("Authentication succeeded"));
  ASSERT_TRUE(out.outcome.has_value());
  EXPECT_EQ(out.outcome->result, AuthResult::accepted);
  EXPECT_EQ(out.outcome->peer_name, "alice");
  EXPECT_FALSE(out.deadline.has_value());
  EXPECT_EQ(f.chap.outcome(), out.outcome);
}

TEST(PppChap, RefusesAWrongResponseWithAFailure) {
  Fixture f;
  const auto out =
      f.verify(at(1s), f.chap.receive(at(1s), answer(f.challenge, "alice", "another secret")));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]).code, static_cast<std::uint8_t>(ChapCode::failure));
  EXPECT_EQ(decoded(out.send[0]).data, bytes_of("Authentication failed"));
  EXPECT_EQ(out.outcome->result, AuthResult::refused);
  EXPECT_EQ(out.outcome->reason, RefusalReason::verifier);
}

TEST(PppChap, AnsweredResponsesRepeatedGetTheSameAnswer) {
  for (const char* secret : {"sixteen octets!!", "wrong"}) {
    Fixture f;
    const Bytes first = answer(f.challenge, "alice", secret);
    const auto answered = f.verify(at(1s), f.chap.receive(at(1s), first));
    ASSERT_EQ(answered.send.size(), 1u);
    // §4.1 Implementation Notes: the Success might be lost; any Response with the current
    // Identifier gets the same reply Code, even one computed from another secret.
    for (const Bytes& again : {first, answer(f.challenge, "bob", "guess")}) {
      const auto out = f.chap.receive(at(4s), again);
      EXPECT_FALSE(out.verify.has_value());
      EXPECT_FALSE(out.outcome.has_value());
      EXPECT_EQ(out.send, answered.send);
    }
  }
}

TEST(PppChap, TheChallengeIsRetransmittedAndGivenUpAfterMaxAttempts) {
  Fixture f;
  EXPECT_TRUE(f.chap.timeout(at(2s)).send.empty());  // not due yet
  Time now{};
  for (unsigned sent = 2; sent <= 10; ++sent) {
    now = now + 3s;
    const auto out = f.chap.timeout(now);
    ASSERT_EQ(out.send.size(), 1u);
    EXPECT_EQ(out.send[0], f.challenge);  // the same Challenge, Identifier and Value
    EXPECT_EQ(out.deadline, now + 3s);
    EXPECT_EQ(f.chap.challenges_sent(), sent);
  }
  // The tenth Challenge has its Restart interval too, then the phase gives up.
  const auto out = f.chap.timeout(at(30s));
  EXPECT_TRUE(out.send.empty());
  ASSERT_TRUE(out.outcome.has_value());
  EXPECT_EQ(out.outcome->result, AuthResult::timed_out);
  EXPECT_FALSE(out.deadline.has_value());
  EXPECT_EQ(f.chap.challenges_sent(), 10u);
  const auto late = f.chap.receive(at(31s), answer(f.challenge, "alice", f.secret));
  EXPECT_EQ(late.discarded, AuthDiscard::after_timeout);
  EXPECT_FALSE(late.verify.has_value());
}

TEST(PppChap, AResponseToARetransmittedChallengeIsTaken) {
  Fixture f({.restart_interval = 1s, .max_challenges = 3});
  const auto retransmitted = f.chap.timeout(at(1s));
  ASSERT_EQ(retransmitted.send.size(), 1u);
  const auto out = f.chap.receive(at(1500ms), answer(retransmitted.send[0], "alice", f.secret));
  EXPECT_EQ(f.verify(at(2s), out).outcome->result, AuthResult::accepted);
  EXPECT_TRUE(f.chap.timeout(at(10s)).send.empty());  // no more Challenges once answered
}

TEST(PppChap, AVerdictAfterRepeatedResponsesAnswersOnce) {
  Fixture f;
  const Bytes first = answer(f.challenge, "alice", f.secret);
  const auto asked = f.chap.receive(at(1s), first);
  ASSERT_TRUE(asked.verify.has_value());
  // The peer repeats its Response (it retransmits on its own timer) before the verifier answers.
  for (const Bytes& again : {first, first, answer(f.challenge, "alice", "other")}) {
    const auto out = f.chap.receive(at(4s), again);
    EXPECT_EQ(out.discarded, AuthDiscard::awaiting_verdict);
    EXPECT_TRUE(out.send.empty());
    EXPECT_FALSE(out.verify.has_value());
  }
  EXPECT_TRUE(f.chap.timeout(at(6s)).send.empty());  // no Challenge while the verdict is awaited
  const auto out = f.verify(at(7s), asked);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]).code, static_cast<std::uint8_t>(ChapCode::success));
  // A verdict twice is a late one: nothing outstanding.
  EXPECT_EQ(f.chap.verdict(at(8s), AuthVerdict{false, ""}).discarded, AuthDiscard::no_verification);
}

TEST(PppChap, AVerifierThatNeverAnswersEndsInAFailure) {
  Fixture f({.verdict_timeout = 5s});
  f.chap.receive(at(1s), answer(f.challenge, "alice", f.secret));
  EXPECT_TRUE(f.chap.timeout(at(5s)).send.empty());
  const auto out = f.chap.timeout(at(6s));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]).code, static_cast<std::uint8_t>(ChapCode::failure));
  EXPECT_EQ(out.outcome->result, AuthResult::timed_out);
  EXPECT_EQ(f.chap.verdict(at(7s), AuthVerdict{true, ""}).discarded, AuthDiscard::no_verification);
}

TEST(PppChap, StaleIdentifiersAreDiscarded) {
  Fixture f;
  const Challenge c = read_challenge(f.challenge);
  const Bytes digest = md5_of_id_secret_challenge(c.identifier, f.secret, c.value);
  for (std::uint8_t id : {0x29, 0x2b, 0x00}) {
    const auto out = f.chap.receive(at(1s), response(id, digest, "alice"));
    EXPECT_EQ(out.discarded, AuthDiscard::stale_identifier);
    EXPECT_FALSE(out.verify.has_value());
  }
  // And after the answer, a stale one is still not answered.
  f.verify(at(2s), f.chap.receive(at(2s), response(c.identifier, digest, "alice")));
  const auto out = f.chap.receive(at(3s), response(0x29, digest, "alice"));
  EXPECT_EQ(out.discarded, AuthDiscard::stale_identifier);
  EXPECT_TRUE(out.send.empty());
}

TEST(PppChap, AValueNotAnMd5AndANameTooLongAreRefusedWithoutVerification) {
  Fixture f;
  auto out = f.chap.receive(at(1s), response(0x2a, Bytes(15), "alice"));
  EXPECT_FALSE(out.verify.has_value());
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]).code, static_cast<std::uint8_t>(ChapCode::failure));
  EXPECT_EQ(out.outcome->reason, RefusalReason::response_size);

  Fixture g;
  out = g.chap.receive(at(1s), answer(g.challenge, std::string(254, 'n'), g.secret));
  EXPECT_FALSE(out.verify.has_value());
  EXPECT_EQ(out.outcome->reason, RefusalReason::name_too_long);
  Fixture h;
  EXPECT_TRUE(h.chap.receive(at(1s), answer(h.challenge, std::string(253, 'n'), h.secret)).verify);
}

TEST(PppChap, ResponsesBeforeTheAuthenticationPhaseAreDiscarded) {
  ChapAuthenticator chap;
  const auto out = chap.receive(Time{}, response(0, Bytes(16), "alice"));
  EXPECT_EQ(out.discarded, AuthDiscard::not_started);
  EXPECT_EQ(chap.verdict(Time{}, AuthVerdict{true, ""}).discarded, AuthDiscard::no_verification);
}

TEST(PppChap, CodesOtherThanResponseAreDiscarded) {
  Fixture f;
  for (std::uint8_t code : {0, 1, 3, 4, 5, 255}) {
    const auto out = f.chap.receive(at(1s), encode_packet({code, 0x2a, Bytes(17)}));
    EXPECT_EQ(out.discarded, AuthDiscard::wrong_code) << int(code);
    EXPECT_FALSE(out.verify.has_value());
  }
}

TEST(PppChap, MalformedResponsesAreDiscardedWithoutAnAnswer) {
  struct Case {
    const char* hex;
    AuthDiscard discard;
    std::optional<DecodeError> error;
  };
  const Case cases[] = {
      {"02", AuthDiscard::malformed, DecodeError::shorter_than_header},
      {"02 2a 0001", AuthDiscard::malformed, DecodeError::length_below_header},
      {"02 2a 0016 10 000102", AuthDiscard::malformed, DecodeError::length_beyond_frame},
      {"02 2a 0004", AuthDiscard::bad_fields, std::nullopt},     // no Value-Size
      {"02 2a 0005 00", AuthDiscard::bad_fields, std::nullopt},  // §4.1: one or more octets
      // A Value-Size past the end of the Data, with the octets after the Length as padding.
      {"02 2a 0008 10 000102 030405060708090a0b0c0d0e0f", AuthDiscard::bad_fields, std::nullopt},
  };
  for (const Case& c : cases) {
    Fixture f;
    const auto out = f.chap.receive(at(1s), from_hex(c.hex));
    EXPECT_EQ(out.discarded, c.discard) << c.hex;
    EXPECT_EQ(out.decode_error, c.error) << c.hex;
    EXPECT_TRUE(out.send.empty()) << c.hex;
    EXPECT_FALSE(out.verify.has_value()) << c.hex;
    EXPECT_EQ(out.deadline, at(3s)) << c.hex;  // the Challenge still out
  }
}

TEST(PppChap, AnEmptyNameAndPaddingAreTaken) {
  Fixture f;
  const Challenge c = read_challenge(f.challenge);
  Bytes padded = response(c.identifier, md5_of_id_secret_challenge(0x2a, f.secret, c.value), "");
  padded.push_back(std::byte{0xee});  // past the Length: padding (§4)
  const auto out = f.chap.receive(at(1s), padded);
  ASSERT_TRUE(out.verify.has_value());
  EXPECT_EQ(std::get<ChapCredentials>(*out.verify).peer_name, "");
  EXPECT_EQ(std::get<ChapCredentials>(*out.verify).response.size(), 16u);
}

}  // namespace
}  // namespace hl2tp::test
