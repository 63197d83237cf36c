#pragma once
// The last datagrams of a run, decoded, for the report of a failing seed.
#include <cstdint>
#include <deque>
#include <string>

#include "base/peer_address.hpp"
#include "base/time.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::sim {

class Trace {
 public:
  explicit Trace(std::size_t capacity = 200) : capacity_(capacity) {}
  enum class Fate : std::uint8_t { delivered, lost, duplicated, partitioned };
  void record(Time at, const PeerAddress& from, const PeerAddress& to, const Bytes& bytes,
              Fate fate);
  // One line per datagram: time, route, fate, decoded message.
  std::string to_string() const;
  std::uint64_t recorded() const { return recorded_; }

 private:
  struct Entry {
    Time at;
    PeerAddress from, to;
    Bytes bytes;
    Fate fate;
  };
  std::size_t capacity_;
  std::deque<Entry> entries_;
  std::uint64_t recorded_ = 0;
};

}  // namespace hl2tp::sim
