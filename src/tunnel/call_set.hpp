#pragma once
// The calls one tunnel carries, as data: the sessions by our ID, the established ones by the
// peer's ID (RFC 4951 §3.3's collision rule), the calls waiting for the tunnel in the order they
// were placed, their set-up deadlines, and the session IDs handed out. The tunnel decides what
// happens to a call (tunnel_calls.cpp); this keeps the books so that the decisions need no scans
// and its invariants hold in one place. A future per-session layer (PPP) keys on the same IDs.
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/random_source.hpp"
#include "base/time.hpp"
#include "session/session.hpp"
#include "tunnel/peer_session_index.hpp"

namespace hl2tp::tunnel {

class CallSet {
 public:
  using Sessions = std::unordered_map<std::uint16_t, session::Session>;

  const Sessions& sessions() const { return sessions_; }
  std::size_t size() const { return sessions_.size(); }
  bool empty() const { return sessions_.empty(); }
  session::Session* find(std::uint16_t id);
  const session::Session* find(std::uint16_t id) const;
  // The session the peer knows as `peer_id`, by a scan: for a CDN that names only the peer's ID
  // (RFC 2661 §6.12), rare enough not to need an index of unestablished calls.
  session::Session* find_by_peer_id(std::uint16_t peer_id);
  // Our established session the peer knows as `peer_id`, if any (RFC 4951 §3.3).
  std::optional<std::uint16_t> established_with_peer_id(std::uint16_t peer_id) const;

  // A new call under its own ID, which must be free.
  session::Session& add(session::Session s);
  // Room for `count` sessions without growing (a restart knows its sessions up front).
  void reserve(std::size_t count);
  // `s` became established: the peer's ID for it is indexed.
  void established(const session::Session& s);
  // The call is gone (ended or cleared by reconciliation). Its set-up deadline, if any, is
  // dropped lazily by take_expired_setup().
  void forget(std::uint16_t id);
  // Every call goes (the tunnel ends, or is discarded): those waiting first, in the order they
  // were placed, then the rest.
  std::vector<session::Session> take_all();
  void clear();

  // --- Session IDs (RFC 2661 §5.3: never 0), handed out in sequence from a random start, skipping
  // those in use, so that an ID comes back only after 65535 others (a late CDN for a cleared call
  // cannot hit a new call that took its ID: found by the randomized simulation, seed 23074; RFC
  // 4951 §3.3 advises the same). They are reserved in blocks: the tunnel records a block's end
  // durably before any ID of it can reach the peer (write-ahead).
  struct IdAllocation {
    std::uint16_t id = 0;                         // 0: none free
    std::optional<std::uint16_t> reserved_up_to;  // a new block was begun: record its end
  };
  IdAllocation allocate_id(RandomSource& random);
  // A restarted tunnel resumes past every ID its previous incarnation may have handed out: the
  // peer may still hold a call on one of them (found by the crash campaign, seed 10).
  void resume_ids_at(std::uint16_t limit);
  // The end of the reserved block, for the tunnel's record.
  std::uint16_t reserved_limit() const;

  // --- Calls placed before the tunnel could carry them (RFC 2661 §7.4.1/§7.5.2 wait-tunnel).
  void wait(std::uint16_t id) { waiting_.push_back(id); }
  std::vector<std::uint16_t> take_waiting();

  // --- Set-up deadlines of calls not yet established.
  void track_setup(Time deadline, std::uint16_t id) { setup_deadlines_.insert({deadline, id}); }
  std::optional<Time> next_setup_deadline() const;
  // A call whose set-up deadline has passed and that is still not established, one at a time.
  session::Session* take_expired_setup(Time now);

  // Sessions under their own non-zero IDs; the peer-ID index exact (one owner per peer session
  // ID). O(sessions).
  void check_invariants() const;
  // Nothing held at all (a tunnel that can no longer carry calls).
  bool holds_nothing() const { return sessions_.empty() && waiting_.empty(); }

 private:
  Sessions sessions_;
  std::vector<std::uint16_t> waiting_;
  std::set<std::pair<Time, std::uint16_t>> setup_deadlines_;
  std::optional<std::uint16_t> next_id_;
  std::optional<std::uint16_t> id_limit_;  // end of the durably reserved block
  // Peer session ID -> ours, for every established session: the collision rule without a scan
  // per call request. forget() keeps it in step with sessions_.
  PeerSessionIndex established_by_peer_;
};

}  // namespace hl2tp::tunnel
