// hl2tp-wire-demo: the codec at work. Encodes an L2TP exchange between a LAC (127.0.0.1) and an LNS
// (127.0.0.2) — tunnel set-up with challenge authentication and RFC 4951 capability, an incoming
// call with hidden AVPs, a data message, a recovery tunnel with a Suggested Control Sequence,
// FSQ/FSR — writes it to a pcap file, then reads the capture back, decodes every datagram and
// prints it. Usage: hl2tp-wire-demo OUTPUT.pcap
#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <random>

#include "pcap/pcap_file.hpp"
#include "wire/challenge.hpp"
#include "wire/control_codec.hpp"
#include "wire/data_message.hpp"
#include "wire/message_builders.hpp"
#include "wire/message_format.hpp"

namespace {

using namespace hl2tp;
using namespace hl2tp::wire;

constexpr std::uint32_t kLac = 0x7F000001, kLns = 0x7F000002;
constexpr std::uint16_t kLacPort = 40000, kLnsPort = 1701;

class DemoRandom : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override {
    for (auto& b : out)
      b = static_cast<std::byte>(rng_());
  }

 private:
  std::mt19937_64 rng_{1701};  // fixed, so the demo prints the same bytes every time
};

Bytes secret_bytes() {
  const std::string_view s = "demo-secret";
  return Bytes(reinterpret_cast<const std::byte*>(s.data()),
               reinterpret_cast<const std::byte*>(s.data()) + s.size());
}

struct Exchange {
  std::vector<pcap::UdpDatagram> datagrams;
  Bytes secret = secret_bytes();
  DemoRandom random;

  void send(bool from_lac, const ControlMessage& m) {
    auto bytes = encode_control(m, {secret, &random, 4});
    if (!bytes) throw std::runtime_error("encode failed");
    push(from_lac, std::move(*bytes));
  }
  void push(bool from_lac, Bytes bytes) {
    const std::uint64_t t = 1'700'000'000'000'000 + datagrams.size() * 1500;
    if (from_lac) {
      datagrams.push_back({kLac, kLacPort, kLns, kLnsPort, t, std::move(bytes)});
    } else {
      datagrams.push_back({kLns, kLnsPort, kLac, kLacPort, t, std::move(bytes)});
    }
  }
};

ControlMessage at(ControlMessage m, std::uint16_t tid, std::uint16_t sid, std::uint16_t ns,
                  std::uint16_t nr) {
  m.header = {tid, sid, ns, nr};
  return m;
}

void build(Exchange& x) {
  const Bytes lac_challenge = {std::byte{0x11}, std::byte{0x22}, std::byte{0x33}, std::byte{0x44}};
  const Bytes lns_challenge = {std::byte{0x55}, std::byte{0x66}, std::byte{0x77}, std::byte{0x88}};
  constexpr std::uint16_t lac_tid = 0x0A01, lns_tid = 0x0B02, lac_sid = 0x0101, lns_sid = 0x0202;

  auto sccrq = make_sccrq(lac_tid, "lac-1", kFramingSync);
  sccrq.add<AvpType::ReceiveWindowSize>(64)
      .add<AvpType::Challenge>(lac_challenge)
      .add<AvpType::TieBreaker>({std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                 std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8}})
      .add<AvpType::FailoverCapability>({true, false, 60000});
  x.send(true, at(sccrq, 0, 0, 0, 0));

  auto sccrp = make_sccrp(lns_tid, "lns-1", kFramingSync);
  sccrp.add<AvpType::ReceiveWindowSize>(64)
      .add<AvpType::Challenge>(lns_challenge)
      .add<AvpType::ChallengeResponse>(
          challenge_response(MessageType::SCCRP, x.secret, lac_challenge))
      .add<AvpType::FailoverCapability>({true, true, 30000});
  x.send(false, at(sccrp, lac_tid, 0, 0, 1));

  auto scccn = make_scccn();
  scccn.add<AvpType::ChallengeResponse>(
      challenge_response(MessageType::SCCCN, x.secret, lns_challenge));
  x.send(true, at(scccn, lns_tid, 0, 1, 1));
  x.send(false, at(ControlMessage{}, lac_tid, 0, 1, 2));  // ZLB ack

  auto icrq = make_icrq(lac_sid, 1);
  icrq.avps.insert(icrq.avps.begin() + 1, make_random_vector(x.random));
  icrq.avps[2].hidden = true;  // Assigned Session ID
  icrq.add<AvpType::BearerType>(kBearerDigital).add<AvpType::CallingNumber>("subscriber-42", true);
  x.send(true, at(icrq, lns_tid, 0, 2, 1));
  x.send(false, at(make_icrp(lns_sid), lac_tid, lac_sid, 1, 3));
  auto iccn = make_iccn(100'000'000, kFramingSync);
  iccn.add<AvpType::RxConnectSpeed>(20'000'000);
  x.send(true, at(iccn, lns_tid, lns_sid, 3, 2));
  x.send(false, at(ControlMessage{}, lac_tid, 0, 2, 4));

  Bytes data;
  encode_data(
      {lns_tid, lns_sid, true, false, 0, 0, {}},
      std::vector<std::byte>{std::byte{0xFF}, std::byte{0x03}, std::byte{0xC0}, std::byte{0x21},
                             std::byte{0x01}, std::byte{0x01}, std::byte{0x00}, std::byte{0x04}},
      data);
  x.push(true, std::move(data));

  // The LAC restarts and recovers its old tunnel with a recovery tunnel (RFC 4951 §3.2.1).
  auto recovery = make_sccrq(0x0A77, "lac-1", kFramingSync);
  recovery
      .add<AvpType::TieBreaker>({std::byte{9}, std::byte{9}, std::byte{9}, std::byte{9},
                                 std::byte{9}, std::byte{9}, std::byte{9}, std::byte{9}})
      .add<AvpType::TunnelRecovery>({lac_tid, lns_tid})
      .add<AvpType::Challenge>(lac_challenge);
  x.send(true, at(recovery, 0, 0, 0, 0));
  auto recovery_reply = make_sccrp(0x0B77, "lns-1", kFramingSync);
  recovery_reply
      .add<AvpType::ChallengeResponse>(
          challenge_response(MessageType::SCCRP, x.secret, lac_challenge))
      .add<AvpType::SuggestedControlSequence>({4, 2});
  x.send(false, at(recovery_reply, 0x0A77, 0, 0, 1));

  const FailoverSessionState query[] = {{lac_sid, lns_sid}};
  x.send(true, at(make_fsq(query), lns_tid, 0, 4, 2));
  const FailoverSessionState answer[] = {{lns_sid, lac_sid}};
  x.send(false, at(make_fsr(answer), lac_tid, 0, 2, 5));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} OUTPUT.pcap\n", argv[0]);
    return 2;
  }
  Exchange x;
  build(x);
  {
    const auto file = pcap::write_pcap(x.datagrams);
    std::ofstream(argv[1], std::ios::binary)
        .write(reinterpret_cast<const char*>(file.data()),
               static_cast<std::streamsize>(file.size()));
  }
  fmt::print("wrote {} datagrams to {}\n\n", x.datagrams.size(), argv[1]);

  // Read the capture back, as one would a capture taken on the wire.
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto datagrams =
      pcap::read_pcap(std::span(reinterpret_cast<const std::byte*>(raw.data()), raw.size()));
  if (!datagrams) {
    fmt::print(stderr, "cannot read {}: {}\n", argv[1], datagrams.error());
    return 1;
  }
  int failures = 0;
  for (std::size_t i = 0; i < datagrams->size(); ++i) {
    const auto& d = (*datagrams)[i];
    const std::string route =
        fmt::format("{}:{} -> {}:{}", pcap::format_ipv4(d.source_ip), d.source_port,
                    pcap::format_ipv4(d.destination_ip), d.destination_port);
    if (is_control_message(d.payload) == false) {
      auto m = decode_data(d.payload);
      fmt::print("{:2} {}  DATA tid={} sid={} {} payload octets\n", i + 1, route,
                 m ? m->header.tunnel_id : 0, m ? m->header.session_id : 0,
                 m ? m->payload.size() : 0);
      failures += !m;
      continue;
    }
    auto m = decode_control(d.payload, {.secret = x.secret});
    if (!m) {
      fmt::print("{:2} {}  undecodable: {}\n", i + 1, route, m.error().to_string());
      ++failures;
      continue;
    }
    fmt::print("{:2} {}  {}\n", i + 1, route, to_string(*m));
  }
  return failures == 0 ? 0 : 1;
}
