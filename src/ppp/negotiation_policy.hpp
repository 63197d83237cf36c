#pragma once
// What one protocol (LCP, later each NCP) decides in a negotiation: the options it requests and how
// it judges the peer's. The automaton (negotiation.hpp) is the same for all of them (RFC 1661 §4);
// the options are each protocol's own (§6 for LCP). The negotiation calls its policy downward,
// within each call the caller makes; a policy never calls back.
#include <cstdint>
#include <span>
#include <vector>

#include "ppp/control_packet.hpp"

namespace hl2tp::ppp {

// Whether the negotiation can go on after the peer refused some of our request, or after the
// peer's request was judged.
enum class Continuation : std::uint8_t {
  go_on,
  // The peer refused an option we cannot do without (for LCP, the Authentication-Protocol the LNS
  // requires): the layer is closed rather than asking again and again (§4.5 Loop Avoidance).
  give_up,
};

// The answer to a peer's Configure-Request (§5.2–§5.4).
struct RequestVerdict {
  enum class Kind : std::uint8_t {
    ack,     // every option recognized and acceptable: Configure-Ack (RCR+)
    nak,     // all recognized, some values not: Configure-Nak with acceptable values (RCR-)
    reject,  // some not recognized or not negotiable: Configure-Reject with them, unmodified (RCR-)
  };
  Kind kind = Kind::ack;
  // For a Nak, the options Nak'd, with values acceptable to us (§5.3); for a Reject, the options
  // rejected, as received and in their order (§5.4); for an Ack, nothing (the Ack repeats the
  // request as received, §5.2).
  std::vector<ConfigOption> options;
  // give_up: this request shows the negotiation cannot succeed, whatever the peer sends next (for
  // IPCP, no address to give the peer, RFC 1332 §3.3): the answer is sent, so the peer learns what
  // was refused, and the layer is then closed rather than left to loop (§4.5 Loop Avoidance).
  Continuation continuation = Continuation::go_on;
};

class NegotiationPolicy {
 public:
  virtual ~NegotiationPolicy() = default;

  // A negotiation begins: the automaton enters a configuring state from one that was not
  // negotiating. What the last negotiation learned of the peer is forgotten.
  virtual void begin() = 0;

  // scr: the options of a new Configure-Request (§5.1), default values left out.
  virtual std::vector<ConfigOption> request_options() = 0;

  // RCR: judge the peer's Configure-Request. `may_nak` is false once Max-Failure Configure-Naks
  // were sent without an Ack (§4.6): what would be Nak'd is then Rejected, and nothing is added.
  virtual RequestVerdict judge_request(std::span<const ConfigOption> options, bool may_nak) = 0;

  // sca: the peer's request was acknowledged; its options are in force for the peer's side.
  virtual void peer_request_acked(std::span<const ConfigOption> options) = 0;
  // RCA: our request was acknowledged (§5.2); its options are in force for our side.
  virtual void request_acked(std::span<const ConfigOption> options) = 0;
  // RCN: our request was Nak'd (§5.3) or Rejected (§5.4); the next request takes it into account.
  virtual Continuation request_nakked(std::span<const ConfigOption> options) = 0;
  virtual Continuation request_rejected(std::span<const ConfigOption> options) = 0;

  // The Magic-Number we put in an Echo-Reply: ours if negotiated, else zero (§5.8, §6.4).
  virtual std::uint32_t own_magic_number() const { return 0; }
  // The largest packet the peer receives, to which a Code-Reject, Protocol-Reject or Echo-Reply is
  // truncated (§5.6–§5.8, §6.1: 1500 until negotiated otherwise).
  virtual std::uint16_t peer_mru() const { return 1500; }
};

}  // namespace hl2tp::ppp
