#pragma once
// One builder per message, taking exactly the AVPs RFC 2661 §6 (and RFC 4951 §4) make mandatory.
// Optional AVPs are added afterwards with ControlMessage::add<T>(). Header fields (tunnel and
// session IDs, Ns, Nr) are the control channel's business and are left zero.
#include <cstdint>
#include <span>
#include <string>

#include "base/random_source.hpp"
#include "wire/control_message.hpp"
#include "wire/result_codes.hpp"

namespace hl2tp::wire {

// A message with only its Message Type AVP, M set as RFC 2661 §4.4.1 / RFC 4951 §4 say.
ControlMessage make_message(MessageType type);

// A Random Vector AVP of `length` octets from `random`; it must come before any hidden AVP (§4.3).
Avp make_random_vector(RandomSource& random, std::size_t length = 16);

ControlMessage make_sccrq(std::uint16_t assigned_tunnel_id, std::string host_name,
                          std::uint32_t framing_capabilities);
ControlMessage make_sccrp(std::uint16_t assigned_tunnel_id, std::string host_name,
                          std::uint32_t framing_capabilities);
ControlMessage make_scccn();
ControlMessage make_stopccn(std::uint16_t assigned_tunnel_id, ResultCode result);
ControlMessage make_hello();
ControlMessage make_ocrq(std::uint16_t assigned_session_id, std::uint32_t call_serial_number,
                         std::uint32_t minimum_bps, std::uint32_t maximum_bps,
                         std::uint32_t bearer_type, std::uint32_t framing_type,
                         std::string called_number);
ControlMessage make_ocrp(std::uint16_t assigned_session_id);
ControlMessage make_occn(std::uint32_t tx_connect_speed, std::uint32_t framing_type);
ControlMessage make_icrq(std::uint16_t assigned_session_id, std::uint32_t call_serial_number);
ControlMessage make_icrp(std::uint16_t assigned_session_id);
ControlMessage make_iccn(std::uint32_t tx_connect_speed, std::uint32_t framing_type);
ControlMessage make_cdn(std::uint16_t assigned_session_id, ResultCode result);
ControlMessage make_wen(CallErrors call_errors);
ControlMessage make_sli(Accm accm);
ControlMessage make_fsq(std::span<const FailoverSessionState> sessions);
ControlMessage make_fsr(std::span<const FailoverSessionState> sessions);

}  // namespace hl2tp::wire
