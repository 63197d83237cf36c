#pragma once
// The LNS's configuration in the Link's tests, and a Link with a subscriber over the harness.
// Addresses from RFC 5737: 192.0.2.1 for the LNS, 192.0.2.77 for the subscriber, DNS
// 198.51.100.53 and .54.
#include <memory>

#include "ppp/link.hpp"
#include "support/ppp_link_harness.hpp"
#include "support/seeded_random.hpp"

namespace hl2tp::test {

inline ppp::LinkConfig lns_link_config(std::vector<ppp::AuthProtocol> authentication = {
                                           ppp::AuthProtocol::chap_md5}) {
  ppp::LinkConfig config;
  config.lcp.authentication = std::move(authentication);
  ppp::IpcpConfig ipcp;
  ipcp.our_address = ppp::Ipv4Address::of(192, 0, 2, 1);
  ipcp.peer_address = ppp::Ipv4Address::of(192, 0, 2, 77);
  ipcp.primary_dns = ppp::Ipv4Address::of(198, 51, 100, 53);
  ipcp.secondary_dns = ppp::Ipv4Address::of(198, 51, 100, 54);
  config.ipcp = ipcp;
  config.ipv6cp = ppp::Ipv6cpConfig{};
  return config;
}

// The LNS's Link and a subscriber, wired.
struct LinkPair {
  LinkPair(ppp::LinkConfig config, SubscriberSettings settings, std::uint64_t seed,
           LinkFaults faults = {})
      : random(seed),
        link(std::make_unique<ppp::Link>(std::move(config), random)),
        subscriber(std::move(settings), seed + 1),
        harness(*link, subscriber, faults, seed + 2) {}

  SeededRandom random;
  std::unique_ptr<ppp::Link> link;
  PppSubscriber subscriber;
  LinkHarness harness;
};

}  // namespace hl2tp::test
