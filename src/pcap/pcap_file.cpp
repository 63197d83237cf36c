#include "pcap/pcap_file.hpp"

#include <fmt/format.h>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"

namespace hl2tp::pcap {
namespace {

constexpr std::uint32_t kMagicMicroseconds = 0xA1B2C3D4;
constexpr std::uint32_t kLinkTypeEthernet = 1, kLinkTypeRaw = 101, kLinkTypeLinuxCooked = 113;
constexpr std::size_t kIpv4HeaderLength = 20, kUdpHeaderLength = 8;
constexpr std::uint8_t kProtocolUdp = 17;

// pcap headers are in the writer's byte order; we write little-endian and read either.
void put_le32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
void put_le16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v & 0xFF));
  out.push_back(static_cast<std::byte>(v >> 8));
}

std::uint16_t ipv4_checksum(std::span<const std::byte> header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < header.size(); i += 2) {
    sum += (std::to_integer<std::uint32_t>(header[i]) << 8) |
           std::to_integer<std::uint32_t>(header[i + 1]);
  }
  while (sum >> 16)
    sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

class FileReader {
 public:
  explicit FileReader(std::span<const std::byte> bytes) : r_(bytes) {}
  void set_swapped(bool swapped) { swapped_ = swapped; }
  std::optional<std::uint32_t> u32() {
    auto v = r_.u32();
    if (!v || !swapped_) return v;
    return __builtin_bswap32(*v);
  }
  std::optional<std::uint16_t> u16() {
    auto v = r_.u16();
    if (!v || !swapped_) return v;
    return __builtin_bswap16(*v);
  }
  ByteReader& raw() { return r_; }

 private:
  ByteReader r_;
  bool swapped_ = false;
};

// The UDP datagram inside an IPv4 packet, or nullopt for anything else.
std::optional<UdpDatagram> parse_ipv4_udp(std::span<const std::byte> packet) {
  ByteReader r(packet);
  auto version_ihl = r.u8();
  if (!version_ihl || (*version_ihl >> 4) != 4) return std::nullopt;
  const std::size_t ihl = (*version_ihl & 0x0F) * 4u;
  if (ihl < kIpv4HeaderLength || packet.size() < ihl + kUdpHeaderLength) return std::nullopt;
  if (std::to_integer<std::uint8_t>(packet[9]) != kProtocolUdp) return std::nullopt;
  ByteReader addresses(packet.subspan(12, 8));
  UdpDatagram d;
  d.source_ip = *addresses.u32();
  d.destination_ip = *addresses.u32();
  ByteReader udp(packet.subspan(ihl));
  d.source_port = *udp.u16();
  d.destination_port = *udp.u16();
  const std::uint16_t udp_length = *udp.u16();
  if (udp_length < kUdpHeaderLength || udp_length > packet.size() - ihl) return std::nullopt;
  auto payload = packet.subspan(ihl + kUdpHeaderLength, udp_length - kUdpHeaderLength);
  d.payload.assign(payload.begin(), payload.end());
  return d;
}

}  // namespace

std::vector<std::byte> write_pcap(std::span<const UdpDatagram> datagrams) {
  std::vector<std::byte> out;
  put_le32(out, kMagicMicroseconds);
  put_le16(out, 2);  // version 2.4
  put_le16(out, 4);
  put_le32(out, 0);  // GMT offset
  put_le32(out, 0);  // timestamp accuracy
  put_le32(out, 65535);
  put_le32(out, kLinkTypeRaw);
  std::uint16_t ip_id = 1;
  for (const UdpDatagram& d : datagrams) {
    const std::size_t total = kIpv4HeaderLength + kUdpHeaderLength + d.payload.size();
    put_le32(out, static_cast<std::uint32_t>(d.time_us / 1'000'000));
    put_le32(out, static_cast<std::uint32_t>(d.time_us % 1'000'000));
    put_le32(out, static_cast<std::uint32_t>(total));
    put_le32(out, static_cast<std::uint32_t>(total));
    ByteWriter w(out);
    const std::size_t ip_start = w.size();
    w.u8(0x45);  // IPv4, 5 words
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(total));
    w.u16(ip_id++);
    w.u16(0x4000);  // don't fragment
    w.u8(64);
    w.u8(kProtocolUdp);
    w.u16(0);  // checksum, patched below
    w.u32(d.source_ip);
    w.u32(d.destination_ip);
    w.patch_u16(ip_start + 10, ipv4_checksum(w.tail_from(ip_start)));
    w.u16(d.source_port);
    w.u16(d.destination_port);
    w.u16(static_cast<std::uint16_t>(kUdpHeaderLength + d.payload.size()));
    w.u16(0);  // no UDP checksum (allowed over IPv4)
    w.bytes(d.payload);
  }
  return out;
}

Result<std::vector<UdpDatagram>, std::string> read_pcap(std::span<const std::byte> file) {
  FileReader r(file);
  auto magic = r.u32();
  if (!magic) return unexpected(std::string("file too short for a pcap header"));
  if (*magic == __builtin_bswap32(kMagicMicroseconds)) {
    r.set_swapped(true);  // we read big-endian; a little-endian writer's magic arrives swapped
  } else if (*magic != kMagicMicroseconds) {
    return unexpected(fmt::format("not a pcap file (magic {:#010x})", *magic));
  }
  if (!r.raw().take(16)) return unexpected(std::string("truncated pcap header"));
  auto link_type = r.u32();
  if (!link_type) return unexpected(std::string("truncated pcap header"));
  std::size_t link_header = 0;
  switch (*link_type) {
    case kLinkTypeRaw:
      link_header = 0;
      break;
    case kLinkTypeEthernet:
      link_header = 14;
      break;
    case kLinkTypeLinuxCooked:
      link_header = 16;
      break;
    default:
      return unexpected(fmt::format("unsupported link type {}", *link_type));
  }
  std::vector<UdpDatagram> datagrams;
  while (!r.raw().empty()) {
    auto seconds = r.u32();
    auto micros = r.u32();
    auto captured = r.u32();
    auto original = r.u32();
    if (!seconds || !micros || !captured || !original) {
      return unexpected(std::string("truncated pcap record header"));
    }
    auto packet = r.raw().take(*captured);
    if (!packet) return unexpected(std::string("truncated pcap record"));
    if (packet->size() < link_header) continue;
    if (auto d = parse_ipv4_udp(packet->subspan(link_header))) {
      d->time_us = std::uint64_t{*seconds} * 1'000'000 + *micros;
      datagrams.push_back(std::move(*d));
    }
  }
  return datagrams;
}

std::string format_ipv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

}  // namespace hl2tp::pcap
