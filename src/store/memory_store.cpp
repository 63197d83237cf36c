#include "store/memory_store.hpp"

#include "store/record_size.hpp"

namespace hl2tp::store {

std::optional<std::string> MemoryStore::commit() {
  if (batch_.empty()) return std::nullopt;
  for (const auto& record : batch_) {
    if (apply(committed_, record)) {
      ++records_committed_;
      bytes_committed_ += record_size(record);
    } else {
      ++records_rejected_;
    }
  }
  batch_.clear();
  ++commits_;
  return std::nullopt;
}

}  // namespace hl2tp::store
