#pragma once
// Other implementations' control-channel sequencing, as rules the simulator gives the channels of
// a peer model (peer_model.hpp). Facts from their sources: docs/peer-behaviour.md §1.1, §2.
#include <memory>

#include "channel/sequencing_rule.hpp"

namespace hl2tp::sim {

// Debian's xl2tpd 1.3.18 (control.c, check_control): only an in-order message, or a ZLB whose Ns
// is the expected one, has its Nr processed; a message ahead is dropped unacknowledged; a stale
// one is acknowledged and its Nr ignored, "stale" being a numeric compare (across the 65535 -> 0
// wrap it counts as ahead).
std::shared_ptr<const channel::SequencingRule> xl2tpd_sequencing();

// accel-ppp's L2TP: a message whose Nr acknowledges more than it sent is discarded unacknowledged;
// every other message but a ZLB is acknowledged, one beyond the receive window included.
std::shared_ptr<const channel::SequencingRule> accel_ppp_sequencing();

}  // namespace hl2tp::sim
