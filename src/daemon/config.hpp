#pragma once
// hl2tpd's configuration: one typed structure with its defaults in one place, read from TOML
// (toml++). Every error names the file, line and column; unknown keys are errors too, so that a
// misspelt setting is not silently ignored. The keys each table accepts and their ranges are listed
// once, in config_settings.hpp, which the manual page hl2tpd.toml(5) is checked against.
// `examples/` holds commented files for a LAC and an LNS.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "engine/endpoint_config.hpp"

namespace hl2tp::daemon {

enum class Role : std::uint8_t { lac, lns, both };

// What the tunnel database survives. `none` keeps no store at all: a restart, upgrade or crash
// loses every tunnel and session, and the daemon says so when it starts. The others are the SQLite
// store's (sqlite_store/sqlite_store.hpp).
enum class StoreDurability : std::uint8_t { none, process_crash, power_loss };

struct DaemonConfig {
  Role role = Role::both;
  engine::EndpointConfig endpoint;  // tunnel defaults, peers, limits, failover
  // UDP addresses to listen on; a socket passed by systemd (LISTEN_FDS) takes precedence.
  std::vector<PeerAddress> listen;                      // default: 0.0.0.0:1701
  std::string store_path = "/var/lib/hl2tp/hl2tpd.db";  // unused when durability is none
  StoreDurability durability = StoreDurability::process_crash;
  std::string management_socket = "/run/hl2tp/hl2tpd.sock";
  std::optional<PeerAddress> metrics;  // default 127.0.0.1:9701; "" disables
  std::string log_level = "info";      // trace, debug, info, warn, error

  // Whole configurations compared: a test proves that each default the manual states is the
  // one an empty file gives (tests/unit/config_manual_test.cpp).
  bool operator==(const DaemonConfig&) const = default;
};

// "192.0.2.1", "192.0.2.1:1701", "[2001:db8::1]:1701" or "2001:db8::1"; the port defaults to
// `default_port`.
Result<PeerAddress, std::string> parse_address(std::string_view text, std::uint16_t default_port);

// `source` names the text in error messages (the file's path).
Result<DaemonConfig, std::string> parse_config(std::string_view text, std::string_view source);
Result<DaemonConfig, std::string> load_config(const std::string& path);

}  // namespace hl2tp::daemon
