#pragma once
// Whether the files and directories a configuration names can be used by this process: the
// store's directory (SQLite creates the file, not the directory) and the management socket's path.
// `hl2tpd --check` reports what it finds, and a start refuses to go on, before it contacts any
// peer, rather than failing half-way with a less telling error.
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace hl2tp::daemon {

// One line per unusable path, naming the setting's path and why; empty when every path is usable.
std::vector<std::string> unusable_paths(const DaemonConfig& config);

}  // namespace hl2tp::daemon
