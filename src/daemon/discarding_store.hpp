#pragma once
// The store of `[store] durability = "none"`: it keeps nothing. Nothing is written to disk, and a
// start always begins from an empty database, so a restart, an upgrade or a crash loses every
// tunnel and session (hl2tpd says so when it starts). For a lab, or where an operator prefers
// losing sessions to keeping a file.
#include "store/checkpoint_store.hpp"

namespace hl2tp::daemon {

class DiscardingStore final : public store::CheckpointStore {
 public:
  void append(tunnel::Checkpoint) override {}
  std::optional<std::string> commit() override { return std::nullopt; }
  store::Snapshot load() const override { return {}; }
};

}  // namespace hl2tp::daemon
