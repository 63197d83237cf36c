// The checkpoint store's contract, on the in-memory store: a batch is durable only once committed,
// all of it; a crash loses exactly the open batch; records that do not fit are counted, not fatal.
#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace hl2tp::store {
namespace {

tunnel::TunnelEstablished tunnel_record(std::uint16_t id) {
  tunnel::TunnelEstablished t;
  t.tunnel_id = id;
  t.peer_tunnel_id = static_cast<std::uint16_t>(id + 1000);
  t.peer = PeerAddress::ipv4(0x7F000002, 1701);
  t.resync_method = failover::ResyncMethod::silent;
  return t;
}

tunnel::SessionEstablished session_record(std::uint16_t tunnel_id, std::uint16_t id) {
  tunnel::SessionEstablished s;
  s.tunnel_id = tunnel_id;
  s.session_id = id;
  s.peer_session_id = static_cast<std::uint16_t>(id + 500);
  return s;
}

TEST(MemoryStore, a_batch_is_durable_only_once_committed) {
  MemoryStore store;
  store.append(tunnel_record(1));
  store.append(session_record(1, 7));
  EXPECT_TRUE(store.load().tunnels.empty());
  EXPECT_FALSE(store.commit().has_value());
  const Snapshot s = store.load();
  ASSERT_EQ(s.tunnels.size(), 1u);
  EXPECT_EQ(s.session_count(), 1u);
  EXPECT_EQ(s.tunnels.at(1).sessions.at(7).peer_session_id, 507);
  EXPECT_EQ(s.tunnels.at(1).tunnel.resync_method, failover::ResyncMethod::silent);
}

TEST(MemoryStore, a_crash_loses_exactly_the_open_batch) {
  MemoryStore store;
  store.append(tunnel_record(1));
  store.append(session_record(1, 7));
  ASSERT_FALSE(store.commit().has_value());
  store.append(session_record(1, 8));
  store.append(tunnel::SessionRemoved{1, 7});
  store.crash();
  const Snapshot s = store.load();
  EXPECT_EQ(s.session_count(), 1u);
  EXPECT_TRUE(s.tunnels.at(1).sessions.contains(7)) << "the uncommitted removal never happened";
  EXPECT_FALSE(s.tunnels.at(1).sessions.contains(8)) << "the uncommitted session never existed";
  store.append(tunnel::TunnelRemoved{1});
  ASSERT_FALSE(store.commit().has_value());
  EXPECT_TRUE(store.load().tunnels.empty()) << "a tunnel's removal takes its sessions";
}

TEST(MemoryStore, records_that_do_not_fit_are_counted_and_leave_the_rest_intact) {
  MemoryStore store;
  store.append(session_record(9, 1));  // no tunnel 9
  store.append(tunnel::SessionRemoved{9, 1});
  store.append(tunnel_record(2));
  ASSERT_FALSE(store.commit().has_value());
  EXPECT_EQ(store.records_rejected(), 2u);
  EXPECT_EQ(store.records_committed(), 1u);
  EXPECT_EQ(store.load().tunnels.size(), 1u);
}

}  // namespace
}  // namespace hl2tp::store
