// hl2tpd's configuration (issue 5): defaults, the examples, and errors that name file, line and
// column for every kind of mistake an operator makes.
#include <gtest/gtest.h>

#include "daemon/config.hpp"

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

TEST(Config, an_empty_file_gives_the_defaults) {
  auto c = parse_config("", "empty.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->role, Role::both);
  ASSERT_EQ(c->listen.size(), 1u);
  EXPECT_EQ(c->listen[0], PeerAddress::ipv4(0, 1701));
  EXPECT_EQ(c->store_path, "/var/lib/hl2tp/hl2tpd.db");
  EXPECT_EQ(c->durability, StoreDurability::process_crash);
  EXPECT_EQ(c->metrics, PeerAddress::ipv4(0x7F000001, 9701));
  EXPECT_EQ(c->endpoint.tunnel.failover.resync, failover::FailoverResync::protocol_then_silent);
  EXPECT_TRUE(c->endpoint.tunnel.place_incoming_calls);
  EXPECT_TRUE(c->endpoint.tunnel.accept_incoming_calls);
}

TEST(Config, the_lns_example_reads_as_written) {
  auto c = load_config(std::string(HL2TP_EXAMPLES_DIR) + "/lns.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->role, Role::lns);
  EXPECT_FALSE(c->endpoint.tunnel.place_incoming_calls);
  EXPECT_TRUE(c->endpoint.tunnel.accept_incoming_calls);
  EXPECT_EQ(c->endpoint.tunnel.host_name, "lns-1");
  EXPECT_EQ(c->listen.at(0), PeerAddress::ipv4(0x7F000002, 1701));
  EXPECT_FALSE(c->endpoint.accept_unlisted_peers);
  EXPECT_EQ(c->endpoint.tunnel.channel.retransmit_cap, 16s);
  EXPECT_EQ(c->durability, StoreDurability::power_loss);
  EXPECT_EQ(c->metrics, PeerAddress::ipv4(0x7F000001, 9702));
  ASSERT_EQ(c->endpoint.peers.size(), 1u);
  EXPECT_EQ(c->endpoint.peers[0].secret.size(), 9u);
  EXPECT_TRUE(c->endpoint.peers[0].hide_avps);
}

TEST(Config, the_lac_example_reads_as_written) {
  auto c = load_config(std::string(HL2TP_EXAMPLES_DIR) + "/lac.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->role, Role::lac);
  EXPECT_TRUE(c->endpoint.tunnel.place_incoming_calls);
  EXPECT_FALSE(c->endpoint.tunnel.accept_incoming_calls);
  EXPECT_EQ(c->endpoint.peers.at(0).host, PeerAddress::ipv4(0x7F000002, 1701));
}

// What the Debian package installs as /etc/hl2tp/hl2tpd.toml: valid, and serving no one until
// the operator lists peers.
TEST(Config, the_packaged_configuration_accepts_no_peer_until_one_is_listed) {
  auto c = load_config(std::string(HL2TP_PACKAGING_DIR) + "/hl2tpd.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->role, Role::lns);
  EXPECT_FALSE(c->endpoint.accept_unlisted_peers);
  EXPECT_TRUE(c->endpoint.peers.empty());
  EXPECT_EQ(c->store_path, "/var/lib/hl2tp/hl2tpd.db");
  EXPECT_EQ(c->management_socket, "/run/hl2tp/hl2tpd.sock");
}

TEST(Config, disable_failover_protocol_means_silent_failover_only) {
  auto c = parse_config("[failover]\ndisable-failover-protocol = true\n", "f.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->endpoint.tunnel.failover.resync, failover::FailoverResync::silent);
}

TEST(Config, durability_none_is_said_in_so_many_words_and_keeps_no_store) {
  auto c = parse_config("[store]\ndurability = \"none\"\n", "n.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->durability, StoreDurability::none);
}

TEST(Config, a_store_path_is_kept_as_written) {
  auto c =
      parse_config("[store]\npath = \"/srv/l2tp/a.db\"\ndurability = \"power-loss\"\n", "p.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->store_path, "/srv/l2tp/a.db");
  EXPECT_EQ(c->durability, StoreDurability::power_loss);
}

// Each mistake, and the place and words its error must carry.
struct Mistake {
  const char* text;
  const char* where;
  const char* says;
};

TEST(Config, every_mistake_is_an_error_naming_its_line_and_column) {
  const Mistake mistakes[] = {
      {"role = \"lns\"\nhost-name = \n", "m.toml:2:", ""},  // TOML syntax
      {"role = \"lns\"\n[timers]\nhello-intervall = 30\n", "m.toml:3:1",
       "unknown setting 'hello-intervall'"},
      {"role = \"router\"\n", "m.toml:1:", "'role' must be"},
      {"[timers]\nretransmit-cap-ms = 1000\n", "m.toml:2:", "between 8000 and"},
      {"[timers]\nretransmit-count = \"five\"\n", "m.toml:2:", "must be an integer"},
      {"listen = [\"300.1.2.3:1701\"]\n", "m.toml:1:", "not an IPv4 or IPv6 address"},
      {"listen = [\"[::1]:99999\"]\n", "m.toml:1:", "bad port"},
      {"[failover]\nfailover-resync = \"sometimes\"\n", "m.toml:2:", "must be one of"},
      {"[failover]\nfailover-resync = \"failover-protocol\"\ndisable-failover-protocol = true\n",
       "m.toml:3:", "contradicts"},
      {"[store]\ndurability = \"always\"\n",
       "m.toml:2:", "'durability' must be \"process-crash\", \"power-loss\" or \"none\""},
      // An empty path once ran on a throwaway database while the log promised recovery.
      {"[store]\npath = \"\"\n", "m.toml:2:8",
       "'path' must not be empty; to run without a store, set durability = \"none\""},
      {"[store]\ndurability = \"none\"\npath = \"/var/lib/hl2tp/x.db\"\n", "m.toml:3:8",
       "'path' has no use with durability = \"none\""},
      {"[store]\npath = \"/var/lib/hl2tp/x.db\"\ndurability = \"none\"\n", "m.toml:2:8",
       "'path' has no use with durability = \"none\""},
      {"[[peer]]\nsecret = \"x\"\n", "m.toml:1:", "needs an 'address'"},
      {"[[peer]]\naddress = \"127.0.0.1\"\nhide-avps = true\n", "m.toml:3:", "needs a secret"},
      {"[[peer]]\naddress = \"127.0.0.1\"\n[[peer]]\naddress = \"127.0.0.1:99\"\n",
       "m.toml:3:", "listed twice"},
      {"timers = 5\n", "m.toml:1:", "must be a table"},
      {"[log]\nlevel = \"chatty\"\n", "m.toml:2:", "'level' must be"},
  };
  for (const Mistake& m : mistakes) {
    auto c = parse_config(m.text, "m.toml");
    ASSERT_FALSE(c) << m.text;
    EXPECT_EQ(c.error().rfind(m.where, 0), 0u) << m.text << " → " << c.error();
    EXPECT_NE(c.error().find(m.says), std::string::npos) << m.text << " → " << c.error();
  }
}

TEST(Config, a_missing_file_is_a_clear_error) {
  auto c = load_config("/nonexistent/hl2tpd.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "cannot read configuration /nonexistent/hl2tpd.toml");
}

TEST(Config, addresses_in_every_accepted_form) {
  EXPECT_EQ(*parse_address("192.0.2.1", 1701), PeerAddress::ipv4(0xC0000201, 1701));
  EXPECT_EQ(*parse_address("192.0.2.1:99", 1701), PeerAddress::ipv4(0xC0000201, 99));
  auto v6 = parse_address("[2001:db8::1]:1702", 1701);
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->port, 1702);
  EXPECT_EQ(v6->ip[15], 1);
  auto bare = parse_address("::1", 1701);
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->v6);
  EXPECT_EQ(bare->port, 1701);
  EXPECT_FALSE(parse_address("", 1701));
  EXPECT_FALSE(parse_address("192.0.2.1:", 1701));
  EXPECT_FALSE(parse_address("[::1", 1701));
  EXPECT_FALSE(parse_address("host.example:1701", 1701));
}

}  // namespace
}  // namespace hl2tp::daemon
