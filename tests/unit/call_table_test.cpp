// The call tables of RFC 2661 §7.4.1, §7.4.2, §7.5.1 and §7.5.2 (session/call_table.hpp) through
// Session's API, without a tunnel: each table's set-up, its refusals and clean-ups, a peer message
// answered in every state the peer can find a call in, and a missing row reported as a bug.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/invariant.hpp"
#include "session/session.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::test {
namespace {

using session::Direction;
using session::Role;
using session::Session;
using session::State;
using session::Step;
using wire::AvpType;
using wire::ControlMessage;
using wire::MessageType;

constexpr std::uint16_t kOurs = 7;
constexpr std::uint16_t kTheirs = 99;

MessageType type_of(const Step& step) {
  EXPECT_TRUE(step.send.has_value());
  return step.send ? step.send->type().value_or(MessageType::HELLO) : MessageType::HELLO;
}

wire::ResultCode administrative(const std::string& why) {
  return {static_cast<std::uint16_t>(wire::CdnResult::administrative), std::nullopt, why};
}

// The peer's messages, its Assigned Session ID being kTheirs.
ControlMessage peer(MessageType type) {
  switch (type) {
    case MessageType::ICRQ:
      return wire::make_icrq(kTheirs, 1);
    case MessageType::ICRP:
      return wire::make_icrp(kTheirs);
    case MessageType::ICCN:
      return wire::make_iccn(64000, 1);
    case MessageType::OCRQ:
      return wire::make_ocrq(kTheirs, 1, 0, 64000, 1, 1, "100");
    case MessageType::OCRP:
      return wire::make_ocrp(kTheirs);
    case MessageType::OCCN:
      return wire::make_occn(64000, 1);
    default:
      return wire::make_cdn(kTheirs, administrative("peer hung up"));
  }
}

const std::vector<MessageType> kPeerMessages = {
    MessageType::ICRQ, MessageType::ICRP, MessageType::ICCN, MessageType::OCRQ,
    MessageType::OCRP, MessageType::OCCN, MessageType::CDN};

// A call of each table, as the tunnel makes it, taken to `state` by the table's own rows.
Session call(Role role, Direction direction, State state) {
  const bool placed_by_us = (role == Role::lac) == (direction == Direction::incoming);
  Session s(kOurs, role, direction, {});
  if (state == State::wait_tunnel) return s;
  if (placed_by_us) {
    s.start();
    if (state == State::wait_connect) s.receive(peer(MessageType::OCRP));
    if (state == State::established) {
      s.receive(peer(direction == Direction::incoming ? MessageType::ICRP : MessageType::OCRP));
      if (direction == Direction::outgoing) s.receive(peer(MessageType::OCCN));
    }
  } else {
    s.accept_request(
        peer(direction == Direction::incoming ? MessageType::ICRQ : MessageType::OCRQ));
    if (state == State::established) {
      if (direction == Direction::incoming) s.receive(peer(MessageType::ICCN));
      if (direction == Direction::outgoing) s.answer();
    }
  }
  EXPECT_EQ(s.state(), state);
  return s;
}

TEST(CallTables, lac_incoming_sends_icrq_at_tunnel_open_and_iccn_on_the_reply) {  // §7.4.1
  Session s(kOurs, Role::lac, Direction::incoming, {});
  Step step = s.start();
  EXPECT_EQ(type_of(step), MessageType::ICRQ);
  EXPECT_EQ(*step.send->get<AvpType::AssignedSessionId>(), kOurs);
  EXPECT_EQ(step.send->header.session_id, 0);
  EXPECT_EQ(s.state(), State::wait_reply);

  step = s.receive(peer(MessageType::ICRP));
  EXPECT_EQ(type_of(step), MessageType::ICCN);
  EXPECT_EQ(step.send->header.session_id, kTheirs);
  EXPECT_TRUE(step.established);
  EXPECT_EQ(s.state(), State::established);
  EXPECT_EQ(s.peer_id(), kTheirs);
  EXPECT_TRUE(s.was_established());
}

TEST(CallTables, lns_incoming_answers_an_acceptable_icrq_and_is_up_on_iccn) {  // §7.4.2
  Session s(kOurs, Role::lns, Direction::incoming, {});
  Step step = s.accept_request(peer(MessageType::ICRQ));
  EXPECT_EQ(type_of(step), MessageType::ICRP);
  EXPECT_EQ(step.send->header.session_id, kTheirs);
  EXPECT_EQ(s.state(), State::wait_connect);

  ControlMessage iccn = peer(MessageType::ICCN);
  iccn.add<AvpType::SequencingRequired>({});
  step = s.receive(iccn);
  EXPECT_FALSE(step.send.has_value());  // "Prepare for data"
  EXPECT_TRUE(step.established);
  EXPECT_EQ(s.parameters().tx_connect_speed, 64000u);
  EXPECT_TRUE(s.parameters().sequencing_required);
}

TEST(CallTables, lac_outgoing_answers_an_acceptable_ocrq_and_sends_occn_on_answer) {  // §7.5.1
  Session s(kOurs, Role::lac, Direction::outgoing, {});
  Step step = s.accept_request(peer(MessageType::OCRQ));
  EXPECT_EQ(type_of(step), MessageType::OCRP);
  EXPECT_EQ(s.state(), State::wait_cs_answer);
  EXPECT_EQ(s.parameters().called_number(), "100");

  step = s.answer();
  EXPECT_EQ(type_of(step), MessageType::OCCN);
  EXPECT_EQ(step.send->header.session_id, kTheirs);
  EXPECT_TRUE(step.established);
  EXPECT_EQ(s.state(), State::established);
}

TEST(CallTables, lns_outgoing_waits_on_ocrp_and_is_up_on_occn) {  // §7.5.2
  Session s(kOurs, Role::lns, Direction::outgoing, {});
  EXPECT_EQ(type_of(s.start()), MessageType::OCRQ);
  Step step = s.receive(peer(MessageType::OCRP));
  EXPECT_FALSE(step.send.has_value());  // "none", but the OCRP's Assigned Session ID is kept
  EXPECT_FALSE(step.established);
  EXPECT_EQ(s.state(), State::wait_connect);
  EXPECT_EQ(s.peer_id(), kTheirs);

  step = s.receive(peer(MessageType::OCCN));
  EXPECT_FALSE(step.send.has_value());
  EXPECT_TRUE(step.established);
  EXPECT_EQ(s.state(), State::established);
}

TEST(CallTables, a_call_waiting_for_its_tunnel_closes_without_a_word) {
  for (auto [role, direction] :
       {std::pair{Role::lac, Direction::incoming}, std::pair{Role::lns, Direction::outgoing}}) {
    Session s(kOurs, role, direction, {});
    Step step = s.close(administrative("operator"));
    EXPECT_FALSE(step.send.has_value());
    ASSERT_TRUE(step.ended.has_value());
    EXPECT_EQ(step.ended->message, "operator");
    EXPECT_EQ(s.state(), State::closed);
  }
}

TEST(CallTables, a_local_close_after_the_request_sends_cdn_with_its_result) {
  Session s = call(Role::lns, Direction::outgoing, State::wait_reply);
  Step step = s.close(administrative("operator"));
  EXPECT_EQ(type_of(step), MessageType::CDN);
  EXPECT_EQ(step.send->header.session_id, 0);  // the peer's ID is not known yet
  EXPECT_EQ(step.send->get<AvpType::ResultCode>()->message, "operator");
  EXPECT_EQ(step.ended->message, "operator");
  EXPECT_EQ(s.state(), State::closed);
}

TEST(CallTables, a_cdn_from_the_peer_cleans_up_with_its_result_and_sends_nothing) {
  Session s = call(Role::lac, Direction::outgoing, State::established);
  Step step = s.receive(peer(MessageType::CDN));
  EXPECT_FALSE(step.send.has_value());
  ASSERT_TRUE(step.ended.has_value());
  EXPECT_EQ(step.ended->message, "peer hung up");
  EXPECT_EQ(s.state(), State::closed);
  EXPECT_TRUE(s.was_established());  // so the tunnel removes it from the store
}

TEST(CallTables, a_call_message_out_of_place_is_refused_with_cdn_saying_what_was_awaited) {
  struct Case {
    Role role;
    Direction direction;
    State state;
    MessageType message;
    std::string what;
  };
  const std::vector<Case> cases = {
      // §7.4.1 writes "Receive CDN, ICCN → Clean up"; the ICCN is refused with a CDN.
      {Role::lac, Direction::incoming, State::wait_reply, MessageType::ICCN,
       "unexpected message while waiting for the call reply"},
      {Role::lns, Direction::incoming, State::wait_connect, MessageType::ICRP,
       "unexpected message while waiting for the call to connect"},
      {Role::lac, Direction::outgoing, State::wait_cs_answer, MessageType::OCCN,
       "call message on a session past its set-up"},
      {Role::lns, Direction::outgoing, State::established, MessageType::ICRP,
       "call message on a session past its set-up"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Session s = call(c.role, c.direction, c.state);
    Step step = s.receive(peer(c.message));
    EXPECT_EQ(type_of(step), MessageType::CDN);
    const auto* result = step.send->get<AvpType::ResultCode>();
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->result, static_cast<std::uint16_t>(wire::CdnResult::general_error));
    EXPECT_EQ(result->error, static_cast<std::uint16_t>(wire::GeneralError::bad_value));
    EXPECT_EQ(result->message, c.what);
    EXPECT_EQ(s.state(), State::closed);
  }
}

TEST(CallTables, every_peer_message_is_answered_in_every_state_the_peer_can_find_a_call_in) {
  // Peer input is refused, never asserted (base/invariant.hpp): no row may be missing here.
  struct Table {
    Role role;
    Direction direction;
    std::vector<State> states;
  };
  const std::vector<Table> tables = {
      {Role::lac, Direction::incoming, {State::wait_tunnel, State::wait_reply, State::established}},
      {Role::lns, Direction::incoming, {State::wait_connect, State::established}},
      {Role::lac, Direction::outgoing, {State::wait_cs_answer, State::established}},
      {Role::lns,
       Direction::outgoing,
       {State::wait_tunnel, State::wait_reply, State::wait_connect, State::established}},
  };
  for (const Table& t : tables) {
    for (State state : t.states) {
      for (MessageType m : kPeerMessages) {
        SCOPED_TRACE(std::string(session::name(state)) + " " + std::string(wire::name(m)));
        Session s = call(t.role, t.direction, state);
        EXPECT_NO_THROW(s.receive(peer(m)));
      }
    }
  }
}

TEST(CallTables, a_waiting_call_ignores_all_but_a_cdn) {
  Session s(kOurs, Role::lac, Direction::incoming, {});
  for (MessageType m : kPeerMessages) {
    if (m == MessageType::CDN) continue;
    Step step = s.receive(peer(m));
    EXPECT_FALSE(step.send.has_value());
    EXPECT_FALSE(step.ended.has_value());
    EXPECT_EQ(s.state(), State::wait_tunnel);
  }
  EXPECT_TRUE(s.receive(peer(MessageType::CDN)).ended.has_value());
}

TEST(CallTables, wen_and_sli_change_nothing) {
  Session s = call(Role::lns, Direction::incoming, State::established);
  EXPECT_FALSE(s.receive(wire::make_wen({})).send.has_value());
  EXPECT_EQ(s.state(), State::established);
}

TEST(CallTables, an_event_without_a_row_is_a_bug_of_the_caller) {
  // What the tunnel never asks: its tables have no row for it.
  Session closed = call(Role::lac, Direction::incoming, State::established);
  closed.close(administrative("operator"));
  EXPECT_THROW(closed.close(administrative("again")), InvariantViolation);
  Session lns = call(Role::lns, Direction::incoming, State::wait_connect);
  EXPECT_THROW(lns.answer(), InvariantViolation);
  Session started = call(Role::lns, Direction::outgoing, State::wait_reply);
  EXPECT_THROW(started.start(), InvariantViolation);
  Session waiting(kOurs, Role::lac, Direction::incoming, {});
  EXPECT_THROW(waiting.receive(wire::make_hello()), InvariantViolation);  // not a call message
}

TEST(CallTables, a_restored_call_is_established_and_closes_with_cdn) {
  Session s = Session::restored(kOurs, kTheirs, Role::lns, Direction::incoming, {}, std::nullopt);
  EXPECT_EQ(s.state(), State::established);
  Step step = s.close(administrative("operator"));
  EXPECT_EQ(type_of(step), MessageType::CDN);
  EXPECT_EQ(step.send->header.session_id, kTheirs);
}

}  // namespace
}  // namespace hl2tp::test
