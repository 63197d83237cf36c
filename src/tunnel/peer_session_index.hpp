#pragma once
// The established sessions of one tunnel by the peer's session ID, for RFC 4951 §3.3's collision
// rule: a call request whose Assigned Session ID is one we hold established names a session the
// peer no longer holds. Asked once per ICRQ/OCRQ, so a lookup must not scan the tunnel.
//
// A flat open-addressing table (linear probing, backward-shift deletion) rather than a node-based
// map: each entry is 4 octets in one array, so a tunnel's index is one allocation, not one per
// session. With 100,000 sessions the node-based map cost a heap node per set-up and per restored
// session and left the heap in 100,000 more pieces after a crash (issue 4's recovery benchmark).
#include <cstdint>
#include <optional>
#include <vector>

namespace hl2tp::tunnel {

class PeerSessionIndex {
 public:
  // Records that our session `ours` (never 0: RFC 2661 §5.3) is known to the peer as `peer`,
  // replacing any entry for `peer`.
  void assign(std::uint16_t peer, std::uint16_t ours);
  std::optional<std::uint16_t> find(std::uint16_t peer) const;
  // Removes the entry for `peer` if it names `ours`; a newer session that took `peer` stays.
  void erase(std::uint16_t peer, std::uint16_t ours);
  // Room for `count` entries without growing (a restart knows its sessions up front).
  void reserve(std::size_t count);
  void clear();
  std::size_t size() const { return size_; }

 private:
  // An entry is (peer << 16) | ours; a slot whose low half is 0 is empty, as ours is never 0.
  std::vector<std::uint32_t> slots_;
  std::size_t size_ = 0;

  std::size_t home(std::uint16_t peer) const;
  void grow_to(std::size_t capacity);
};

}  // namespace hl2tp::tunnel
