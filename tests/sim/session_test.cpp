// Calls (RFC 2661 §7.4, §7.5), their teardown from either end, the limits, and the control window
// under loss, duplication and reordering, through the simulator.
#include <gtest/gtest.h>

#include <numeric>

#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;
using session::Direction;

std::uint16_t established_tunnel(LacLnsPair& p, sim::NodeId from, sim::NodeId to) {
  const auto tid = p.open_tunnel(from, to);
  EXPECT_TRUE(p.sim.run_until([&] { return p.count(to, EventKind::tunnel_established) >= 1; }, 5s));
  return tid;
}

TEST(IncomingCall, lac_places_an_icrq_call_that_both_ends_hold_as_established) {
  LacLnsPair p(11);
  const auto tid = p.open_tunnel(p.lac, p.lns);
  // Requested before the tunnel is up: it waits for it (§7.4.1 wait-tunnel).
  auto sid = p.open_session(p.lac, tid, Direction::incoming);
  ASSERT_TRUE(sid.has_value());
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.count(p.lns, EventKind::session_established) == 1; }, 5s))
      << p.report();
  EXPECT_EQ(p.count(p.lac, EventKind::session_established), 1u);
  EXPECT_TRUE(p.both_agree());
  const auto* lac_session = p.sim.endpoint(p.lac).find_tunnel(tid)->find_session(*sid);
  ASSERT_NE(lac_session, nullptr);
  EXPECT_EQ(lac_session->role(), session::Role::lac);
  const auto& lns_tunnel = p.sim.endpoint(p.lns).tunnels().begin()->second;
  const auto* lns_session = lns_tunnel.find_session(lac_session->peer_id());
  ASSERT_NE(lns_session, nullptr);
  EXPECT_EQ(lns_session->role(), session::Role::lns);
  EXPECT_EQ(lns_session->parameters().calling_number(), "subscriber-1");
  EXPECT_EQ(lns_session->parameters().tx_connect_speed, 100'000'000u);
}

TEST(IncomingCall, the_lac_can_require_sequencing_and_the_lns_learns_it_from_the_iccn) {
  LacLnsPair p(22);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  session::CallParameters call;
  call.call_serial_number = 7;
  call.tx_connect_speed = 10'000'000;
  call.rx_connect_speed = 2'000'000;
  call.sequencing_required = true;
  ASSERT_TRUE(p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.open_session(now, tid, Direction::incoming, call);
  }));
  p.sim.run_for(1s);
  const auto [t, s, pt, ps] = *established_sessions(p.sim.endpoint(p.lns)).begin();
  const auto& learned = p.sim.endpoint(p.lns).find_tunnel(t)->find_session(s)->parameters();
  EXPECT_TRUE(learned.sequencing_required) << "RFC 2661 §4.4.6 Sequencing Required in ICCN";
  EXPECT_EQ(learned.call_serial_number, 7u);
  EXPECT_EQ(learned.tx_connect_speed, 10'000'000u);
  EXPECT_EQ(learned.rx_connect_speed, 2'000'000u);
}

TEST(OutgoingCall, lns_places_an_ocrq_call_that_the_lac_answers) {
  LacLnsPair p(12);
  const auto tid = established_tunnel(p, p.lns, p.lac);
  ASSERT_TRUE(p.open_session(p.lns, tid, Direction::outgoing).has_value());
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.count(p.lns, EventKind::session_established) == 1; }, 5s))
      << p.report();
  EXPECT_EQ(p.count(p.lac, EventKind::session_established), 1u);
  EXPECT_TRUE(p.both_agree());
  const std::string trace = p.sim.trace().to_string();
  EXPECT_NE(trace.find("OCRQ"), std::string::npos);
  EXPECT_NE(trace.find("OCRP"), std::string::npos);
  EXPECT_NE(trace.find("OCCN"), std::string::npos);
}

TEST(CallRoles, an_endpoint_refuses_the_calls_its_role_does_not_take) {
  LacLnsPair p(13);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  EXPECT_FALSE(p.open_session(p.lac, tid, Direction::outgoing).has_value())
      << "a LAC sends no OCRQ";
  const auto lns_tid = p.sim.endpoint(p.lns).tunnels().begin()->first;
  EXPECT_FALSE(p.open_session(p.lns, lns_tid, Direction::incoming).has_value())
      << "an LNS sends no ICRQ";
}

TEST(CallTeardown, cdn_from_either_end_clears_the_call_on_both) {
  for (bool from_lac : {true, false}) {
    SCOPED_TRACE(from_lac ? "LAC hangs up" : "LNS hangs up");
    LacLnsPair p(14);
    const auto tid = established_tunnel(p, p.lac, p.lns);
    ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming).has_value());
    ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming).has_value());
    p.sim.run_for(1s);
    ASSERT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(), 2u);
    const auto node = from_lac ? p.lac : p.lns;
    const auto [t, s, pt, ps] = *established_sessions(p.sim.endpoint(node)).begin();
    p.sim.command(node, [&, t = t, s = s](engine::Endpoint& e, Time now) {
      return e.close_session(now, t, s, {3, std::nullopt, ""});
    });
    p.sim.run_for(1s);
    EXPECT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(), 1u) << p.report();
    EXPECT_TRUE(p.both_agree());
    const auto other = from_lac ? p.lns : p.lac;
    const auto& closed = p.sim.events(other).back();
    EXPECT_EQ(closed.kind, EventKind::session_closed);
    ASSERT_TRUE(closed.result.has_value());
    EXPECT_EQ(closed.result->result, 3) << "the CDN's result code reaches the other end";
  }
}

TEST(CallInfo, wen_and_sli_reach_the_other_end_as_events_on_the_right_session) {
  LacLnsPair p(20);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  const auto sid = p.open_session(p.lac, tid, Direction::incoming);
  ASSERT_TRUE(sid.has_value());
  p.sim.run_for(1s);
  const auto [lns_tid, lns_sid, t, s] = *established_sessions(p.sim.endpoint(p.lns)).begin();
  EXPECT_TRUE(p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.send_wan_error_notify(now, tid, *sid, {1, 2, 3, 4, 5, 6});
  }));
  EXPECT_TRUE(p.sim.command(p.lns, [&, lt = lns_tid, ls = lns_sid](engine::Endpoint& e, Time now) {
    return e.send_set_link_info(now, lt, ls, {0xFFFFFFFF, 0});
  }));
  p.sim.run_for(1s);
  ASSERT_EQ(p.count(p.lns, EventKind::wan_error_notify), 1u) << p.report();
  ASSERT_EQ(p.count(p.lac, EventKind::set_link_info), 1u);
  EXPECT_EQ(p.sim.events(p.lns).back().session_id, lns_sid);
  EXPECT_EQ(p.sim.events(p.lac).back().session_id, *sid);
  EXPECT_TRUE(p.both_agree()) << "WEN and SLI change no call state";
}

TEST(Checkpoints, the_database_changes_are_recorded_in_order_and_rebuild_what_is_held) {
  LacLnsPair p(21);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming).has_value());
  ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming).has_value());
  p.sim.run_for(1s);
  EXPECT_TRUE(p.records_match());
  EXPECT_EQ(replayed_sessions(p.sim.checkpoints(p.lns)).size(), 2u);
  const auto [t, s, pt, ps] = *established_sessions(p.sim.endpoint(p.lac)).begin();
  p.sim.command(p.lac, [&, t = t, s = s](engine::Endpoint& e, Time now) {
    return e.close_session(now, t, s, {3, std::nullopt, ""});
  });
  p.sim.run_for(1s);
  EXPECT_TRUE(p.records_match());
  p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.close_tunnel(now, tid, {1, std::nullopt, ""});
  });
  p.sim.run_for(1s);
  // The database records, in order (channel records sit between them).
  std::vector<tunnel::Checkpoint> records;
  for (const auto& r : p.sim.checkpoints(p.lns)) {
    if (std::holds_alternative<tunnel::TunnelEstablished>(r) ||
        std::holds_alternative<tunnel::TunnelRemoved>(r) ||
        std::holds_alternative<tunnel::SessionEstablished>(r) ||
        std::holds_alternative<tunnel::SessionRemoved>(r)) {
      records.push_back(r);
    }
  }
  ASSERT_EQ(records.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<tunnel::TunnelEstablished>(records[0]));
  EXPECT_TRUE(std::holds_alternative<tunnel::SessionEstablished>(records[1]));
  EXPECT_TRUE(std::holds_alternative<tunnel::SessionEstablished>(records[2]));
  EXPECT_TRUE(std::holds_alternative<tunnel::SessionRemoved>(records[3]));
  EXPECT_TRUE(std::holds_alternative<tunnel::TunnelRemoved>(records[4]));
  EXPECT_TRUE(replayed_sessions(records).empty());
  const auto& first = std::get<tunnel::TunnelEstablished>(records[0]);
  EXPECT_EQ(first.peer_host_name, "lac");
  EXPECT_EQ(first.peer, kLacAddress);
}

TEST(Limits, tunnels_over_the_limit_are_refused_with_insufficient_resources) {
  EndpointConfig lns = lns_config();
  lns.limits.max_tunnels = 1;
  LacLnsPair p(15, lac_config(), lns);
  established_tunnel(p, p.lac, p.lns);
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(2s);
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().refused_tunnels, 1u);
  EXPECT_EQ(p.sim.endpoint(p.lns).tunnels().size(), 1u);
  ASSERT_EQ(p.count(p.lac, EventKind::tunnel_closed), 1u) << p.report();
  const auto& refused = p.sim.events(p.lac).back();
  ASSERT_TRUE(refused.result.has_value());
  EXPECT_EQ(refused.result->result, 2);
  EXPECT_EQ(refused.result->error, 4) << "general error 4: insufficient resources";
}

TEST(Limits, sessions_over_the_per_tunnel_or_total_limit_are_refused_with_cdn_result_4) {
  for (bool per_tunnel : {true, false}) {
    SCOPED_TRACE(per_tunnel ? "per tunnel" : "total");
    EndpointConfig lns = lns_config();
    if (per_tunnel) {
      lns.limits.max_sessions_per_tunnel = 2;
    } else {
      lns.limits.max_sessions = 2;
    }
    LacLnsPair p(16, lac_config(), lns);
    const auto tid = established_tunnel(p, p.lac, p.lns);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming).has_value());
    }
    p.sim.run_for(2s);
    EXPECT_EQ(established_sessions(p.sim.endpoint(p.lns)).size(), 2u);
    EXPECT_EQ(p.sim.endpoint(p.lns).stats().refused_sessions, 1u);
    ASSERT_EQ(p.count(p.lac, EventKind::session_closed), 1u) << p.report();
    const auto& refused = p.sim.events(p.lac).back();
    EXPECT_EQ(refused.result->result, 4) << "CDN result 4: no appropriate facilities, temporary";
    EXPECT_TRUE(p.both_agree());
  }
}

TEST(Limits, local_requests_beyond_the_control_queue_are_refused) {
  EndpointConfig lac = lac_config();
  lac.tunnel.channel.max_queued = 8;
  LacLnsPair p(17, lac, lns_config());
  const auto tid = established_tunnel(p, p.lac, p.lns);
  // Without time passing the window stays at its slow-start size, so requests pile up.
  int refused = 0;
  for (int i = 0; i < 40; ++i)
    refused += !p.open_session(p.lac, tid, Direction::incoming);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(p.sim.endpoint(p.lac).stats().refused_commands, static_cast<std::uint64_t>(refused));
  p.sim.run_for(5s);
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(),
            static_cast<std::size_t>(40 - refused));
  EXPECT_TRUE(p.both_agree());
}

TEST(ControlWindow, duplicates_and_reordering_deliver_each_message_once_in_order) {
  LacLnsPair p(18);
  sim::LinkConfig noisy{std::chrono::milliseconds(5), std::chrono::milliseconds(40), 0.0, 0.3};
  p.sim.set_link(p.lac, p.lns, noisy);
  p.sim.set_link(p.lns, p.lac, noisy);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until(
      [&] { return established_sessions(p.sim.endpoint(p.lns)).size() == 60; }, 30s))
      << p.report();
  p.sim.run_for(5s);
  EXPECT_EQ(p.count(p.lns, EventKind::session_established), 60u) << "none delivered twice";
  EXPECT_EQ(p.count(p.lac, EventKind::session_established), 60u);
  const auto lns = p.sim.endpoint(p.lns).stats().channel;
  EXPECT_GT(lns.duplicates, 0u);
  EXPECT_GT(lns.out_of_order, 0u);
  EXPECT_TRUE(p.both_agree());
}

TEST(ControlWindow, twenty_percent_loss_still_sets_up_every_call) {
  LacLnsPair p(19);
  sim::LinkConfig lossy{std::chrono::milliseconds(10), std::chrono::milliseconds(5), 0.2, 0.0};
  p.sim.set_link(p.lac, p.lns, lossy);
  p.sim.set_link(p.lns, p.lac, lossy);
  const auto tid = established_tunnel(p, p.lac, p.lns);
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until(
      [&] { return established_sessions(p.sim.endpoint(p.lac)).size() == 30 && p.quiet(); }, 300s))
      << p.report();
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lns)).size(), 30u);
  EXPECT_TRUE(p.both_agree()) << p.report();
  EXPECT_GT(p.sim.endpoint(p.lac).stats().channel.retransmitted, 0u);
}

}  // namespace
}  // namespace hl2tp::test

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;

// The Call Serial Numbers of the ICRQs in the trace, in the order they left.
std::vector<std::uint32_t> icrq_serials(const LacLnsPair& p) {
  std::vector<std::uint32_t> out;
  for (const auto& line : trace_lines(p, " ICRQ ")) {
    const auto at = line.find("CallSerialNumber(M)=");
    if (at != std::string::npos)
      out.push_back(static_cast<std::uint32_t>(std::stoul(line.substr(at + 20))));
  }
  return out;
}

Result<std::uint16_t, std::string> place_call(LacLnsPair& p, std::uint16_t tunnel_id) {
  return p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.open_session(now, tunnel_id, session::Direction::incoming, {});
  });
}

// RFC 2661 §4.4.5 asks for progressively increasing serials: the engine numbers the calls it is
// not given a serial for, for the life of the process and past a restart (issue 13, point 13);
// and calls placed before their tunnel is up go out in the order they were placed.
TEST(CallSerial, calls_are_numbered_in_order_and_the_numbers_go_on_after_a_restart) {
  LacLnsPair p(71, lac_config(), lns_config(), 1000);
  const auto tid = p.open_tunnel(p.lac, p.lns);
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(place_call(p, tid));  // all before the tunnel is up
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet() && p.both_agree(); }, 10s)) << p.report();
  std::vector<std::uint32_t> expected(12);
  std::iota(expected.begin(), expected.end(), 1u);
  EXPECT_EQ(icrq_serials(p), expected) << "in the order placed, numbered from 1";

  p.sim.crash(p.lac);
  p.sim.restart(p.lac, lac_config());
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 10s));
  ASSERT_TRUE(place_call(p, tid)) << "the tunnel keeps its ID across the restart";
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 10s));
  const auto serials = icrq_serials(p);
  ASSERT_EQ(serials.size(), 13u);
  EXPECT_GT(serials.back(), 12u) << "no serial of the previous incarnation is used again";
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lns)).size(), 13u);
}

}  // namespace
}  // namespace hl2tp::test
