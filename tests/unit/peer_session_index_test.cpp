// PeerSessionIndex: the collision rule's index (RFC 4951 §3.3) must answer exactly as a plain map
// of peer ID -> our ID would, through any sequence of set-ups, clears and restarts.
#include "tunnel/peer_session_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace hl2tp::tunnel {
namespace {

TEST(PeerSessionIndex, finds_what_was_assigned_and_nothing_else) {
  PeerSessionIndex index;
  EXPECT_FALSE(index.find(7));
  index.assign(7, 100);
  index.assign(0, 101);  // a peer may send Assigned Session ID 0: still indexed, ours is not 0
  EXPECT_EQ(index.find(7), 100);
  EXPECT_EQ(index.find(0), 101);
  EXPECT_FALSE(index.find(8));
  EXPECT_EQ(index.size(), 2u);
}

TEST(PeerSessionIndex, a_newer_session_on_the_same_peer_id_survives_the_old_ones_removal) {
  PeerSessionIndex index;
  index.assign(7, 100);
  index.assign(7, 200);  // the collision rule cleared 100 and the peer's new call took ID 7
  index.erase(7, 100);   // the old session is forgotten afterwards
  EXPECT_EQ(index.find(7), 200);
  index.erase(7, 200);
  EXPECT_FALSE(index.find(7));
  EXPECT_EQ(index.size(), 0u);
}

TEST(PeerSessionIndex, removals_inside_a_probe_run_keep_every_later_entry_reachable) {
  // Peer IDs that share a home slot at the smallest capacity, so that they form one run which
  // wraps around the end of the table; removing from its middle must not cut the run.
  PeerSessionIndex index;
  std::vector<std::uint16_t> peers;
  for (std::uint32_t p = 0; p < 65536 && peers.size() < 3; ++p) {
    if ((p * 0x9E3779B1u) >> 29 == 7u) peers.push_back(static_cast<std::uint16_t>(p));
  }
  ASSERT_EQ(peers.size(), 3u);
  for (std::size_t i = 0; i < peers.size(); ++i)
    index.assign(peers[i], static_cast<std::uint16_t>(10 + i));
  index.erase(peers[0], 10);
  EXPECT_FALSE(index.find(peers[0]));
  EXPECT_EQ(index.find(peers[1]), 11);
  EXPECT_EQ(index.find(peers[2]), 12);
}

TEST(PeerSessionIndex, agrees_with_a_map_through_random_set_ups_clears_and_restarts) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    // Few distinct peer IDs in some seeds (long probe runs, many collisions), many in others.
    const std::uint32_t id_space = seed % 2 ? 300 : 65536;
    std::uniform_int_distribution<std::uint32_t> id(0, id_space - 1);
    PeerSessionIndex index;
    std::map<std::uint16_t, std::uint16_t> model;
    for (int step = 0; step < 20'000; ++step) {
      const auto peer = static_cast<std::uint16_t>(id(random));
      const auto ours = static_cast<std::uint16_t>(1 + id(random) % 65535);
      switch (random() % 10) {
        case 0: {  // a session forgotten: only its own entry goes
          auto it = model.find(peer);
          if (it != model.end() && random() % 2) {
            index.erase(peer, it->second);
            model.erase(it);
          } else {
            index.erase(peer, ours);
            if (it != model.end() && it->second == ours) model.erase(it);
          }
          break;
        }
        case 1:
          if (random() % 500 == 0) {  // the tunnel's sessions all ended
            index.clear();
            model.clear();
          }
          break;
        case 2:
          index.reserve(random() % 2000);
          break;
        default:
          index.assign(peer, ours);
          model[peer] = ours;
      }
      ASSERT_EQ(index.size(), model.size()) << "seed " << seed << " step " << step;
      const auto probe = static_cast<std::uint16_t>(id(random));
      const auto expected = model.find(probe);
      ASSERT_EQ(index.find(probe),
                expected == model.end() ? std::nullopt : std::optional(expected->second))
          << "seed " << seed << " step " << step;
    }
    for (const auto& [peer, ours] : model)
      ASSERT_EQ(index.find(peer), ours) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hl2tp::tunnel
