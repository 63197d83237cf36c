#include "failover/recovery_link.hpp"

namespace hl2tp::failover {

void RecoveryLink::add_setup_avps(wire::ControlMessage& m) const {
  if (m.type() == wire::MessageType::SCCRQ) {
    m.add<wire::AvpType::TunnelRecovery>(ids_);
  } else if (suggested_) {
    m.add<wire::AvpType::SuggestedControlSequence>(*suggested_);
  }
}

void RecoveryLink::read_reply(const wire::ControlMessage& sccrp) {
  HL2TP_INVARIANT(stage_ == Stage::opening);
  const auto* scs = sccrp.get<wire::AvpType::SuggestedControlSequence>();
  suggested_ = scs ? *scs : wire::SuggestedControlSequence{};
}

}  // namespace hl2tp::failover
