#pragma once
// Where an endpoint's checkpoint records become durable (architecture.md "Write-ahead durability").
// The shell appends a loop turn's records and commits them as one batch (group commit) before it
// sends that turn's datagrams. SQLite comes with the daemon, behind this same interface.
#include <cstdint>
#include <optional>
#include <string>

#include "store/snapshot.hpp"

namespace hl2tp::store {

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // Adds a record to the open batch; not durable until commit().
  virtual void append(const tunnel::Checkpoint& record) = 0;
  // Makes the open batch durable, all of it or none of it. An error says why; the batch is then
  // still open and nothing of it is durable.
  virtual std::optional<std::string> commit() = 0;
  // The database as last committed.
  virtual Snapshot load() const = 0;
};

}  // namespace hl2tp::store
