#include "pool/pool_error.hpp"

namespace hl2tp::pool {

std::string_view describe(PoolError error) {
  switch (error) {
    case PoolError::exhausted:
      return "pool exhausted";
    case PoolError::outside_pool:
      return "outside the pool";
    case PoolError::excluded:
      return "excluded from the pool";
    case PoolError::held_by_other:
      return "held by another owner";
    case PoolError::not_held:
      return "not held";
  }
  return "unknown pool error";
}

}  // namespace hl2tp::pool
