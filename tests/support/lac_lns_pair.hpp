#pragma once
// Tests use the simulator's LAC/LNS pair (sim/lac_lns_pair.hpp) and its checks
// (sim/invariants.hpp), and name them as their own.
#include "sim/invariants.hpp"
#include "sim/lac_lns_pair.hpp"

namespace hl2tp::test {

using engine::EndpointConfig;
using engine::EventKind;
using sim::established_sessions;
using sim::kLacAddress;
using sim::kLnsAddress;
using sim::lac_config;
using sim::LacLnsPair;
using sim::lns_config;
using sim::mirrored;
using sim::only_tunnel;
using sim::replayed_sessions;
using sim::SessionKey;
using sim::trace_lines;

}  // namespace hl2tp::test
