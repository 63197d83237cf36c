// One negotiation (ppp/negotiation.hpp) against a peer played by hand: the Restart timer and its
// counters (RFC 1661 §4.6), termination, the rejects of §5.6–§5.7, Echo (§5.8), and the input
// that must change nothing: malformed packets, stale replies, illegal events.
#include <gtest/gtest.h>

#include "ppp/negotiation.hpp"
#include "support/hex.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;

// A policy that requests one fixed option and answers as it is told.
class ScriptedPolicy : public NegotiationPolicy {
 public:
  std::vector<ConfigOption> request{{1, from_hex("05dc")}};
  RequestVerdict::Kind answer = RequestVerdict::Kind::ack;
  Continuation on_refusal = Continuation::go_on;
  Continuation on_judging = Continuation::go_on;
  unsigned begins = 0;
  std::vector<bool> may_nak_seen;
  unsigned naks_taken = 0;
  unsigned peer_acks = 0;
  std::uint32_t magic = 0;
  std::uint16_t mru = 1500;

  void begin() override { ++begins; }
  std::vector<ConfigOption> request_options() override { return request; }
  RequestVerdict judge_request(std::span<const ConfigOption> options, bool may_nak) override {
    may_nak_seen.push_back(may_nak);
    RequestVerdict verdict;
    verdict.continuation = on_judging;
    if (answer == RequestVerdict::Kind::ack) return verdict;
    verdict.options.assign(options.begin(), options.end());
    const bool nak = answer == RequestVerdict::Kind::nak && may_nak;
    verdict.kind = nak ? RequestVerdict::Kind::nak : RequestVerdict::Kind::reject;
    return verdict;
  }
  void peer_request_acked(std::span<const ConfigOption>) override { ++peer_acks; }
  void request_acked(std::span<const ConfigOption>) override {}
  Continuation request_nakked(std::span<const ConfigOption>) override {
    ++naks_taken;
    return on_refusal;
  }
  Continuation request_rejected(std::span<const ConfigOption>) override { return on_refusal; }
  std::uint32_t own_magic_number() const override { return magic; }
  std::uint16_t peer_mru() const override { return mru; }
};

Bytes packet(Code code, std::uint8_t id, Bytes data = {}) {
  return encode_packet({static_cast<std::uint8_t>(code), id, std::move(data)});
}
ControlPacket decoded(const Bytes& bytes) {
  auto p = decode_packet(bytes);
  EXPECT_TRUE(p.has_value());
  return p ? *p : ControlPacket{};
}
Code code_of(const Bytes& bytes) {
  return static_cast<Code>(decoded(bytes).code);
}

Time at(Duration d) {
  return Time{d};
}

struct Fixture {
  explicit Fixture(NegotiationConfig config = {}) : n(config) {}
  Negotiation n;
  ScriptedPolicy policy;
  ControlPacket last_request;

  // Open and Up: our first Configure-Request goes out.
  NegotiationOutput start(Time now = {}) {
    n.open(now, policy);
    auto out = n.up(now, policy);
    EXPECT_EQ(out.send.size(), 1u);
    if (!out.send.empty()) last_request = decoded(out.send.front());
    return out;
  }
  // Through Ack-Rcvd to Opened.
  void open_fully(Time now = {}) {
    start(now);
    n.receive(now, packet(Code::configure_ack, last_request.identifier, last_request.data), policy);
    auto out = n.receive(now, packet(Code::configure_request, 40), policy);
    EXPECT_EQ(out.layer_events, std::vector{LayerEvent::up});
    ASSERT_EQ(n.state(), State::opened);
  }
};

TEST(PppNegotiation, MaxConfigureEndsANegotiationWithAnUnansweringPeer) {
  Fixture f;
  f.start();
  unsigned requests = 1;
  Time now{};
  NegotiationOutput out;
  for (int i = 0; i < 50 && f.n.deadline(); ++i) {
    EXPECT_EQ(*f.n.deadline() - now, 3s);  // §4.6 default Restart timer
    now = *f.n.deadline();
    out = f.n.timeout(now, f.policy);
    for (const Bytes& sent : out.send) {
      EXPECT_EQ(code_of(sent), Code::configure_request);
      // §5.1: a retransmission of an unanswered request keeps its Identifier.
      EXPECT_EQ(decoded(sent).identifier, f.last_request.identifier);
      ++requests;
    }
  }
  EXPECT_EQ(requests, 10u);  // §4.6 Max-Configure default
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::finished});
  EXPECT_EQ(f.n.state(), State::stopped);
  EXPECT_FALSE(out.deadline.has_value());
  EXPECT_EQ(now, at(30s));
}

TEST(PppNegotiation, CountersAndTimerAreConfigurable) {
  Fixture f({.restart_interval = 1s, .max_configure = 3});
  auto out = f.start();
  EXPECT_EQ(out.deadline, at(1s));
  EXPECT_EQ(f.n.timeout(at(500ms), f.policy).send.size(), 0u);  // not due yet
  EXPECT_EQ(f.n.timeout(at(1s), f.policy).send.size(), 1u);
  EXPECT_EQ(f.n.timeout(at(2s), f.policy).send.size(), 1u);
  out = f.n.timeout(at(3s), f.policy);
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::finished});
}

TEST(PppNegotiation, PassiveOptionWaitsInStoppedWithoutFinishing) {
  Fixture f({.max_configure = 1, .passive = true});
  f.start();
  const auto out = f.n.timeout(at(3s), f.policy);
  EXPECT_TRUE(out.layer_events.empty());
  EXPECT_EQ(f.n.state(), State::stopped);
  // And a Configure-Request from the peer starts a negotiation from there (§4.2 Stopped).
  const auto answer = f.n.receive(at(4s), packet(Code::configure_request, 3), f.policy);
  ASSERT_EQ(answer.send.size(), 2u);
  EXPECT_EQ(code_of(answer.send[0]), Code::configure_request);
  EXPECT_EQ(code_of(answer.send[1]), Code::configure_ack);
  EXPECT_EQ(f.n.state(), State::ack_sent);
}

TEST(PppNegotiation, MaxTerminateEndsAClose) {
  Fixture f;
  f.open_fully();
  auto out = f.n.close(at(1s), f.policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::down});
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(code_of(out.send[0]), Code::terminate_request);
  const auto id = decoded(out.send[0]).identifier;
  out = f.n.timeout(at(4s), f.policy);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]).identifier, id);
  out = f.n.timeout(at(7s), f.policy);  // two sent: Max-Terminate's default
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::finished});
  EXPECT_EQ(f.n.state(), State::closed);
}

TEST(PppNegotiation, TerminateRequestInOpenedPausesThenFinishes) {
  Fixture f;
  f.open_fully();
  auto out = f.n.receive(at(1s), packet(Code::terminate_request, 77), f.policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::down});
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]), (ControlPacket{6, 77, {}}));  // §5.5: its Identifier copied
  EXPECT_EQ(f.n.state(), State::stopping);
  EXPECT_EQ(out.deadline, at(4s));  // zrc: one Restart interval to let the peer take the Ack
  out = f.n.timeout(at(4s), f.policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::finished});
  EXPECT_EQ(f.n.state(), State::stopped);
}

TEST(PppNegotiation, UnknownCodesAreCodeRejected) {
  Fixture f;
  f.open_fully();
  const Bytes unknown = packet(static_cast<Code>(12), 5, from_hex("aabb"));
  auto out = f.n.receive(at(1s), unknown, f.policy);
  ASSERT_EQ(out.send.size(), 1u);
  const ControlPacket reject = decoded(out.send[0]);
  EXPECT_EQ(reject.code, 7);
  EXPECT_EQ(reject.data, unknown);  // §5.6: a copy of the packet
  EXPECT_NE(reject.identifier, f.last_request.identifier);
  EXPECT_EQ(f.n.state(), State::opened);

  // An NCP has codes 1 to 7 only: LCP's Echo-Request is unknown to it.
  Fixture ncp({.protocol = kIpcpProtocol});
  ncp.open_fully();
  out = ncp.n.receive(at(1s), packet(Code::echo_request, 5, from_hex("00000000")), ncp.policy);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(code_of(out.send[0]), Code::code_reject);
}

TEST(PppNegotiation, CodeRejectIsCatastrophicOnlyForTheFundamentalCodes) {
  Fixture f;
  f.start();
  auto out =
      f.n.receive(at(1s), packet(Code::code_reject, 9, from_hex("09 01 0008 00000000")), f.policy);
  EXPECT_TRUE(out.layer_events.empty());
  EXPECT_EQ(f.n.state(), State::req_sent);  // RXJ+: Echo-Request is LCP's to do without
  out = f.n.receive(at(1s), packet(Code::code_reject, 10, from_hex("01 01 0004")), f.policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::finished});  // RXJ-: Configure-Request
  EXPECT_EQ(f.n.state(), State::stopped);
  EXPECT_EQ(f.n.receive(at(1s), packet(Code::code_reject, 11), f.policy).discarded,
            Discard::malformed);
}

TEST(PppNegotiation, ProtocolRejects) {
  Fixture f;
  f.start();
  // §5.7: discarded outside Opened.
  EXPECT_EQ(f.n.receive({}, packet(Code::protocol_reject, 1, from_hex("8021")), f.policy).discarded,
            Discard::not_opened);
  f = Fixture();
  f.open_fully();
  auto out = f.n.receive({}, packet(Code::protocol_reject, 2, from_hex("8021 0101")), f.policy);
  EXPECT_EQ(out.rejected_protocol, kIpcpProtocol);
  EXPECT_EQ(f.n.state(), State::opened);
  out = f.n.receive({}, packet(Code::protocol_reject, 3, from_hex("c021")), f.policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::down});
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(code_of(out.send[0]), Code::terminate_request);
  EXPECT_EQ(f.n.state(), State::stopping);
}

TEST(PppNegotiation, SendsProtocolRejectOnlyWhenOpenedTruncatedToThePeersMru) {
  Fixture f;
  f.start();
  EXPECT_TRUE(f.n.reject_protocol(0x0021, from_hex("4500"), f.policy).send.empty());
  f = Fixture();
  f.open_fully();
  f.policy.mru = 10;
  const auto out = f.n.reject_protocol(0x0021, Bytes(100, std::byte{0x45}), f.policy);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].size(), 10u);
  EXPECT_EQ(decoded(out.send[0]).data, from_hex("0021 45454545"));
}

TEST(PppNegotiation, EchoRequestIsAnsweredOnlyWhenOpened) {
  Fixture f;
  f.start();
  const Bytes echo = packet(Code::echo_request, 8, from_hex("00000000 cafe"));
  EXPECT_TRUE(f.n.receive({}, echo, f.policy).send.empty());  // §5.8: discarded
  f = Fixture();
  f.open_fully();
  f.policy.magic = 0x01020304;
  const auto out = f.n.receive({}, echo, f.policy);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]), (ControlPacket{10, 8, from_hex("01020304 cafe")}));
  EXPECT_TRUE(
      f.n.receive({}, packet(Code::echo_reply, 8, from_hex("00000000")), f.policy).send.empty());
  EXPECT_EQ(f.n.receive({}, packet(Code::echo_request, 9, from_hex("00")), f.policy).discarded,
            Discard::malformed);
}

TEST(PppNegotiation, RepliesNotForOurRequestChangeNothing) {
  Fixture f;
  f.start();
  const auto& request = f.last_request;
  const auto id = request.identifier;
  auto out = f.n.receive({}, packet(Code::configure_ack, id + 1, request.data), f.policy);
  EXPECT_EQ(out.discarded, Discard::stale_reply);
  out = f.n.receive({}, packet(Code::configure_ack, id, from_hex("0104 05d4")), f.policy);
  EXPECT_EQ(out.discarded, Discard::reply_mismatch);  // §5.2: not exactly our options
  out = f.n.receive({}, packet(Code::configure_reject, id, from_hex("0702")), f.policy);
  EXPECT_EQ(out.discarded, Discard::reply_mismatch);  // §5.4: not among our options
  EXPECT_EQ(f.n.state(), State::req_sent);
  out = f.n.receive({}, packet(Code::configure_ack, id, request.data), f.policy);
  EXPECT_EQ(out.discarded, Discard::none);
  EXPECT_EQ(f.n.state(), State::ack_rcvd);
  // A duplicate of that Ack is not a crossed connection.
  out = f.n.receive({}, packet(Code::configure_ack, id, request.data), f.policy);
  EXPECT_EQ(out.discarded, Discard::stale_reply);
  EXPECT_EQ(f.n.state(), State::ack_rcvd);
}

TEST(PppNegotiation, ANakGetsANewRequestWithANewIdentifier) {
  Fixture f;
  f.start();
  const auto id = f.last_request.identifier;
  const auto out =
      f.n.receive({}, packet(Code::configure_nak, id, from_hex("0104 05d4")), f.policy);
  EXPECT_EQ(f.policy.naks_taken, 1u);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(code_of(out.send[0]), Code::configure_request);
  EXPECT_NE(decoded(out.send[0]).identifier, id);
  EXPECT_EQ(f.n.restart_count(), 9u);  // irc then scr
}

TEST(PppNegotiation, MalformedAndOutOfPlaceInputChangesNothing) {
  Fixture f;
  auto out = f.n.receive({}, packet(Code::configure_request, 1), f.policy);
  EXPECT_EQ(out.discarded, Discard::lower_layer_down);
  f.start();
  out = f.n.up({}, f.policy);  // §4.4 Illegal-Event: no transition
  EXPECT_EQ(out.discarded, Discard::illegal_event);
  EXPECT_EQ(f.n.state(), State::req_sent);
  out = f.n.receive({}, from_hex("01 01 0009 0104"), f.policy);
  EXPECT_EQ(out.discarded, Discard::malformed);
  EXPECT_EQ(out.decode_error, DecodeError::length_beyond_frame);
  out = f.n.receive({}, packet(Code::configure_request, 2, from_hex("0106 05dc")), f.policy);
  EXPECT_EQ(out.decode_error, DecodeError::option_beyond_packet);  // §6: the whole packet dropped
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(f.n.state(), State::req_sent);
}

TEST(PppNegotiation, MaxFailureTurnsNaksIntoRejects) {
  Fixture f;
  f.policy.answer = RequestVerdict::Kind::nak;
  f.start();
  std::vector<Code> answers;
  for (std::uint8_t id = 1; id <= 7; ++id) {
    const auto out =
        f.n.receive({}, packet(Code::configure_request, id, from_hex("0104 05d4")), f.policy);
    for (const Bytes& sent : out.send)
      answers.push_back(code_of(sent));
  }
  const std::vector<Code> want(5, Code::configure_nak);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), answers.begin()));
  EXPECT_EQ(answers[5], Code::configure_reject);
  EXPECT_EQ(answers[6], Code::configure_reject);
  EXPECT_EQ(f.policy.may_nak_seen, (std::vector<bool>{true, true, true, true, true, false, false}));
  // An Ack starts the count again (§4.6: "without sending a Configure-Ack").
  f.policy.answer = RequestVerdict::Kind::ack;
  f.n.receive({}, packet(Code::configure_request, 8), f.policy);
  f.policy.answer = RequestVerdict::Kind::nak;
  f.n.receive({}, packet(Code::configure_request, 9, from_hex("0104 05d4")), f.policy);
  EXPECT_TRUE(f.policy.may_nak_seen.back());
}

TEST(PppNegotiation, APolicyThatGivesUpClosesTheLayer) {
  Fixture f;
  f.policy.on_refusal = Continuation::give_up;
  f.start();
  const auto out = f.n.receive(
      {}, packet(Code::configure_reject, f.last_request.identifier, f.last_request.data), f.policy);
  EXPECT_TRUE(out.gave_up);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(code_of(out.send[0]), Code::terminate_request);
  EXPECT_EQ(f.n.state(), State::closing);
}

TEST(PppNegotiation, APolicyThatGivesUpOnTheRequestAnswersItThenClosesTheLayer) {
  Fixture f;
  f.policy.answer = RequestVerdict::Kind::reject;
  f.policy.on_judging = Continuation::give_up;
  f.start();
  const auto out =
      f.n.receive({}, packet(Code::configure_request, 7, from_hex("0306 00000000")), f.policy);
  EXPECT_TRUE(out.gave_up);
  ASSERT_EQ(out.send.size(), 2u);
  // The peer is told what was refused, then the layer closes (§4.3 Close from Req-Sent).
  EXPECT_EQ(decoded(out.send[0]), (ControlPacket{static_cast<std::uint8_t>(Code::configure_reject),
                                                 7, from_hex("0306 00000000")}));
  EXPECT_EQ(code_of(out.send[1]), Code::terminate_request);
  EXPECT_EQ(f.n.state(), State::closing);
  EXPECT_TRUE(out.layer_events.empty());
}

TEST(PppNegotiation, ANegotiationBeginsOnlyFromOutsideTheConfiguringStates) {
  Fixture f;
  f.start();
  EXPECT_EQ(f.policy.begins, 1u);
  f.n.receive({}, packet(Code::configure_nak, f.last_request.identifier, {}), f.policy);
  EXPECT_EQ(f.policy.begins, 1u);
  f.n.down({}, f.policy);
  f.n.up({}, f.policy);
  EXPECT_EQ(f.policy.begins, 2u);
}

}  // namespace
}  // namespace hl2tp::test

namespace hl2tp::test {
namespace {

// A negotiation resumed Opened (a restarted process, or a proxied LCP) behaves as one that reached
// Opened itself: silent on resume, the table's Opened column for what the peer sends next, and
// Identifiers continuing from the checkpointed one (§5.1).
TEST(PppNegotiationResumed, IsOpenedSilentlyAndKeepsTheTable) {
  ScriptedPolicy policy;
  policy.magic = 0x01020304;
  Negotiation n = Negotiation::resumed_opened({}, 77);
  EXPECT_EQ(n.state(), State::opened);
  EXPECT_FALSE(n.deadline().has_value());
  EXPECT_EQ(n.next_identifier(), 77);

  // An Echo-Request is answered (§5.8); an Ack to no request of ours is stale.
  auto out = n.receive(at(1s), packet(Code::echo_request, 9, from_hex("0a0b0c0d ee")), policy);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]), (ControlPacket{10, 9, from_hex("01020304 ee")}));
  out = n.receive(at(1s), packet(Code::configure_ack, 76, from_hex("0104 05dc")), policy);
  EXPECT_EQ(out.discarded, Discard::stale_reply);

  // RCR in Opened: tld, scr, sca (§4.1), our request under the next Identifier.
  out = n.receive(at(2s), packet(Code::configure_request, 5), policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::down});
  ASSERT_EQ(out.send.size(), 2u);
  EXPECT_EQ(code_of(out.send[0]), Code::configure_request);
  EXPECT_EQ(decoded(out.send[0]).identifier, 77);
  EXPECT_EQ(code_of(out.send[1]), Code::configure_ack);
  EXPECT_EQ(n.state(), State::ack_sent);
  EXPECT_EQ(n.next_identifier(), 78);
  // It goes on to Opened as any negotiation does.
  out = n.receive(at(2s), packet(Code::configure_ack, 77, from_hex("0104 05dc")), policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::up});
}

TEST(PppNegotiationResumed, AnswersATerminateRequest) {
  ScriptedPolicy policy;
  Negotiation n = Negotiation::resumed_opened({.protocol = kIpcpProtocol}, 3);
  const auto out = n.receive(at(1s), packet(Code::terminate_request, 42), policy);
  EXPECT_EQ(out.layer_events, std::vector{LayerEvent::down});
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0]), (ControlPacket{6, 42, {}}));
  EXPECT_EQ(n.state(), State::stopping);
  EXPECT_EQ(out.deadline, at(1s) + 3s);  // zrc: one Restart interval (§4.4)
}

}  // namespace
}  // namespace hl2tp::test
