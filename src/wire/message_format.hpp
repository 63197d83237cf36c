#pragma once
// Human-readable text for traces, logs and the demo: one line per message.
//   SCCRQ tid=0 sid=0 Ns=0 Nr=0 [Protocol Version=1.0, Host Name="lac", …]
#include <string>

#include "wire/control_message.hpp"

namespace hl2tp::wire {

std::string to_string(const Avp& avp);
std::string to_string(const ControlMessage& message);

}  // namespace hl2tp::wire
