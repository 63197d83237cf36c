#pragma once
// A snapshot read one tunnel at a time, in tunnel-ID order, each tunnel with its sessions. A
// restart that rebuilds a tunnel as soon as it is read holds one tunnel's sessions twice (as
// records and as sessions) rather than every one of them: issue 14, point 4, where on the
// benchmark machine first touching memory cost more than reading the store.
//
// The store may be written while a reader is alive: a restart begins each tunnel's recovery as soon
// as the tunnel is read, and commits its records meanwhile. What the reader gives is the database
// as it was when the reader was made.
#include <cstdint>
#include <optional>
#include <vector>

#include "store/snapshot.hpp"

namespace hl2tp::store {

class SnapshotReader {
 public:
  virtual ~SnapshotReader() = default;
  // CallSerialsReserved: known before the first tunnel.
  virtual std::uint32_t call_serial_limit() const = 0;
  // Every stored tunnel's ID, ascending, known before the first tunnel is read: a restart that
  // opens new tunnels while it reads (RFC 4951 §3.2.1 recovery tunnels) keeps clear of the old
  // ones.
  virtual const std::vector<std::uint16_t>& tunnel_ids() const = 0;
  // The next tunnel in ID order, or nothing once every one was read.
  virtual std::optional<std::pair<std::uint16_t, StoredTunnel>> next() = 0;
};

// A snapshot already in memory, read the same way (the simulator's store, tests).
class SnapshotInMemory final : public SnapshotReader {
 public:
  explicit SnapshotInMemory(Snapshot snapshot)
      : snapshot_(std::move(snapshot)), next_(snapshot_.tunnels.begin()) {
    ids_.reserve(snapshot_.tunnels.size());
    for (const auto& entry : snapshot_.tunnels)
      ids_.push_back(entry.first);
  }
  std::uint32_t call_serial_limit() const override { return snapshot_.call_serial_limit; }
  const std::vector<std::uint16_t>& tunnel_ids() const override { return ids_; }
  std::optional<std::pair<std::uint16_t, StoredTunnel>> next() override {
    if (next_ == snapshot_.tunnels.end()) return std::nullopt;
    auto& [id, tunnel] = *next_++;
    return std::pair{id, std::move(tunnel)};
  }

 private:
  Snapshot snapshot_;
  std::vector<std::uint16_t> ids_;
  std::map<std::uint16_t, StoredTunnel>::iterator next_;
};

}  // namespace hl2tp::store
