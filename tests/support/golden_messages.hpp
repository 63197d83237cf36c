#pragma once
// The messages of tests/vectors/golden_messages.txt, built with the message builders. The golden
// test checks that each encodes to its hand-written bytes; the tshark test dissects them.
#include <string>
#include <utility>
#include <vector>

#include "support/hex.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::test {

inline wire::ControlMessage with_header(wire::ControlMessage m, std::uint16_t tunnel_id,
                                        std::uint16_t session_id, std::uint16_t ns,
                                        std::uint16_t nr) {
  m.header = {tunnel_id, session_id, ns, nr};
  return m;
}

template <std::size_t N>
std::array<std::byte, N> array_of(std::string_view hex) {
  auto bytes = from_hex(hex);
  std::array<std::byte, N> a{};
  std::copy_n(bytes.begin(), N, a.begin());
  return a;
}

inline std::vector<std::pair<std::string, wire::ControlMessage>> golden_messages() {
  using namespace wire;
  using A = AvpType;
  std::vector<std::pair<std::string, ControlMessage>> m;

  auto sccrq = make_sccrq(0x1234, "lac", kFramingSync | kFramingAsync);
  sccrq.add<A::ReceiveWindowSize>(16)
      .add<A::TieBreaker>(array_of<8>("0102030405060708"))
      .add<A::FailoverCapability>({true, false, 60000});
  m.emplace_back("SCCRQ", sccrq);

  auto sccrp = make_sccrp(0x5678, "lns", kFramingSync);
  sccrp.add<A::BearerCapabilities>(kBearerDigital)
      .add<A::FirmwareRevision>(0x0690)
      .add<A::VendorName>("hl2tp")
      .add<A::Challenge>(from_hex("DEADBEEF"))
      .add<A::ChallengeResponse>(array_of<16>("00112233445566778899AABBCCDDEEFF"))
      .add<A::FailoverCapability>({true, true, 30000});
  m.emplace_back("SCCRP", with_header(sccrp, 0x1234, 0, 0, 1));

  auto scccn = make_scccn();
  scccn.add<A::ChallengeResponse>(array_of<16>("FFEEDDCCBBAA99887766554433221100"));
  m.emplace_back("SCCCN", with_header(scccn, 0x5678, 0, 1, 1));

  m.emplace_back("StopCCN", with_header(make_stopccn(0x1234, {2, 6, "bye"}), 0x5678, 0, 2, 1));
  m.emplace_back("HELLO", with_header(make_hello(), 0x5678, 0, 3, 1));
  m.emplace_back(
      "OCRQ", with_header(make_ocrq(1, 42, 64000, 1000000, kBearerDigital, kFramingSync, "5551234"),
                          0x1234, 0, 4, 2));

  auto ocrp = make_ocrp(2);
  ocrp.add<A::PhysicalChannelId>(7);
  m.emplace_back("OCRP", with_header(ocrp, 0x5678, 1, 5, 3));

  auto occn = make_occn(1000000, kFramingSync);
  occn.add<A::RxConnectSpeed>(1000000);
  m.emplace_back("OCCN", with_header(occn, 0x5678, 1, 6, 4));

  auto icrq = make_icrq(3, 43);
  icrq.add<A::BearerType>(kBearerDigital)
      .add<A::PhysicalChannelId>(9)
      .add<A::CallingNumber>("0123456789")
      .add<A::CalledNumber>("5551234")
      .add<A::SubAddress>("suba");
  m.emplace_back("ICRQ", with_header(icrq, 0x1234, 0, 7, 5));

  m.emplace_back("ICRP", with_header(make_icrp(4), 0x5678, 3, 8, 6));

  auto iccn = make_iccn(100000000, kFramingSync);
  iccn.add<A::SequencingRequired>({})
      .add<A::ProxyAuthenType>(2)
      .add<A::ProxyAuthenName>("user")
      .add<A::ProxyAuthenId>(5)
      .add<A::InitialReceivedLcpConfreq>(from_hex("010405DC0506 12345678"))
      .add<A::PrivateGroupId>(bytes_of("grp1"));
  m.emplace_back("ICCN", with_header(iccn, 0x1234, 4, 9, 7));

  auto cdn = make_cdn(3, {3, std::nullopt, ""});
  cdn.add<A::Q931CauseCode>({16, 2, "ok!"});
  m.emplace_back("CDN", with_header(cdn, 0x1234, 4, 10, 8));

  m.emplace_back("WEN", with_header(make_wen({1, 2, 3, 4, 5, 6}), 0x5678, 3, 9, 11));
  m.emplace_back("SLI", with_header(make_sli({0xFFFFFFFF, 0}), 0x5678, 3, 10, 11));

  const FailoverSessionState queried[] = {{3, 4}, {5, 6}};
  m.emplace_back("FSQ", with_header(make_fsq(queried), 0x5678, 0, 11, 11));
  const FailoverSessionState answered[] = {{0, 3}};
  m.emplace_back("FSR", with_header(make_fsr(answered), 0x1234, 0, 12, 12));

  m.emplace_back("ZLB", with_header(ControlMessage{}, 0x1234, 0, 13, 12));

  auto recovery_sccrq = make_sccrq(0x2345, "lac", kFramingSync | kFramingAsync);
  recovery_sccrq.add<A::TieBreaker>(array_of<8>("0807060504030201"))
      .add<A::TunnelRecovery>({0x1234, 0x5678})
      .add<A::Challenge>(from_hex("01020304"));
  m.emplace_back("recovery-SCCRQ", recovery_sccrq);

  auto recovery_sccrp = make_sccrp(0x6789, "lns", kFramingSync);
  recovery_sccrp.add<A::ChallengeResponse>(array_of<16>("000102030405060708090A0B0C0D0E0F"))
      .add<A::SuggestedControlSequence>({3, 100});
  m.emplace_back("recovery-SCCRP", with_header(recovery_sccrp, 0x2345, 0, 0, 1));
  return m;
}

}  // namespace hl2tp::test
