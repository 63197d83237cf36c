#pragma once
// An owned run of octets: a datagram, an AVP value, a stored record.
#include <cstddef>
#include <vector>

namespace hl2tp {

using Bytes = std::vector<std::byte>;

}  // namespace hl2tp
