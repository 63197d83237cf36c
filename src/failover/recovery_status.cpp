#include "failover/recovery_status.hpp"

namespace hl2tp::failover {

std::string_view name(RecoveryState state) {
  switch (state) {
    case RecoveryState::none:
      return "none";
    case RecoveryState::recovering:
      return "recovering";
    case RecoveryState::recovered:
      return "recovered";
    case RecoveryState::failed:
      return "failed";
    case RecoveryState::helping:
      return "peer-recovering";
  }
  return "?";
}

}  // namespace hl2tp::failover
