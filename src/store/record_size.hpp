#pragma once
// How many octets a checkpoint record takes in a compact binary encoding: fixed-width fields,
// strings and message bytes with a 2-octet length, a 1-octet kind. It is the payload a store has
// to write per record, before any container overhead (the SQLite store, issue 5, adds its own);
// the benchmarks report it per session set-up.
#include <cstddef>

#include "tunnel/checkpoint.hpp"

namespace hl2tp::store {

std::size_t record_size(const tunnel::Checkpoint& record);

}  // namespace hl2tp::store
