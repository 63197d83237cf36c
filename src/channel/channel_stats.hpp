#pragma once
// Counters of one control channel, summed per endpoint for metrics.
#include <cstdint>

namespace hl2tp::channel {

struct ChannelStats {
  std::uint64_t sent = 0;  // new messages (not ZLBs, not retransmissions)
  std::uint64_t retransmitted = 0;
  std::uint64_t zlb_sent = 0;
  std::uint64_t received = 0;          // delivered in order
  std::uint64_t duplicates = 0;        // already delivered: acked, not delivered again
  std::uint64_t out_of_order = 0;      // held for in-order delivery
  std::uint64_t beyond_window = 0;     // too far ahead: dropped, the peer retransmits
  std::uint64_t bogus_nr = 0;          // acknowledged what we never sent: ignored
  std::uint64_t discarded_paused = 0;  // arrived while the channel waited for a reset (RFC 4951)

  ChannelStats& operator+=(const ChannelStats& o) {
    sent += o.sent;
    retransmitted += o.retransmitted;
    zlb_sent += o.zlb_sent;
    received += o.received;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    beyond_window += o.beyond_window;
    bogus_nr += o.bogus_nr;
    discarded_paused += o.discarded_paused;
    return *this;
  }
};

}  // namespace hl2tp::channel
