#pragma once
// Endpoint: an L2TP LAC and/or LNS as a sans-IO object (docs/architecture.md §3).
// The caller feeds it datagrams and the time, asks when to call again, gives it commands, and pulls
// what it produced — datagrams to send and events — in the order it produced them. No sockets,
// clocks, threads or global state inside; randomness comes from the caller.
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>

#include "engine/endpoint_config.hpp"
#include "engine/endpoint_stats.hpp"
#include "engine/opening_queue.hpp"
#include "engine/refusal_limiter.hpp"
#include "store/snapshot.hpp"
#include "store/snapshot_reader.hpp"
#include "tunnel/tunnel.hpp"

namespace hl2tp::engine {

using tunnel::Datagram;
using tunnel::Event;
using tunnel::EventKind;

class Endpoint {
 public:
  Endpoint(EndpointConfig config, RandomSource& random);
  Endpoint(const Endpoint&) = delete;
  // A new configuration (SIGHUP): it applies to tunnels set up from now on, and to the limits;
  // every existing tunnel keeps the settings it was set up with, so that nothing is dropped.
  void reconfigure(EndpointConfig config);
  Endpoint& operator=(const Endpoint&) = delete;

  // A restarted endpoint rebuilds itself from its store (docs/failover.md §3): every stored tunnel
  // whose negotiated method allows recovery resumes its control channel as the store left it, with
  // its established sessions; the others are cleared (a TunnelRemoved record, nothing on the wire).
  struct RecoveryReport {
    std::size_t tunnels_recovered = 0;
    std::size_t sessions_recovered = 0;
    std::size_t tunnels_cleared = 0;
    std::size_t tunnels_closing = 0;  // their StopCCN sent again
    std::size_t calls_dropped = 0;  // being set up at the failure: not kept (only established are)
    std::size_t call_requests_withheld = 0;  // their ICRQ/OCRQ, not sent again (unsent_calls.hpp)
  };
  //
  // Each tunnel's recovery begins as soon as the tunnel is read: its records, datagrams and events
  // are queued, and `after_each_tunnel` (if any) is called, so that a shell can commit and send
  // while the rest is read (issue 14, point 4). The shell must not hand the endpoint a datagram or
  // a timeout before recover() returns: the tables are not whole until then.
  RecoveryReport recover(Time now, store::SnapshotReader& reader,
                         const std::function<void()>& after_each_tunnel = {});
  RecoveryReport recover(Time now, store::Snapshot snapshot);

  // A datagram from `from` to our address `to` (the destination the peer used, so that replies
  // leave from it: RFC 2661 §8.1). Without `to` (a shell that cannot tell) the local address stays
  // unspecified and is not checked.
  void handle_datagram(Time now, const PeerAddress& from, const PeerAddress& to,
                       std::span<const std::byte> datagram);
  void handle_datagram(Time now, const PeerAddress& from, std::span<const std::byte> datagram);
  void handle_timeout(Time now);
  // When handle_timeout wants to be called next; nothing pending at idle but Hellos.
  std::optional<Time> next_timeout() const;

  // Commands. IDs are ours (the local tunnel and session IDs).
  Result<std::uint16_t, std::string> open_tunnel(Time now, const PeerAddress& peer);
  Result<std::uint16_t, std::string> open_session(Time now, std::uint16_t tunnel_id,
                                                  session::Direction direction,
                                                  session::CallParameters parameters = {});
  bool close_session(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                     wire::ResultCode result);
  bool close_tunnel(Time now, std::uint16_t tunnel_id, wire::ResultCode result);
  // The LAC reports line errors (WEN, RFC 2661 §6.14); the LNS sets the PPP ACCM (SLI, §6.15).
  bool send_wan_error_notify(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                             wire::CallErrors errors);
  bool send_set_link_info(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                          wire::Accm accm);

  // Records to commit before this turn's datagrams are sent (docs/architecture.md §4).
  std::optional<tunnel::Checkpoint> poll_checkpoint();
  std::optional<Datagram> poll_transmit();
  std::optional<Event> poll_event();

  const tunnel::Tunnel* find_tunnel(std::uint16_t tunnel_id) const;
  const std::unordered_map<std::uint16_t, tunnel::Tunnel>& tunnels() const { return tunnels_; }
  std::size_t session_count() const { return total_sessions_; }
  // The engine's tables agree with each other and with every tunnel (base/invariant.hpp): its
  // session count, the timers, the indexes by peer and of recovery tunnels, and each tunnel's own.
  // O(tunnels + sessions), for the simulator to call between steps; throws InvariantViolation.
  void check_invariants() const;
  EndpointStats stats() const;  // O(tunnels): sums the channels' and recoveries' counters
  std::uint64_t recoveries_completed() const {  // O(1)
    return output_.counts.recoveries_completed;
  }

 private:
  bool send_call_info(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                      wire::ControlMessage message);
  // A StopCCN, rate-limited and without state, to a message for a tunnel we do not hold
  // (unknown_tunnel_answer.hpp).
  void answer_unknown_tunnel(Time now, const PeerAddress& from, const PeerAddress& to,
                             std::span<const std::byte> datagram);
  void on_tunnel_zero(Time now, const PeerAddress& from, const PeerAddress& to,
                      std::span<const std::byte> datagram);
  // True when the SCCRQ may go on (no tie, or we lost it); false when it must be dropped. A line
  // of our openings whose head lost is handed to `successor`, the ID the SCCRQ's tunnel will take
  // (opening_queue.hpp); the caller passes the turn on if it does not create that tunnel.
  bool resolve_tie(Time now, const PeerAddress& from, const wire::ControlMessage& sccrq,
                   std::uint16_t successor, std::vector<session::Session>& adopted);
  void refuse_tunnel(Time now, const PeerAddress& from, const PeerAddress& to,
                     const wire::ControlMessage& sccrq, wire::ResultCode result);
  // RFC 4951: the failed end's recovery tunnels, and the non-failed end's answer to them.
  void open_recovery_tunnel(Time now, const tunnel::Tunnel& old);
  void on_recovery_request(Time now, const PeerAddress& from, const PeerAddress& to,
                           wire::ControlMessage sccrq,
                           std::shared_ptr<const tunnel::TunnelSettings> settings);
  void take_up_suggested_reset(
      Time now, tunnel::Tunnel& t, const PeerAddress& from, const PeerAddress& to,
      std::optional<wire::SuggestedControlSequence> replaced = std::nullopt);
  // A recovery tunnel still working for the old tunnel (not done, not superseded, not closing):
  // of either end, or only one we opened.
  std::optional<std::uint16_t> recovery_tunnel_for(std::uint16_t old_tunnel_id,
                                                   bool ours_only) const;
  // A recovery tunnel's requests (tunnel_output.hpp): its set-up finished, or it ended first.
  void on_request(Time now, const tunnel::EngineRequest& request);
  void complete_recovery(Time now, tunnel::Tunnel& recovery);
  void recovery_tunnel_failed(Time now, tunnel::Tunnel& recovery);
  // The non-failed end: does this message on the old tunnel say whether the peer took up the
  // reset we suggested (failover/suggested_reset.hpp)?
  void judge_suggestion(Time now, tunnel::Tunnel& t, const wire::ControlMessage& message,
                        const PeerAddress& from, const PeerAddress& to);
  std::shared_ptr<const tunnel::TunnelSettings> settings_for(const PeerAddress& peer) const;
  std::uint16_t allocate_tunnel_id();
  bool free_tunnel_id(std::uint16_t id) const;
  // Sends the SCCRQ of a tunnel of ours whose turn it is (opening_queue.hpp).
  void start_opening(Time now, std::uint16_t tunnel_id);
  // `tunnel_id` no longer heads its line of openings (if it did): the next one's turn.
  void pass_turn(Time now, std::uint16_t tunnel_id);
  void index_by_remote(std::uint16_t id);  // a new tunnel, for its peer's retransmitted SCCRQ
  // What a call into tunnel `t` (or a new tunnel, without) is given.
  tunnel::TunnelContext context(const tunnel::Tunnel* t = nullptr);
  // After any call into a tunnel: act on what it asked of the engine, count its sessions, refile
  // its deadline, or remove it when dead.
  void settle(Time now, std::uint16_t tunnel_id);

  struct RemoteTunnelKey {
    PeerAddress peer;
    std::uint16_t peer_tunnel_id;
    bool operator==(const RemoteTunnelKey&) const = default;
  };
  struct RemoteTunnelKeyHash {
    std::size_t operator()(const RemoteTunnelKey& k) const {
      return PeerAddressHash{}(k.peer) * 65599 + k.peer_tunnel_id;
    }
  };

  EndpointConfig config_;
  RandomSource& random_;
  std::shared_ptr<const tunnel::TunnelSettings> default_settings_;
  std::vector<std::pair<PeerAddress, std::shared_ptr<const tunnel::TunnelSettings>>> peer_settings_;

  std::unordered_map<std::uint16_t, tunnel::Tunnel> tunnels_;
  // During recover(): the stored tunnels' IDs (ascending), not yet all in tunnels_, that a new
  // tunnel must not take.
  const std::vector<std::uint16_t>* stored_ids_ = nullptr;
  // Recipient tunnels by the peer's address and tunnel ID, so that a retransmitted SCCRQ reaches
  // the tunnel it created instead of creating another (RFC 2661 §5.8 duplicates).
  std::unordered_map<RemoteTunnelKey, std::uint16_t, RemoteTunnelKeyHash> by_remote_;
  // Our tunnels whose SCCRQ (with a Tie Breaker) awaits its SCCRP, kept by settle(): what a peer's
  // SCCRQ is weighed against (§4.4.3). Scanning every tunnel per SCCRQ made set-up quadratic:
  // 10,000 tunnels at 5,700/s, 83 % of the time in resolve_tie (issue 7's profile).
  std::set<std::uint16_t> awaiting_reply_;
  // Recovery tunnels (ours and the peer's, RFC 4951 §3.2.1) under the old tunnel they work for,
  // kept by link_recovery_tunnel() and settle(). Scanning every tunnel per recovery request and per
  // datagram of a tunnel awaiting its reset made a peer's recovery of 1,000 tunnels quadratic: 11 %
  // of a 2-core machine's samples were that scan while the daemon benchmark recovered 100,000
  // sessions.
  std::unordered_multimap<std::uint16_t, std::uint16_t> recovery_tunnels_;
  void link_recovery_tunnel(std::uint16_t recovery_id);
  // Our tunnels to one peer open one at a time; settle() moves the lines on.
  OpeningQueue opening_;
  // Every tunnel with a deadline, filed under it: O(log n) per change, nothing per tick at idle.
  std::set<std::pair<Time, std::uint16_t>> timers_;
  std::size_t total_sessions_ = 0;
  // Call Serial Numbers: the next one, and the end of the durably reserved block.
  std::uint32_t next_call_serial_ = 0, call_serial_limit_ = 0;
  std::uint32_t next_call_serial();

  // Everything the tunnels and the endpoint produced, until the shell takes it.
  tunnel::TunnelOutput output_;
  EndpointStats stats_;
  // Stateless refusals (StopCCN to an SCCRQ we do not serve), per source host.
  RefusalLimiter refusal_limiter_;
  channel::ChannelStats closed_channel_stats_;
};

}  // namespace hl2tp::engine
