#pragma once
// What LCP agreed with the peer (RFC 1661 §6), a plain value: what the session needs once LCP is
// Opened (the MRU each way, the framing each way, who authenticates how) and what it will
// checkpoint, so that a restarted process resumes the link Opened without renegotiating.
#include <cstdint>
#include <optional>

namespace hl2tp::ppp {

// The Authentication-Protocols the LNS can require of the peer (RFC 1661 §6.2).
enum class AuthProtocol : std::uint8_t {
  pap,       // 0xC023 (RFC 1334 §2.1)
  chap_md5,  // 0xC223 with Algorithm 5, MD5 (RFC 1994 §3)
};

// "Ours" is this end's Configure-Request as the peer acknowledged it, "the peer's" the peer's
// request as we acknowledged it. Each option applies in the direction the RFC gives it (§6:
// typically to what the sender of the request receives).
struct LcpAgreement {
  std::uint16_t our_mru = 1500;         // the most we receive (§6.1: 1500 unless negotiated)
  std::uint16_t peer_mru = 1500;        // the most the peer receives: the most we may send it
  std::uint32_t our_magic_number = 0;   // zero: not negotiated (§6.4)
  std::uint32_t peer_magic_number = 0;  // zero: not negotiated
  // How the peer authenticates itself to us; none: it need not (§6.2).
  std::optional<AuthProtocol> authentication;
  bool we_receive_pfc = false;      // the peer may compress the Protocol field it sends us (§6.5)
  bool peer_receives_pfc = false;   // we may compress the Protocol field we send
  bool we_receive_acfc = false;     // the peer may omit Address and Control to us (§6.6)
  bool peer_receives_acfc = false;  // we may omit them

  bool operator==(const LcpAgreement&) const = default;
};

}  // namespace hl2tp::ppp
