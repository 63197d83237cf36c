#pragma once
// The simulator's store. It models a crash faithfully: crash() loses the open batch and keeps
// exactly what was committed.
#include <vector>

#include "store/checkpoint_store.hpp"

namespace hl2tp::store {

class MemoryStore : public CheckpointStore {
 public:
  void append(tunnel::Checkpoint record) override { batch_.push_back(std::move(record)); }
  std::optional<std::string> commit() override;
  Snapshot load() const override { return committed_; }

  // The process died: the open batch never reached the store.
  void crash() { batch_.clear(); }

  std::uint64_t commits() const { return commits_; }
  std::uint64_t records_committed() const { return records_committed_; }
  std::uint64_t records_rejected() const { return records_rejected_; }
  // Payload octets of the committed records (record_size.hpp): what a store has to write.
  std::uint64_t bytes_committed() const { return bytes_committed_; }

 private:
  std::vector<tunnel::Checkpoint> batch_;
  Snapshot committed_;
  std::uint64_t commits_ = 0;
  std::uint64_t records_committed_ = 0;
  std::uint64_t records_rejected_ = 0;
  std::uint64_t bytes_committed_ = 0;
};

}  // namespace hl2tp::store
