#include "wire/avp_type.hpp"

namespace hl2tp::wire {

std::optional<AvpInfo> avp_info(std::uint16_t attribute_type) {
  switch (attribute_type) {
#define HL2TP_AVP_INFO(name, code, type, m, h, min) \
  case code:                                        \
    return AvpInfo{#name, m, h, min};
    HL2TP_AVP_TABLE(HL2TP_AVP_INFO)
#undef HL2TP_AVP_INFO
    default:
      return std::nullopt;
  }
}

}  // namespace hl2tp::wire
