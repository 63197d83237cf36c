#pragma once
// The fields of a control message header that vary (RFC 2661 §3.1); the flags are always 0xC802.
#include <cstdint>

namespace hl2tp::wire {

inline constexpr std::uint16_t kControlFlagsAndVersion = 0xC802;  // T, L, S set; Ver 2
inline constexpr std::size_t kControlHeaderLength = 12;

struct ControlHeader {
  std::uint16_t tunnel_id = 0;   // the receiver's tunnel ID; 0 until known
  std::uint16_t session_id = 0;  // the receiver's session ID; 0 for tunnel-wide messages
  std::uint16_t ns = 0;
  std::uint16_t nr = 0;
  bool operator==(const ControlHeader&) const = default;
};

}  // namespace hl2tp::wire
