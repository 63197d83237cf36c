#pragma once
// The non-failed end's side of an RFC 4951 recovery, from the answer to a recovery request to the
// moment the suggested reset is taken up or found not to be (docs/recovery-design.md §4).
//
// RFC 4951 §3.2.2 resets the remote end on a valid SCCCN: before that the recovery request is
// neither authenticated (the SCCCN carries the answer to our challenge, §3.2.1) nor known to be
// complete, so nothing may disturb the live tunnel (issue 13, point 2; RFC 4951 §8). The live
// tunnel therefore goes on as it was after our SCCRP: it takes in, acknowledges and sends as
// usual. What makes that safe is the Suggested Control Sequence (§5.3), which we choose to lie
// past every number either side may still have in flight under the old numbering:
//  - its Ns (the failed end's next Ns, our Nr after the reset) lies past anything the failed end's
//    dead incarnations may have sent: a message of theirs arriving after the reset is old, acked
//    and not delivered; before the reset it is taken in as the old numbering says;
//  - its Nr (our next Ns after the reset) lies past anything we transmit before the reset: the
//    channel holds back every Ns from `transmit_limit` on, so the failed end takes all we sent
//    before the reset as old. And so an Nr equal to the suggested one can come only from a peer
//    that reset to it: that proves the reset as well as the SCCCN does, should every copy of the
//    SCCCN be lost (five losses in a row let the recovery tunnel time out: campaign seed 51228);
//  - an Nr past `answered_at` and up to `transmit_limit` acknowledges, under the old numbering, a
//    message first sent after the request arrived: the peer never reset (the request was not its,
//    or its recovery fell back to silent failover), and the suggestion is withdrawn.
// The suggestion is durable before the SCCRP that carries it leaves (write-ahead): an end that
// crashes in between must still recognise a peer that reset to it.
#include <cstdint>

#include "base/peer_address.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::failover {

struct RecoverySuggestion {
  // As sent in our SCCRP: `ns` is the failed end's next Ns (our Nr after the reset), `nr` the
  // failed end's Nr (our next Ns after the reset).
  wire::SuggestedControlSequence scs;
  std::uint16_t answered_at = 0;     // our next Ns when the (latest) request was answered
  std::uint16_t transmit_limit = 0;  // no Ns from here on leaves before the reset
  // Where the request came from and went to: a restarted peer may come back on another port
  // (NAT, or a daemon without a held socket), and the tunnel moves there once it has reset.
  PeerAddress from;
  PeerAddress to;
  bool operator==(const RecoverySuggestion&) const = default;
};

}  // namespace hl2tp::failover
