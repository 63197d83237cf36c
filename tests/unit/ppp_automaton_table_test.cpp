// The RFC 1661 §4.1 table (ppp/automaton_table.hpp) against the RFC, cell by cell for a sample
// read by hand off the RFC's page: at least two cells of every state, the footnoted ones among
// them. The compile-time checks in automaton_table.cpp hold the table's shape; these hold its
// content, so a cell typed wrong fails here even where it is consistent.
#include <gtest/gtest.h>

#include <vector>

#include "ppp/automaton_table.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using enum Action;
using S = State;
using E = Event;

struct Expected {
  State state;
  Event event;
  std::vector<Action> actions;
  State next;
  Footnote note = Footnote::none;
};

void expect_cell(const Expected& want) {
  const Cell& cell = transition(want.state, want.event);
  SCOPED_TRACE(std::string(name(want.state)) + " / " + std::string(name(want.event)));
  ASSERT_TRUE(cell.can_happen());
  EXPECT_EQ(std::vector<Action>(cell.actions().begin(), cell.actions().end()), want.actions);
  EXPECT_EQ(cell.next(), want.next) << name(cell.next());
  EXPECT_EQ(cell.note(), want.note);
}

TEST(PppAutomatonTable, InitialAndStarting) {
  expect_cell({S::initial, E::up, {}, S::closed});
  expect_cell({S::initial, E::open, {tls}, S::starting});
  expect_cell({S::initial, E::close, {}, S::initial});
  expect_cell({S::starting, E::up, {irc, scr}, S::req_sent});
  expect_cell({S::starting, E::close, {tlf}, S::initial});
  expect_cell({S::starting, E::open, {}, S::starting});
}

TEST(PppAutomatonTable, ClosedAndStopped) {
  expect_cell({S::closed, E::open, {irc, scr}, S::req_sent});
  expect_cell({S::closed, E::down, {}, S::initial});
  expect_cell({S::closed, E::rcr_good, {sta}, S::closed});
  expect_cell({S::closed, E::rta, {}, S::closed});
  expect_cell({S::closed, E::rxj_catastrophic, {tlf}, S::closed});
  expect_cell({S::stopped, E::down, {tls}, S::starting});
  expect_cell({S::stopped, E::open, {}, S::stopped, Footnote::restart});
  expect_cell({S::stopped, E::rcr_good, {irc, scr, sca}, S::ack_sent});
  expect_cell({S::stopped, E::rcr_bad, {irc, scr, scn}, S::req_sent});
  expect_cell({S::stopped, E::ruc, {scj}, S::stopped});
}

TEST(PppAutomatonTable, ClosingAndStopping) {
  expect_cell({S::closing, E::timeout_retry, {str}, S::closing});
  expect_cell({S::closing, E::timeout_expired, {tlf}, S::closed});
  expect_cell({S::closing, E::rta, {tlf}, S::closed});
  expect_cell({S::closing, E::open, {}, S::stopping, Footnote::restart});
  expect_cell({S::closing, E::rcr_good, {}, S::closing});
  expect_cell({S::stopping, E::timeout_expired, {tlf}, S::stopped});
  expect_cell({S::stopping, E::rtr, {sta}, S::stopping});
  expect_cell({S::stopping, E::rxj_catastrophic, {tlf}, S::stopped});
  expect_cell({S::stopping, E::down, {}, S::starting});
}

TEST(PppAutomatonTable, ReqSentAckRcvdAckSent) {
  expect_cell({S::req_sent, E::rca, {irc}, S::ack_rcvd});
  expect_cell({S::req_sent, E::rcn, {irc, scr}, S::req_sent});
  expect_cell({S::req_sent, E::rcr_good, {sca}, S::ack_sent});
  expect_cell({S::req_sent, E::timeout_expired, {tlf}, S::stopped, Footnote::passive});
  expect_cell({S::req_sent, E::close, {irc, str}, S::closing});
  expect_cell({S::ack_rcvd, E::rcr_good, {sca, tlu}, S::opened});
  expect_cell({S::ack_rcvd, E::rcr_bad, {scn}, S::ack_rcvd});
  expect_cell({S::ack_rcvd, E::rca, {scr}, S::req_sent, Footnote::crossed});
  expect_cell({S::ack_rcvd, E::rxj_permitted, {}, S::req_sent});
  expect_cell({S::ack_rcvd, E::rta, {}, S::req_sent});
  expect_cell({S::ack_sent, E::rca, {irc, tlu}, S::opened});
  expect_cell({S::ack_sent, E::rcn, {irc, scr}, S::ack_sent});
  expect_cell({S::ack_sent, E::timeout_retry, {scr}, S::ack_sent});
  expect_cell({S::ack_sent, E::rcr_bad, {scn}, S::req_sent});
  expect_cell({S::ack_sent, E::rtr, {sta}, S::req_sent});
}

TEST(PppAutomatonTable, Opened) {
  expect_cell({S::opened, E::down, {tld}, S::starting});
  expect_cell({S::opened, E::open, {}, S::opened, Footnote::restart});
  expect_cell({S::opened, E::close, {tld, irc, str}, S::closing});
  expect_cell({S::opened, E::rcr_good, {tld, scr, sca}, S::ack_sent});
  expect_cell({S::opened, E::rcr_bad, {tld, scr, scn}, S::req_sent});
  expect_cell({S::opened, E::rca, {tld, scr}, S::req_sent, Footnote::crossed});
  expect_cell({S::opened, E::rtr, {tld, zrc, sta}, S::stopping});
  expect_cell({S::opened, E::rta, {tld, scr}, S::req_sent});
  expect_cell({S::opened, E::ruc, {scj}, S::opened});
  expect_cell({S::opened, E::rxj_catastrophic, {tld, irc, str}, S::stopping});
  expect_cell({S::opened, E::rxr, {ser}, S::opened});
}

// The RFC's dashes: 40 of the 160 cells (Up 8, Down 2, TO+ 5, TO- 5, each packet event 2), counted
// off the RFC's page.
TEST(PppAutomatonTable, DashesAreTheRfcs) {
  unsigned dashes = 0;
  for (std::size_t s = 0; s < kStateCount; ++s) {
    for (std::size_t e = 0; e < kEventCount; ++e)
      dashes += transition(static_cast<State>(s), static_cast<Event>(e)).can_happen() ? 0 : 1;
  }
  EXPECT_EQ(dashes, 40u);
  EXPECT_FALSE(transition(S::opened, E::up).can_happen());
  EXPECT_FALSE(transition(S::opened, E::timeout_retry).can_happen());
  EXPECT_FALSE(transition(S::initial, E::rcr_good).can_happen());
  EXPECT_FALSE(transition(S::starting, E::down).can_happen());
  EXPECT_FALSE(transition(S::closed, E::timeout_expired).can_happen());
}

}  // namespace
}  // namespace hl2tp::test
