#pragma once
// Data message header (RFC 2661 §3.1 with T=0): L, S, O and P optional.
#include <cstdint>
#include <optional>
#include <span>

#include "base/result.hpp"
#include "wire/avp_value.hpp"
#include "wire/decode_error.hpp"

namespace hl2tp::wire {

struct DataHeader {
  std::uint16_t tunnel_id = 0;
  std::uint16_t session_id = 0;
  bool length_present = false;               // L
  bool priority = false;                     // P (RFC 2661 §3.1: e.g. LCP echo)
  std::optional<std::uint16_t> ns;           // S: present with nr
  std::optional<std::uint16_t> nr;           // reserved on data messages, carried as sent
  std::optional<std::uint16_t> offset_size;  // O: octets of padding before the payload
  bool operator==(const DataHeader&) const = default;
};

struct DataMessage {
  DataHeader header;
  std::span<const std::byte> payload;  // a view into the datagram
};

// Whether a datagram is a control message (T bit), or nullopt if it has no first octet.
std::optional<bool> is_control_message(std::span<const std::byte> datagram);

Result<DataMessage, DecodeError> decode_data(std::span<const std::byte> datagram);

// Appends header (with zero padding when offset_size is set) and payload to out.
void encode_data(const DataHeader& header, std::span<const std::byte> payload, Bytes& out);

}  // namespace hl2tp::wire
