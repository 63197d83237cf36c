#pragma once
// One subscriber's PPP link on the LNS: the parts of this folder composed through RFC 1661 §3's
// phases (link_phase.hpp). LCP establishes the link (negotiation.hpp with lcp_options.hpp), PAP or
// CHAP authenticates the peer as LCP agreed (pap_authenticator.hpp, chap_authenticator.hpp), then
// IPCP and IPv6CP, each if configured, configure the network layers; LCP Echo keeps watch on the
// peer (lcp_echo.hpp). Sans-IO like its parts: each call takes the time and one input and returns
// one LinkOutput (link_output.hpp). A LinkState taken in the Network phase resumes the link in a
// restarted process without a packet to the subscriber; a LAC's proxied LCP (proxy_lcp.hpp) starts
// it with LCP already Opened.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/random_source.hpp"
#include "base/time.hpp"
#include "ppp/chap_authenticator.hpp"
#include "ppp/ipcp_options.hpp"
#include "ppp/ipv6cp_options.hpp"
#include "ppp/lcp_echo.hpp"
#include "ppp/lcp_options.hpp"
#include "ppp/link_config.hpp"
#include "ppp/link_output.hpp"
#include "ppp/link_phase.hpp"
#include "ppp/link_state.hpp"
#include "ppp/negotiation.hpp"
#include "ppp/pap_authenticator.hpp"
#include "ppp/proxy_lcp.hpp"

namespace hl2tp::ppp {

class Link {
 public:
  // A link in the Dead phase. A proxied LCP is judged now and taken when the lower layer comes up.
  Link(LinkConfig config, RandomSource& random, std::optional<ProxyLcp> proxy = std::nullopt);
  // A link resumed in the Network phase from a checkpoint: LCP and the NCPs that were Opened are
  // Opened, the echo keepalive restarts from `now`, and nothing is sent. An NCP that was not
  // Opened starts when the subscriber next sends it a packet, so that the resume stays silent.
  static Link resumed(LinkConfig config, const LinkState& state, RandomSource& random, Time now);

  // The lower layer (the L2TP session) is up: Establish begins (§3.3), or, with a consistent
  // proxied LCP, Authenticate.
  LinkOutput lower_up(Time now);
  // The lower layer is gone: the link is Dead (§3.3).
  LinkOutput lower_down(Time now);
  // The administrative Close: LCP terminates the link (§3.7), for `reason`.
  LinkOutput close(Time now, std::string reason);
  // A frame from the peer: its Protocol field and Information field.
  LinkOutput receive(Time now, std::uint16_t protocol, std::span<const std::byte> information);
  // The verifier's answer to the last output's `verify`.
  LinkOutput verdict(Time now, const AuthVerdict& verdict);
  // Whatever is due at `now`: the parts' timers and the keepalive.
  LinkOutput timeout(Time now);

  Phase phase() const { return phase_; }
  std::optional<Time> deadline() const;
  // What a restarted process needs; only in the Network phase.
  std::optional<LinkState> state() const;
  State lcp_state() const { return lcp_.state(); }
  std::optional<State> ipcp_state() const;
  std::optional<State> ipv6cp_state() const;
  const LcpAgreement& lcp_agreement() const { return lcp_options_.agreement(); }
  const EchoKeepalive& keepalive() const { return echo_; }

 private:
  // One NCP: its negotiation (none when not configured) and whether the peer refused it.
  struct Ncp {
    std::uint16_t protocol = 0;
    std::optional<Negotiation> negotiation;
    bool rejected_by_peer = false;  // §5.7: no more of it is sent
  };
  struct Resume {};
  Link(LinkConfig config, RandomSource& random, const LinkState& state, Time now, Resume);

  // link.cpp: the phases and LCP.
  void change_phase(PhaseEvent event);
  void follow_lcp(Time now, NegotiationOutput lcp, LinkOutput& out);
  void lcp_left_opened(Time now, LinkOutput& out);
  void terminate(Time now, DownReason reason, std::string text, LinkOutput& out);
  void report_down(DownReason fallback, LinkOutput& out);
  void receive_lcp(Time now, std::span<const std::byte> information, LinkOutput& out);
  void tick_echo(Time now, LinkOutput& out);
  LinkOutput finished(LinkOutput out) const;
  void check_invariants() const;
  // link_authentication.cpp: the Authenticate phase, proxied or not.
  void start_proxied(Time now, LinkOutput& out);
  void enter_authenticate(Time now, LinkOutput& out);
  void receive_authentication(Time now, std::uint16_t protocol,
                              std::span<const std::byte> information, LinkOutput& out);
  void follow_authentication(Time now, std::uint16_t protocol, AuthOutput auth, LinkOutput& out);
  void decide_authentication(Time now, const AuthOutcome& outcome, LinkOutput& out);
  void stop_authentication();
  // link_network.cpp: the Network phase and the NCPs.
  void enter_network(Time now, LinkOutput& out);
  void start_ncp(Time now, Ncp& ncp, LinkOutput& out);
  void stop_ncp(Time now, Ncp& ncp, LinkOutput& out);
  void receive_ncp(Time now, Ncp& ncp, std::span<const std::byte> information, LinkOutput& out);
  void follow_ncp(Ncp& ncp, NegotiationOutput n, LinkOutput& out);
  void reject_protocol(std::uint16_t protocol, std::span<const std::byte> information,
                       LinkOutput& out);
  NegotiationPolicy& policy_of(const Ncp& ncp);
  NegotiationConfig negotiation_config(std::uint16_t protocol) const;
  void checkpoint(LinkOutput& out) const;

  LinkConfig config_;
  RandomSource& random_;
  Phase phase_ = Phase::dead;
  std::optional<ProxiedStart> proxied_;  // a consistent proxied LCP, until the lower layer is up
  LcpOptions lcp_options_;
  Negotiation lcp_;
  EchoKeepalive echo_;
  // The Authenticate phase: one authenticator, as LCP agreed, or the proxied credentials' verdict.
  std::optional<PapAuthenticator> pap_;
  std::optional<ChapAuthenticator> chap_;
  std::optional<Credentials> proxied_credentials_;
  std::optional<Time> proxied_verdict_deadline_;
  bool authenticated_ = false;
  std::string peer_name_;
  // The Network phase.
  std::optional<IpcpOptions> ipcp_options_;
  std::optional<Ipv6cpOptions> ipv6cp_options_;
  Ncp ipcp_{kIpcpProtocol, {}, false};
  Ncp ipv6cp_{kIpv6cpProtocol, {}, false};
  // Why the link is ending, from the first cause known; and whether LinkDown was given.
  std::optional<LinkDown> ending_;
  bool down_reported_ = false;
  bool closed_ = false;  // the administrative Close came
};

}  // namespace hl2tp::ppp
