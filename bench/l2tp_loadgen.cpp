// l2tp_loadgen: a purpose-built LAC for the daemon benchmarks (issue 7). Our engine without a
// store, one UDP socket and a tight loop, so that the LNS under test and not the generator is the
// bottleneck (its own CPU time is reported beside the result).
//
//   l2tp_loadgen --peer 127.0.0.2:1701 [--local 127.0.0.1:1701] --tunnels T [--sessions N]
//                [--secret S] [--in-flight K | --in-flight-per-tunnel K] [--timeout-s S]
//
// Opens T tunnels, then places N incoming calls spread over them. A phase ends when every tunnel
// (every call) is established and every control channel is quiet: the LNS has acknowledged the
// last SCCCN (ICCN), so it holds what we hold. At most K set-ups are in flight at once (default
// 512), like a LAC facing a wave of subscribers, so that the sockets' queues never overflow; or
// at most K calls being set up on each tunnel, as operators' LACs run (a few per tunnel). Each
// call's set-up latency is measured from placing it to its ICCN leaving (the LNS's ICRP came
// back). One JSON line on stdout: rates, latencies, durations, our CPU, failures.
#include <poll.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/os_random.hpp"
#include "daemon/udp_socket.hpp"
#include "engine/endpoint.hpp"
#include "setup_tally.hpp"

namespace {

using namespace hl2tp;
using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class Generator {
 public:
  Generator(engine::EndpointConfig config, daemon::UdpSocket socket)
      : endpoint_(std::move(config), random_), socket_(std::move(socket)) {}

  Time now() const { return Time{std::chrono::duration_cast<Duration>(Clock::now() - origin_)}; }

  // One turn: what arrived, the timers, then everything the engine produced.
  void turn(int wait_ms) {
    pollfd p{socket_.fd(), POLLIN, 0};
    ::poll(&p, 1, wait_ms);
    std::array<std::byte, 65536> buffer;
    for (int i = 0; i < 1024; ++i) {
      auto got = socket_.receive(buffer);
      if (!got) break;
      if (got->length > buffer.size()) continue;
      endpoint_.handle_datagram(now(), got->from, got->to, std::span(buffer.data(), got->length));
    }
    if (auto t = endpoint_.next_timeout(); t && *t <= now()) endpoint_.handle_timeout(now());
    while (endpoint_.poll_checkpoint()) {
    }  // no store: a generator has nothing to recover
    while (auto d = endpoint_.poll_transmit())
      socket_.send(d->peer, d->local, d->bytes);
    while (auto e = endpoint_.poll_event()) {
      tally_.record(*e);
      if (e->kind == engine::EventKind::session_established ||
          e->kind == engine::EventKind::session_closed) {
        call_ended(*e);
      }
    }
  }

  // A call placed on `tunnel_id` as `session_id`: its set-up is timed from now.
  void call_placed(std::uint16_t tunnel_id, std::uint16_t session_id) {
    placed_at_[key(tunnel_id, session_id)] = Clock::now();
    ++in_flight_[tunnel_id];
  }
  std::size_t in_flight_on(std::uint16_t tunnel_id) const {
    auto it = in_flight_.find(tunnel_id);
    return it == in_flight_.end() ? 0 : it->second;
  }
  std::vector<double>& latencies_ms() { return latencies_ms_; }

  // Every channel quiet: the LNS acknowledged all we sent, so it holds what we hold.
  bool all_quiet() const {
    for (const auto& [id, t] : endpoint_.tunnels()) {
      if (t.channel().in_flight() != 0 || t.channel().queued() != 0) return false;
    }
    return true;
  }

  engine::Endpoint& endpoint() { return endpoint_; }
  const bench::SetupTally& tally() const { return tally_; }

 private:
  static std::uint32_t key(std::uint16_t tunnel_id, std::uint16_t session_id) {
    return static_cast<std::uint32_t>(tunnel_id) << 16 | session_id;
  }
  void call_ended(const engine::Event& e) {
    auto it = placed_at_.find(key(e.tunnel_id, e.session_id));
    if (it == placed_at_.end()) return;
    if (e.kind == engine::EventKind::session_established) {
      latencies_ms_.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
    }
    placed_at_.erase(it);
    --in_flight_[e.tunnel_id];
  }

  std::unordered_map<std::uint32_t, Clock::time_point> placed_at_;
  std::unordered_map<std::uint16_t, std::size_t> in_flight_;
  std::vector<double> latencies_ms_;
  daemon::OsRandom random_;
  engine::Endpoint endpoint_;
  daemon::UdpSocket socket_;
  bench::SetupTally tally_;
  Clock::time_point origin_ = Clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"l2tp_loadgen: a LAC that sets up tunnels and calls as fast as the LNS takes them"};
  std::string peer_text, local_text = "127.0.0.1:1701", secret;
  std::size_t tunnels = 1, sessions = 0, in_flight = 512;
  double timeout_s = 600;
  app.add_option("--peer", peer_text, "the LNS")->required();
  app.add_option("--local", local_text, "our address");
  app.add_option("--tunnels", tunnels, "tunnels to open")->check(CLI::Range(1, 60000));
  app.add_option("--sessions", sessions, "calls to place, spread over the tunnels");
  app.add_option("--secret", secret, "tunnel secret (none: no authentication)");
  app.add_option("--in-flight", in_flight, "set-ups in flight at once")
      ->check(CLI::Range(1, 100000));
  std::size_t per_tunnel = 0;
  app.add_option("--in-flight-per-tunnel", per_tunnel,
                 "calls being set up at once on each tunnel (instead of --in-flight's total)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--timeout-s", timeout_s, "give up after this long");
  double hold_s = 0;
  app.add_option(
      "--hold-s", hold_s,
      "then keep the tunnels up this long (answering Hellos), printing the result first");
  CLI11_PARSE(app, argc, argv);

  auto peer = daemon::parse_address(peer_text, 1701);
  auto local = daemon::parse_address(local_text, 1701);
  if (!peer || !local) {
    std::fprintf(stderr, "l2tp_loadgen: bad address\n");
    return 2;
  }
  // The endpoint's configuration through the daemon's own parser: defaults as in service.
  std::string toml =
      "role = \"lac\"\n[limits]\nmax-tunnels = 60000\nmax-sessions = 2000000\n"
      "max-sessions-per-tunnel = 65000\n[[peer]]\naddress = \"" +
      peer->to_string() + "\"\n";
  if (!secret.empty()) toml += "secret = \"" + secret + "\"\n";
  auto config = daemon::parse_config(toml, "l2tp_loadgen");
  auto socket = daemon::UdpSocket::bind(*local);
  if (!config || !socket) {
    std::fprintf(stderr, "l2tp_loadgen: %s\n",
                 !config ? config.error().c_str() : socket.error().c_str());
    return 2;
  }
  Generator g(config->endpoint, std::move(*socket));
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  const double cpu0 = cpu_seconds();

  // Phase 1: tunnels, at most `in_flight` being set up at once.
  std::vector<std::uint16_t> ids;
  const auto t0 = Clock::now();
  // Until the last SCCCN (ICCN) left; the rest is the LNS's acknowledgement, which a peer may
  // delay (RFC 2661 §5.8; ours acknowledges these at the end of its turn) — a constant that
  // weighs on short runs only.
  std::optional<double> tunnels_sent_s, sessions_sent_s;
  while (Clock::now() < deadline) {
    // The engine sends one SCCRQ at a time to a peer and queues the rest (a peer may ignore a
    // second one from us while the first is opening): `in_flight` bounds what is opened at once.
    while (ids.size() < tunnels && ids.size() - g.tally().tunnels_settled() < in_flight) {
      auto id = g.endpoint().open_tunnel(g.now(), *peer);
      if (!id) {
        std::fprintf(stderr, "l2tp_loadgen: %s\n", id.error().c_str());
        return 1;
      }
      ids.push_back(*id);
    }
    g.turn(1);
    if (!tunnels_sent_s && g.tally().tunnels_settled() >= tunnels) {
      tunnels_sent_s = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    if (g.tally().tunnels_settled() >= tunnels && g.all_quiet()) break;
  }
  const double tunnel_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double tunnel_cpu = cpu_seconds() - cpu0;
  const std::size_t tunnels_up = g.tally().tunnels_up();
  // Calls go on the tunnels that came up only: one that failed is gone from the engine.
  const std::vector<std::uint16_t> up(g.tally().tunnels().begin(), g.tally().tunnels().end());

  // Phase 2: calls, round robin over the tunnels.
  const auto s0 = Clock::now();
  std::size_t placed = 0, next_tunnel = 0;
  std::uint32_t serial = 0;
  while (sessions > 0 && !up.empty() && Clock::now() < deadline) {
    // Round robin over the tunnels; a tunnel at its own limit (per tunnel) is passed over.
    std::size_t passed_over = 0;
    while (placed < sessions && passed_over < up.size() &&
           (per_tunnel > 0 || placed - g.tally().sessions_settled() < in_flight)) {
      const std::uint16_t tunnel_id = up[next_tunnel++ % up.size()];
      if (per_tunnel > 0 && g.in_flight_on(tunnel_id) >= per_tunnel) {
        ++passed_over;
        continue;
      }
      passed_over = 0;
      session::CallParameters p;
      p.call_serial_number = ++serial;
      p.bearer_type = wire::kBearerDigital;
      p.tx_connect_speed = 100'000'000;
      auto session_id =
          g.endpoint().open_session(g.now(), tunnel_id, session::Direction::incoming, p);
      if (!session_id) break;  // the channel's queue is full: wait for acknowledgements
      g.call_placed(tunnel_id, *session_id);
      ++placed;
    }
    g.turn(1);
    if (!sessions_sent_s && g.tally().sessions_settled() >= sessions) {
      sessions_sent_s = std::chrono::duration<double>(Clock::now() - s0).count();
    }
    if (g.tally().sessions_settled() >= sessions && g.all_quiet()) break;
  }
  const double session_s = std::chrono::duration<double>(Clock::now() - s0).count();
  const double cpu = cpu_seconds() - cpu0;
  const std::size_t established = g.endpoint().session_count();
  auto& latencies = g.latencies_ms();
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) {
    if (latencies.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1) + 0.5);
    return latencies[std::min(i, latencies.size() - 1)];
  };

  nlohmann::json out = {
      {"tunnels", tunnels},
      {"tunnels_established", tunnels_up},
      {"tunnel_setup_s", tunnel_s},
      {"tunnels_per_s", static_cast<double>(tunnels_up) / tunnel_s},
      {"tunnels_per_s_to_last_scccn",
       static_cast<double>(tunnels_up) / tunnels_sent_s.value_or(tunnel_s)},
      {"sessions", sessions},
      {"sessions_established", established},
      {"session_setup_s", session_s},
      {"sessions_per_s", sessions ? static_cast<double>(established) / session_s : 0.0},
      {"sessions_per_s_to_last_iccn",
       sessions ? static_cast<double>(established) / sessions_sent_s.value_or(session_s) : 0.0},
      {"setup_latency_ms",
       {{"p50", percentile(0.50)},
        {"p90", percentile(0.90)},
        {"p99", percentile(0.99)},
        {"max", latencies.empty() ? 0.0 : latencies.back()}}},
      {"loadgen_cpu_s", cpu},
      {"loadgen_tunnel_cpu_s", tunnel_cpu},
      {"tunnels_failed", g.tally().tunnels_failed()},
      {"tunnels_dropped", g.tally().tunnels_dropped()},
      {"tunnels_opened_after_waiting", g.endpoint().stats().tunnels_opened_after_waiting},
      {"sessions_failed", g.tally().sessions_failed()},
      {"sessions_dropped", g.tally().sessions_dropped()},
  };
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  // Holding: an idle LAC, for the memory and idle-cost benchmarks run against the LNS meanwhile.
  const auto hold_end = Clock::now() + std::chrono::duration<double>(hold_s);
  while (Clock::now() < hold_end) {
    auto next = g.endpoint().next_timeout();
    const auto wait = next ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                 next->since_origin - g.now().since_origin)
                           : std::chrono::milliseconds(1000);
    g.turn(static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 1000)));
  }
  return tunnels_up == tunnels && established == sessions ? 0 : 1;
}
