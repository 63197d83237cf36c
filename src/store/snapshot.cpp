#include "store/snapshot.hpp"

#include <variant>

namespace hl2tp::store {
namespace {

struct Applier {
  Snapshot& s;
  bool operator()(const tunnel::TunnelEstablished& r) const {
    s.tunnels[r.tunnel_id] = StoredTunnel{r, {}, false, std::nullopt};
    return true;
  }
  bool operator()(const tunnel::TunnelClosing& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.sessions.clear();
    it->second.closing = true;
    return true;
  }
  bool operator()(const tunnel::TunnelRemoved& r) const {
    return s.tunnels.erase(r.tunnel_id) == 1;
  }
  bool operator()(const tunnel::SessionEstablished& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.sessions[r.session_id] = r;
    return true;
  }
  bool operator()(const tunnel::SessionRemoved& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    return it != s.tunnels.end() && it->second.sessions.erase(r.session_id) == 1;
  }
  channel::ChannelState* channel_of(std::uint16_t tunnel_id) const {
    auto it = s.tunnels.find(tunnel_id);
    return it == s.tunnels.end() ? nullptr : &it->second.tunnel.channel;
  }
  bool operator()(const tunnel::ChannelQueued& r) const {
    auto* c = channel_of(r.tunnel_id);
    if (c == nullptr) return false;
    c->unacked.emplace_back(r.ns, r.bytes);
    c->next_ns = static_cast<std::uint16_t>(r.ns + 1);
    return true;
  }
  bool operator()(const tunnel::ChannelAcked& r) const {
    auto* c = channel_of(r.tunnel_id);
    if (c == nullptr) return false;
    // RFC 2661 §5.8: an Nr acknowledges every Ns before it (serial order).
    while (!c->unacked.empty() &&
           static_cast<std::uint16_t>(r.nr - c->unacked.front().first - 1) < 0x8000) {
      c->unacked.erase(c->unacked.begin());
    }
    c->acked_ns = r.nr;
    return true;
  }
  bool operator()(const tunnel::SessionIdsReserved& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.tunnel.session_id_limit = r.limit;
    return true;
  }
  bool operator()(const tunnel::ChannelReset& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    auto& c = it->second.tunnel.channel;
    c.next_ns = c.acked_ns = r.ns;
    c.expected_ns = r.nr;
    c.unacked.clear();
    it->second.suggestion.reset();  // a reset takes up (or overrides) any suggestion
    return true;
  }
  bool operator()(const tunnel::RecoverySuggested& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.suggestion = r.suggestion;
    return true;
  }
  bool operator()(const tunnel::RecoverySuggestionWithdrawn& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.suggestion.reset();
    return true;
  }
  bool operator()(const tunnel::CallSerialsReserved& r) const {
    s.call_serial_limit = r.limit;
    return true;
  }
  bool operator()(const tunnel::TunnelMoved& r) const {
    auto it = s.tunnels.find(r.tunnel_id);
    if (it == s.tunnels.end()) return false;
    it->second.tunnel.peer = r.peer;
    it->second.tunnel.local = r.local;
    return true;
  }
  bool operator()(const tunnel::ChannelReceived& r) const {
    auto* c = channel_of(r.tunnel_id);
    if (c == nullptr) return false;
    c->expected_ns = r.nr;
    return true;
  }
};

bool same_session(const tunnel::SessionEstablished& a, const tunnel::SessionEstablished& b) {
  return a.tunnel_id == b.tunnel_id && a.session_id == b.session_id &&
         a.peer_session_id == b.peer_session_id && a.role == b.role && a.direction == b.direction;
}

}  // namespace

std::size_t Snapshot::session_count() const {
  std::size_t n = 0;
  for (const auto& [id, t] : tunnels)
    n += t.sessions.size();
  return n;
}

bool Snapshot::operator==(const Snapshot& o) const {
  if (tunnels.size() != o.tunnels.size() || call_serial_limit != o.call_serial_limit) return false;
  for (const auto& [id, t] : tunnels) {
    auto it = o.tunnels.find(id);
    if (it == o.tunnels.end() || it->second.tunnel.peer_tunnel_id != t.tunnel.peer_tunnel_id ||
        it->second.tunnel.peer != t.tunnel.peer || it->second.tunnel.local != t.tunnel.local ||
        it->second.suggestion != t.suggestion ||
        it->second.tunnel.resync_method != t.tunnel.resync_method ||
        it->second.closing != t.closing || !(it->second.tunnel.channel == t.tunnel.channel) ||
        it->second.sessions.size() != t.sessions.size()) {
      return false;
    }
    for (const auto& [sid, s] : t.sessions) {
      auto other = it->second.sessions.find(sid);
      if (other == it->second.sessions.end() || !same_session(s, other->second)) return false;
    }
  }
  return true;
}

bool apply(Snapshot& snapshot, const tunnel::Checkpoint& record) {
  return std::visit(Applier{snapshot}, record);
}

}  // namespace hl2tp::store
