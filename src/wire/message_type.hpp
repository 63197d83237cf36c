#pragma once
// Control message types: RFC 2661 §3.2, and FSQ/FSR from RFC 4951 §4.
#include <cstdint>
#include <string_view>

namespace hl2tp::wire {

// The numbers a peer may send are open-ended, so MessageType holds any u16; the named ones are
// those we implement.
enum class MessageType : std::uint16_t {
  SCCRQ = 1,
  SCCRP = 2,
  SCCCN = 3,
  StopCCN = 4,
  HELLO = 6,
  OCRQ = 7,
  OCRP = 8,
  OCCN = 9,
  ICRQ = 10,
  ICRP = 11,
  ICCN = 12,
  CDN = 14,
  WEN = 15,
  SLI = 16,
  FSQ = 21,  // RFC 4951 §4.1
  FSR = 22,  // RFC 4951 §4.2
};

// True for the message types above.
bool is_known(MessageType type);

// The M bit we send on the Message Type AVP: 1 for RFC 2661 messages, 0 for FSQ/FSR so that a peer
// without RFC 4951 ignores them (RFC 4951 §4).
bool message_type_mandatory(MessageType type);

// "SCCRQ", "FSQ", …; "type-N" for unknown ones is produced by the formatter, not here.
std::string_view name(MessageType type);

// Tunnel-scoped messages are answered (and, on error, torn down) at tunnel level; the rest concern
// a session (RFC 2661 §4.1, M-bit handling).
bool is_session_scoped(MessageType type);

}  // namespace hl2tp::wire
