#pragma once
// Classic pcap files holding UDP/IPv4 datagrams: written so that tshark can dissect what we encode,
// and read so that a capture (ours, or tshark's of loopback) can be decoded again.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace hl2tp::pcap {

struct UdpDatagram {
  std::uint32_t source_ip = 0;  // host order, e.g. 0x7F000001 for 127.0.0.1
  std::uint16_t source_port = 0;
  std::uint32_t destination_ip = 0;
  std::uint16_t destination_port = 0;
  std::uint64_t time_us = 0;  // microseconds since the epoch (or since any origin)
  std::vector<std::byte> payload;
};

// A pcap file (link type RAW, IPv4) with one record per datagram.
std::vector<std::byte> write_pcap(std::span<const UdpDatagram> datagrams);

// The UDP/IPv4 datagrams of a pcap file with link type RAW (101), Ethernet (1) or Linux cooked
// (113); other packets are skipped. Fails with a reason on a file that is not such a pcap.
Result<std::vector<UdpDatagram>, std::string> read_pcap(std::span<const std::byte> file);

std::string format_ipv4(std::uint32_t address);

}  // namespace hl2tp::pcap
