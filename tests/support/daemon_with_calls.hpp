#pragma once
// A Daemon without its loop (Daemon::recover over a MemoryStore, seeded randomness) as a LAC at
// 127.0.0.1 with calls established to an LNS endpoint at 127.0.0.2 in the same process: what the
// management commands' tests and fuzzer act on. Datagrams are carried between the two by hand,
// records committed to the daemon's store before its datagrams leave (the daemon's own order).
// No GoogleTest here: the fuzzer includes it too.
#include <memory>
#include <string>
#include <string_view>

#include "daemon/daemon.hpp"
#include "daemon/management_commands.hpp"
#include "sim/seeded_random.hpp"
#include "store/memory_store.hpp"

namespace hl2tp::test {

class DaemonWithCalls {
 public:
  static inline const PeerAddress kLac = PeerAddress::ipv4(0x7F000001, 1701);
  static inline const PeerAddress kLns = PeerAddress::ipv4(0x7F000002, 1701);

  // `calls` calls over `tunnels` tunnels, placed with the `call` command and carried to
  // established; `limits` are the daemon's (a fuzzer keeps them small); the LNS tells the LAC its
  // `lns_host_name` (a Host Name AVP: octets from the wire, not necessarily UTF-8).
  DaemonWithCalls(int calls, int tunnels, std::uint64_t seed = 1, engine::Limits limits = {},
                  const std::string& lns_host_name = "lns")
      : lns_random_(seed + 1), lns_(lns_config(lns_host_name), lns_random_) {
    auto store = std::make_unique<store::MemoryStore>();
    store_ = store.get();
    daemon::DaemonConfig config;
    config.role = daemon::Role::lac;
    config.endpoint.tunnel.host_name = "lac";
    config.endpoint.tunnel.accept_incoming_calls = false;
    config.endpoint.tunnel.place_outgoing_calls = false;
    config.endpoint.limits = limits;
    daemon_ = std::make_unique<daemon::Daemon>(std::move(config), std::move(store),
                                               std::vector<daemon::UdpSocket>{},
                                               std::make_unique<sim::SeededRandom>(seed));
    daemon_->recover();
    if (calls > 0) {
      ask(R"({"command":"call","peer":"127.0.0.2","count":)" + std::to_string(calls) +
          R"(,"tunnels":)" + std::to_string(tunnels) + "}");
    }
  }

  daemon::Daemon& daemon() { return *daemon_; }
  engine::Endpoint& lns() { return lns_; }
  store::MemoryStore& store() { return *store_; }

  // A management request, then the datagrams it caused carried until both ends are quiet.
  std::string ask(std::string_view request,
                  const std::optional<daemon::ClientCredentials>& client = std::nullopt) {
    std::string answer = daemon::handle_request(*daemon_, request, client);
    exchange();
    return answer;
  }

  // Carries datagrams both ways until neither end sends anything (bounded).
  void exchange() {
    for (int round = 0; round < 10'000; ++round) {
      bool moved = false;
      const Time now = daemon_->now();
      auto& lac = daemon_->endpoint();
      while (auto record = lac.poll_checkpoint())
        store_->append(*record);
      (void)store_->commit();
      while (auto d = lac.poll_transmit()) {
        lns_.handle_datagram(now, kLac, d->bytes);
        moved = true;
      }
      while (lac.poll_event()) {
      }
      while (lns_.poll_checkpoint()) {
      }
      while (auto d = lns_.poll_transmit()) {
        lac.handle_datagram(now, kLns, d->bytes);
        moved = true;
      }
      while (lns_.poll_event()) {
      }
      if (!moved) return;
    }
  }

 private:
  static engine::EndpointConfig lns_config(const std::string& host_name) {
    engine::EndpointConfig c;
    c.tunnel.host_name = host_name;
    c.tunnel.place_incoming_calls = false;
    c.tunnel.accept_outgoing_calls = false;
    return c;
  }

  sim::SeededRandom lns_random_;
  engine::Endpoint lns_;
  store::MemoryStore* store_ = nullptr;
  std::unique_ptr<daemon::Daemon> daemon_;
};

}  // namespace hl2tp::test
