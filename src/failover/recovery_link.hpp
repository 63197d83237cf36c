#pragma once
// What ties an RFC 4951 recovery tunnel (§3.2.1) to the old tunnel it recovers, and how far it
// got. Either end holds one on each recovery tunnel: the failed end on the tunnel it opens, the
// helping end on the tunnel that answers the request.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/invariant.hpp"
#include "wire/avp_value.hpp"
#include "wire/control_message.hpp"

namespace hl2tp::failover {

class RecoveryLink {
 public:
  enum class Stage : std::uint8_t {
    opening,      // SCCRQ sent or answered; set-up not finished
    established,  // set-up finished (SCCRP taken, or a valid SCCCN): the engine acts on it now
    completed,    // the old tunnel was reset through it (or found reset already)
    superseded,   // gave way to another recovery tunnel for the same old tunnel
  };

  RecoveryLink(std::uint16_t old_tunnel_id, wire::TunnelRecovery ids,
               std::optional<wire::SuggestedControlSequence> suggested)
      : old_tunnel_id_(old_tunnel_id), ids_(ids), suggested_(suggested) {}

  std::uint16_t old_tunnel_id() const { return old_tunnel_id_; }  // ours
  // As carried in the SCCRQ's Tunnel Recovery AVP (§5.2).
  const wire::TunnelRecovery& ids() const { return ids_; }
  // The sequence the helping end suggested (SCS AVP, §5.3) or will suggest; none in the SCCRP
  // means 0/0 (§3.2.2).
  const std::optional<wire::SuggestedControlSequence>& suggested() const { return suggested_; }
  wire::SuggestedControlSequence reset_to() const {
    return suggested_.value_or(wire::SuggestedControlSequence{});
  }
  Stage stage() const { return stage_; }
  // Still working for the old tunnel: neither done nor given way.
  bool at_work() const { return stage_ == Stage::opening || stage_ == Stage::established; }

  // §5.2–5.3: the recovery tunnel's SCCRQ names the old tunnel (Tunnel Recovery AVP), its SCCRP
  // suggests the control sequence; neither carries the Failover Capability AVP (§5.1).
  void add_setup_avps(wire::ControlMessage& m) const;
  // Once set up, a recovery tunnel carries nothing but Hello and StopCCN (§3.2.1): anything else
  // is acknowledged and ignored.
  static bool ignores(wire::MessageType type) {
    return type != wire::MessageType::HELLO && type != wire::MessageType::StopCCN;
  }
  // The failed end reads the helping end's suggestion from the SCCRP (§3.2.2): the old tunnel
  // restarts at the suggested numbers, or at 0/0 without an SCS AVP.
  void read_reply(const wire::ControlMessage& sccrp);
  void establish() {
    HL2TP_INVARIANT(stage_ == Stage::opening);
    stage_ = Stage::established;
  }
  void complete() {
    HL2TP_INVARIANT(stage_ == Stage::established);
    stage_ = Stage::completed;
  }
  void supersede() {
    HL2TP_INVARIANT(at_work());
    stage_ = Stage::superseded;
  }

  // Our recovery tunnel: the Tie Breakers of the peer's requests it beat (Appendix B), so that a
  // copy of one still in flight once we completed is told from the peer's next round. Bounded:
  // each is one request of one incarnation of the peer.
  bool beat(const wire::TieBreakerValue& theirs) const {
    return std::find(beaten_.begin(), beaten_.end(), theirs) != beaten_.end();
  }
  void note_beaten(const wire::TieBreakerValue& theirs) {
    if (beat(theirs)) return;
    if (beaten_.size() == kBeatenKept) beaten_.erase(beaten_.begin());
    beaten_.push_back(theirs);
  }

 private:
  static constexpr std::size_t kBeatenKept = 4;
  std::uint16_t old_tunnel_id_;
  wire::TunnelRecovery ids_;
  std::optional<wire::SuggestedControlSequence> suggested_;
  Stage stage_ = Stage::opening;
  std::vector<wire::TieBreakerValue> beaten_;
};

}  // namespace hl2tp::failover
