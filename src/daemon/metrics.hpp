#pragma once
// The Prometheus text exposition (format 0.0.4) of hl2tpd, served over HTTP on the metrics address
// (loopback by default): tunnels and sessions by state, control messages, recoveries by method and
// outcome, recovery duration and store commit latency histograms.
#include <string>

namespace hl2tp::daemon {

class Daemon;

std::string metrics_text(Daemon& daemon);

}  // namespace hl2tp::daemon
