#pragma once
// What a restart leaves of the calls that were being set up when we failed (issue 13, point 10;
// issue 14, point 3). Only established calls are stored, so such a call is gone; but its messages
// still sit, unacknowledged, in the control channel the store restores, and were retransmitted:
// a peer that had not taken an ICRQ/OCRQ yet then set up a call we no longer hold, which we cleared
// with a CDN at its reply (up to 39 spare sessions at a peer, 152 CDNs in one campaign).
#include <cstddef>

#include "channel/channel_state.hpp"
#include "tunnel/tunnel_settings.hpp"

namespace hl2tp::engine {

struct UnsentCalls {
  std::size_t calls = 0;     // call messages (ICRQ, OCRQ, ICRP, OCRP) of calls that are gone
  std::size_t withheld = 0;  // of those, call requests replaced by a HELLO at the same Ns
};

// Counts the gone calls' messages in a restored `channel` and replaces each ICRQ/OCRQ with a HELLO
// at the same Ns. ICRP/OCRP stay: the peer's call exists, and our reply is what gets its ICCN/OCCN
// to us, answered with a CDN that clears it at once rather than at its set-up timer.
UnsentCalls withhold_unsent_calls(channel::ChannelState& channel,
                                  const tunnel::TunnelSettings& settings);

}  // namespace hl2tp::engine
