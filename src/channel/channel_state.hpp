#pragma once
// The part of a control channel a restarted endpoint needs to speak to its peer again without loss
// (docs/recovery-design.md): sequence numbers and the messages not yet acknowledged.
#include <cstdint>
#include <utility>
#include <vector>

#include "wire/avp_value.hpp"

namespace hl2tp::channel {

struct ChannelState {
  std::uint16_t next_ns = 0;      // Ns of the next message we queue
  std::uint16_t expected_ns = 0;  // our Nr
  std::uint16_t acked_ns = 0;     // the peer's Nr: everything before it was delivered
  // (Ns, encoded with Nr zero: it is restamped on every transmission), oldest first.
  std::vector<std::pair<std::uint16_t, Bytes>> unacked;
  bool operator==(const ChannelState&) const = default;
};

// One change to that state, in the order the channel made it. The tunnel turns these into
// checkpoint records, so that the store follows the channel turn by turn.
struct JournalEntry {
  enum class Kind : std::uint8_t {
    queued,    // a message got its Ns (value) and bytes
    acked,     // the peer's Nr (value) released messages
    received,  // our Nr advanced to value
    reset,     // RFC 4951 §3.2.2: both windows flushed, Ns := value, Nr := reset_nr
  };
  Kind kind;
  std::uint16_t value;
  Bytes bytes;  // queued only
  std::uint16_t reset_nr = 0;
};

}  // namespace hl2tp::channel
