#pragma once
// Our tunnels to one peer open one at a time (issue 14, point 2). A widely deployed LNS ignores a
// second SCCRQ from the address and port a tunnel of its is still opening from (until that
// tunnel's SCCCN), so a burst of SCCRQs to it from one socket came up one per retransmission round,
// and what did not come up within the retransmission cycle was lost with its calls. RFC 2661 says
// nothing either way; one SCCRQ at a time costs a round trip per tunnel and is safe against every
// peer.
//
// A line per (peer address and port, our address): its head is the one tunnel whose SCCRQ is out
// (it waits for its SCCRP); the others wait their turn, in the order they were opened, as idle
// originators (RFC 2661 §7.2.1: the "local open request" not yet acted on), taking calls that go
// once they are established. The head leaves the line when its SCCRP arrives or it ends without
// one (a StopCCN, the set-up timeout, exhausted retransmissions); the next one then sends its
// SCCRQ. A head that loses a tie hands the line to the peer's tunnel that beat it, which we answer:
// the line moves on once that one is established (its SCCCN) or ends. Bounded by the tunnel limit:
// every tunnel in a line is in the endpoint's table.
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "base/peer_address.hpp"

namespace hl2tp::engine {

class OpeningQueue {
 public:
  struct Key {
    PeerAddress peer;   // where the SCCRQ goes
    PeerAddress local;  // where it leaves from (unspecified: the shell's choice)
    bool operator==(const Key&) const = default;
  };

  // A tunnel about to open: true when it may send its SCCRQ now (it is the line's head), false
  // when it waits its turn. `tunnel_id` must not be in any line yet.
  bool admit(const Key& key, std::uint16_t tunnel_id);
  // The tunnel no longer opens (its SCCRP came, or it ended), or, waiting, was closed: it leaves
  // its line. Returns the tunnel whose turn it is now, if any; the caller opens it. Nothing for a
  // tunnel in no line.
  std::optional<std::uint16_t> leave(std::uint16_t tunnel_id);

  // The head lost a tie (RFC 2661 §4.4.3) to the peer's SCCRQ, which `successor` (an ID no tunnel
  // holds yet, not in any line) answers: the successor heads the line in its place until it is
  // established or ends, so that our next SCCRQ cannot meet the peer's winning tunnel still
  // opening and tie with it again. False, and nothing changes, when `head` heads no line.
  bool hand_over(std::uint16_t head, std::uint16_t successor);

  bool contains(std::uint16_t tunnel_id) const { return line_of_.contains(tunnel_id); }
  // In a line but not its head: its SCCRQ has not been sent.
  bool waiting(std::uint16_t tunnel_id) const;
  std::size_t waiting_count() const { return line_of_.size() - lines_.size(); }

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return PeerAddressHash{}(k.peer) * 31 + PeerAddressHash{}(k.local);
    }
  };
  struct Line {
    std::uint16_t head = 0;             // its SCCRQ is out
    std::deque<std::uint16_t> waiting;  // in the order they were opened
  };
  std::unordered_map<Key, Line, KeyHash> lines_;  // only lines with a head: none is empty
  std::unordered_map<std::uint16_t, Key> line_of_;
};

}  // namespace hl2tp::engine
