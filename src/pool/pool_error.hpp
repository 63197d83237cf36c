#pragma once
// What a pool operation can refuse, and the lease owner. The errors are values: a subscriber the
// pool cannot serve is refused its NCP, and a claim the pool refuses on a restart is a lease the
// store and the configuration disagree on (the range was shrunk, say), which the caller reports.
#include <cstdint>
#include <string_view>

namespace hl2tp::pool {

// Who holds a lease: the caller's key for a subscriber (its tunnel and session), opaque here. An
// enum rather than a bare integer so that an owner cannot be passed where an index is meant.
enum class Owner : std::uint64_t {};

enum class PoolError {
  exhausted,      // no free address or prefix is left
  outside_pool,   // the address is in none of the configured ranges
  excluded,       // configured as never to be handed out (the LNS's own address, say)
  held_by_other,  // claimed while another owner holds it
  not_held,       // released while nobody holds it
};

std::string_view describe(PoolError error);

}  // namespace hl2tp::pool
