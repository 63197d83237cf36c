#pragma once
// Where an endpoint's checkpoint records become durable (docs/architecture.md §4).
// The shell appends a loop turn's records and commits them as one batch (group commit) before it
// sends that turn's datagrams. SQLite comes with the daemon, behind this same interface.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/snapshot.hpp"
#include "store/snapshot_reader.hpp"

namespace hl2tp::store {

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // Adds a record to the open batch; not durable until commit(). By value: the committer hands its
  // records over without copying them.
  virtual void append(tunnel::Checkpoint record) = 0;
  // Makes the open batch durable, all of it or none of it. An error says why; the batch is then
  // still open and nothing of it is durable.
  virtual std::optional<std::string> commit() = 0;
  // The database as last committed.
  virtual Snapshot load() const = 0;
  // The same, a tunnel at a time (snapshot_reader.hpp). A store that can read rows as they are
  // needed says so; the others hand over load(). A reader gives the database as it was when the
  // reader was made, whatever is committed while it is alive.
  virtual std::unique_ptr<SnapshotReader> read() const {
    return std::make_unique<SnapshotInMemory>(load());
  }
};

}  // namespace hl2tp::store
