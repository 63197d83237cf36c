#pragma once
// What the load generator counts of its set-ups, from the engine's events: each tunnel (call) once,
// as up (established, and still), failed (ended before it was established) or dropped (ended
// after). Counting "established events minus closed events" instead underflowed as soon as tunnels
// that never came up were closed: 5 up and 11 failed of 16 printed "tunnels_established" as 2^64
// - 6.
#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>

#include "engine/endpoint.hpp"

namespace hl2tp::bench {

class SetupTally {
 public:
  void record(const engine::Event& e) {
    using engine::EventKind;
    if (e.kind == EventKind::tunnel_established) {
      tunnels_up_.insert(e.tunnel_id);
    } else if (e.kind == EventKind::tunnel_closed) {
      ++(tunnels_up_.erase(e.tunnel_id) ? tunnels_dropped_ : tunnels_failed_);
    } else if (e.kind == EventKind::session_established) {
      sessions_up_.insert({e.tunnel_id, e.session_id});
    } else if (e.kind == EventKind::session_closed) {
      ++(sessions_up_.erase({e.tunnel_id, e.session_id}) ? sessions_dropped_ : sessions_failed_);
    }
  }

  std::size_t tunnels_up() const { return tunnels_up_.size(); }
  std::size_t tunnels_failed() const { return tunnels_failed_; }
  std::size_t tunnels_dropped() const { return tunnels_dropped_; }
  // Tunnels whose set-up is over, one way or the other.
  std::size_t tunnels_settled() const { return tunnels_up() + tunnels_failed_ + tunnels_dropped_; }
  const std::set<std::uint16_t>& tunnels() const { return tunnels_up_; }
  std::size_t sessions_up() const { return sessions_up_.size(); }
  std::size_t sessions_failed() const { return sessions_failed_; }
  std::size_t sessions_dropped() const { return sessions_dropped_; }
  std::size_t sessions_settled() const {
    return sessions_up() + sessions_failed_ + sessions_dropped_;
  }

 private:
  std::set<std::uint16_t> tunnels_up_;
  std::set<std::pair<std::uint16_t, std::uint16_t>> sessions_up_;
  std::size_t tunnels_failed_ = 0, tunnels_dropped_ = 0;
  std::size_t sessions_failed_ = 0, sessions_dropped_ = 0;
};

}  // namespace hl2tp::bench
