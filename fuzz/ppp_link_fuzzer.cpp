// libFuzzer target: one subscriber's PPP link on the LNS (ppp::Link) fed what a hostile subscriber
// or LAC can send: frames of any protocol with any octets, a proxied LCP, verdicts, timer expiries
// and the lower layer going and coming, in any order. Beyond "no crash, no sanitizer report, no
// violated invariant" (the Link checks its own after every call): no frame we send exceeds what
// the peer may receive, no deadline lies in the past, and a checkpoint taken at any moment resumes
// into a Link that reports the same checkpoint.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "base/random_source.hpp"
#include "ppp/link.hpp"

namespace {

using hl2tp::Bytes;
using hl2tp::Time;
namespace ppp = hl2tp::ppp;

// Reproducible, and independent of the input, so that a crash reproduces from its input alone.
class CountingRandom : public hl2tp::RandomSource {
 public:
  void fill(std::span<std::byte> out) override {
    for (std::byte& b : out) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      b = static_cast<std::byte>(state_);
    }
  }

 private:
  std::uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

class Input {
 public:
  explicit Input(std::span<const std::uint8_t> data) : data_(data) {}
  bool empty() const { return at_ >= data_.size(); }
  std::uint8_t byte() { return empty() ? 0 : data_[at_++]; }
  std::uint16_t u16() { return static_cast<std::uint16_t>((byte() << 8) | byte()); }
  Bytes bytes(std::size_t n) {
    Bytes out;
    while (n-- > 0 && !empty())
      out.push_back(static_cast<std::byte>(byte()));
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t at_ = 0;
};

ppp::LinkConfig config_from(std::uint8_t flags) {
  ppp::LinkConfig config;
  if (flags & 1) config.lcp.authentication.push_back(ppp::AuthProtocol::chap_md5);
  if (flags & 2) config.lcp.authentication.push_back(ppp::AuthProtocol::pap);
  config.lcp.pfc = flags & 4;
  config.lcp.acfc = flags & 8;
  if (!(flags & 16)) {
    ppp::IpcpConfig ipcp;
    ipcp.our_address = ppp::Ipv4Address::of(192, 0, 2, 1);
    ipcp.peer_address = ppp::Ipv4Address::of(192, 0, 2, 77);
    if (flags & 32) ipcp.primary_dns = ppp::Ipv4Address::of(198, 51, 100, 53);
    config.ipcp = ipcp;
  }
  if (!(flags & 64)) config.ipv6cp = ppp::Ipv6cpConfig{};
  config.renegotiate_proxied_lcp = flags & 128;
  return config;
}

// Where the protocol of a fuzzed frame comes from: mostly the ones the Link runs.
std::uint16_t protocol_of(std::uint8_t choice, Input& in) {
  switch (choice % 6) {
    case 0:
      return ppp::kLcpProtocol;
    case 1:
      return ppp::kPapProtocol;
    case 2:
      return ppp::kChapProtocol;
    case 3:
      return ppp::kIpcpProtocol;
    case 4:
      return ppp::kIpv6cpProtocol;
    default:
      return in.u16();
  }
}

void check(const ppp::Link& link, const ppp::LinkOutput& out, Time now) {
  for (const ppp::LinkFrame& frame : out.send) {
    // What we send fits the peer's MRU (RFC 1661 §6.1; rejects and replies are truncated to it).
    if (frame.information.size() > link.lcp_agreement().peer_mru) std::abort();
  }
  if (out.deadline && *out.deadline < now) std::abort();
}

void check_resume(const ppp::Link& link, const ppp::LinkConfig& config, Time now) {
  const std::optional<ppp::LinkState> state = link.state();
  if (!state) return;
  CountingRandom random;
  const ppp::Link resumed = ppp::Link::resumed(config, *state, random, now);
  if (resumed.state() != state) std::abort();  // a checkpoint resumes into itself
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in({data, size});
  const ppp::LinkConfig config = config_from(in.byte());
  CountingRandom random;
  std::optional<ppp::ProxyLcp> proxy;
  if (const std::uint8_t p = in.byte(); p & 1) {
    proxy.emplace();
    proxy->last_sent = in.bytes(in.byte() % 32);
    proxy->last_received = in.bytes(in.byte() % 32);
    if (p & 2) proxy->initial_received = in.bytes(in.byte() % 32);
    if (p & 4) {
      ppp::ProxyAuthentication auth;
      auth.type = in.byte() % 6;
      auth.name = std::string(in.byte() % 16, 'n');
      auth.challenge = in.bytes(in.byte() % 24);
      if (p & 8) auth.id = in.byte();
      auth.response = in.bytes(in.byte() % 24);
      proxy->authentication = std::move(auth);
    }
  }
  ppp::Link link(config, random, proxy);
  Time now{};
  const auto run = [&](const ppp::LinkOutput& out) {
    check(link, out, now);
    check_resume(link, config, now);
  };
  run(link.lower_up(now));
  for (int steps = 0; steps < 200 && !in.empty(); ++steps) {
    const std::uint8_t op = in.byte();
    switch (op % 8) {
      case 0:
      case 1:
      case 2: {  // a frame from the peer
        const std::uint16_t protocol = protocol_of(in.byte(), in);
        const Bytes information = in.bytes(in.u16() % 2048);
        run(link.receive(now, protocol, information));
        break;
      }
      case 3: {  // time passes; whatever is due runs
        now = now + std::chrono::milliseconds(100 * (1 + in.byte()));
        run(link.timeout(now));
        break;
      }
      case 4:  // the verifier answers (with or without a verification outstanding)
        run(link.verdict(now, ppp::AuthVerdict{static_cast<bool>(in.byte() & 1), "m"}));
        break;
      case 5:
        run(link.lower_down(now));
        break;
      case 6:
        run(link.lower_up(now));
        break;
      default:
        run(link.close(now, "fuzz"));
        break;
    }
  }
  return 0;
}
