#pragma once
// The AVPs we understand, as one table: RFC 2661 §4.4 (types 0–39) and RFC 4951 §5 (76–79).
// Every other place that needs per-AVP facts (the value decoder, the typed accessors, the
// formatter) is generated from this list, so a fact lives in one row.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/avp_value.hpp"

namespace hl2tp::wire {

// Columns: name, attribute type, C++ value type, the M bit we send, whether the value may be hidden
// (RFC 2661 §4.4 "H" column; RFC 4951 §5), and the least value length for variable-length values
// (fixed-size values check their exact size in the value codec).
// NOLINTBEGIN(cppcoreguidelines-macro-usage): an X-macro is the one-row-per-AVP table we want.
#define HL2TP_AVP_TABLE(X)                                                  \
  X(MessageType, 0, std::uint16_t, true, false, 2)                          \
  X(ResultCode, 1, ResultCode, true, false, 2)                              \
  X(ProtocolVersion, 2, ProtocolVersion, true, false, 2)                    \
  X(FramingCapabilities, 3, std::uint32_t, true, true, 4)                   \
  X(BearerCapabilities, 4, std::uint32_t, true, true, 4)                    \
  X(TieBreaker, 5, TieBreakerValue, false, false, 8)                        \
  X(FirmwareRevision, 6, std::uint16_t, false, true, 2)                     \
  X(HostName, 7, std::string, true, false, 1)                               \
  X(VendorName, 8, std::string, false, true, 0)                             \
  X(AssignedTunnelId, 9, std::uint16_t, true, true, 2)                      \
  X(ReceiveWindowSize, 10, std::uint16_t, true, false, 2)                   \
  X(Challenge, 11, Bytes, true, true, 1)                                    \
  X(Q931CauseCode, 12, Q931Cause, true, false, 3)                           \
  X(ChallengeResponse, 13, ChallengeDigest, true, true, 16)                 \
  X(AssignedSessionId, 14, std::uint16_t, true, true, 2)                    \
  X(CallSerialNumber, 15, std::uint32_t, true, true, 4)                     \
  X(MinimumBps, 16, std::uint32_t, true, true, 4)                           \
  X(MaximumBps, 17, std::uint32_t, true, true, 4)                           \
  X(BearerType, 18, std::uint32_t, true, true, 4)                           \
  X(FramingType, 19, std::uint32_t, true, true, 4)                          \
  X(CalledNumber, 21, std::string, true, true, 0)                           \
  X(CallingNumber, 22, std::string, true, true, 0)                          \
  X(SubAddress, 23, std::string, true, true, 0)                             \
  X(TxConnectSpeed, 24, std::uint32_t, true, true, 4)                       \
  X(PhysicalChannelId, 25, std::uint32_t, false, true, 4)                   \
  X(InitialReceivedLcpConfreq, 26, Bytes, false, true, 0)                   \
  X(LastSentLcpConfreq, 27, Bytes, false, true, 0)                          \
  X(LastReceivedLcpConfreq, 28, Bytes, false, true, 0)                      \
  X(ProxyAuthenType, 29, std::uint16_t, false, true, 2)                     \
  X(ProxyAuthenName, 30, std::string, false, true, 0)                       \
  X(ProxyAuthenChallenge, 31, Bytes, false, true, 0)                        \
  X(ProxyAuthenId, 32, std::uint16_t, false, true, 2)                       \
  X(ProxyAuthenResponse, 33, Bytes, false, true, 0)                         \
  X(CallErrors, 34, CallErrors, true, true, 26)                             \
  X(Accm, 35, Accm, true, true, 10)                                         \
  X(RandomVector, 36, Bytes, true, false, 1)                                \
  X(PrivateGroupId, 37, Bytes, false, true, 0)                              \
  X(RxConnectSpeed, 38, std::uint32_t, false, true, 4)                      \
  X(SequencingRequired, 39, NoValue, true, false, 0)                        \
  X(FailoverCapability, 76, FailoverCapability, false, true, 6)             \
  X(TunnelRecovery, 77, TunnelRecovery, true, false, 10)                    \
  X(SuggestedControlSequence, 78, SuggestedControlSequence, false, true, 6) \
  X(FailoverSessionState, 79, FailoverSessionState, true, true, 10)
// NOLINTEND(cppcoreguidelines-macro-usage)

enum class AvpType : std::uint16_t {
#define HL2TP_AVP_ENUM(name, code, type, m, h, min) name = code,
  HL2TP_AVP_TABLE(HL2TP_AVP_ENUM)
#undef HL2TP_AVP_ENUM
};

// Compile-time facts of one AVP, for typed access: AvpSpec<AvpType::HostName>::Value is
// std::string.
template <AvpType T>
struct AvpSpec;
#define HL2TP_AVP_SPEC(name_, code, type, m, h, min)  \
  template <>                                         \
  struct AvpSpec<AvpType::name_> {                    \
    using Value = type;                               \
    static constexpr std::uint16_t kCode = code;      \
    static constexpr bool kMandatory = m;             \
    static constexpr bool kMayHide = h;               \
    static constexpr std::string_view kName = #name_; \
  };
HL2TP_AVP_TABLE(HL2TP_AVP_SPEC)
#undef HL2TP_AVP_SPEC

// Run-time facts of one AVP, for the decoder and the formatter.
struct AvpInfo {
  std::string_view name;
  bool mandatory;  // the M bit we send
  bool may_hide;
  std::uint16_t min_length;  // least value length (before hiding)
};

// The facts of a vendor-0 attribute type we understand, or nullopt.
std::optional<AvpInfo> avp_info(std::uint16_t attribute_type);

}  // namespace hl2tp::wire
