#include "daemon/config_settings.hpp"

#include <cstdio>
#include <cstdlib>

namespace hl2tp::daemon {
namespace {

using T = SettingType;
using P = SettingPresence;

// The defaults written here are checked against the typed structure's (config.hpp and the engine's
// settings) by tests/unit/config_manual_test.cpp: a file that sets each to this value must give
// the same configuration as an empty file. A table, a setting to a line or two.
// clang-format off
constexpr Setting kSettings[] = {
    {.table = "", .key = "role", .type = T::choice, .default_value = "\"both\"",
     .choices = {"lac", "lns", "both"}},
    {.table = "", .key = "host-name", .type = T::string, .default_value = "\"hl2tp\""},
    {.table = "", .key = "listen", .type = T::address_list, .default_value = "[\"0.0.0.0:1701\"]"},
    {.table = "", .key = "accept-unlisted-peers", .type = T::boolean, .default_value = "true"},

    {.table = "timers", .key = "hello-interval", .type = T::integer, .default_value = "60",
     .min = 1, .max = 3600},
    {.table = "timers", .key = "retransmit-initial-ms", .type = T::integer,
     .default_value = "1000", .min = 10, .max = 60'000},
    // RFC 2661 §5.8: the cap must be at least 8 s.
    {.table = "timers", .key = "retransmit-cap-ms", .type = T::integer, .default_value = "16000",
     .min = 8'000, .max = 600'000},
    {.table = "timers", .key = "retransmit-count", .type = T::integer, .default_value = "5",
     .min = 1, .max = 32},
    {.table = "timers", .key = "call-setup-timeout", .type = T::integer, .default_value = "60",
     .min = 1, .max = 3600},

    {.table = "windows", .key = "receive-window", .type = T::integer, .default_value = "64",
     .min = 1, .max = 65535},
    {.table = "windows", .key = "max-queued", .type = T::integer, .default_value = "1024",
     .min = 1, .max = 1'000'000},

    {.table = "limits", .key = "max-tunnels", .type = T::integer, .default_value = "8192",
     .min = 1, .max = 60'000},
    {.table = "limits", .key = "max-sessions", .type = T::integer, .default_value = "262144",
     .min = 1, .max = 100'000'000},
    // Below 65535 so that a free session ID always exists within one lap (tunnel/call_set.cpp).
    {.table = "limits", .key = "max-sessions-per-tunnel", .type = T::integer,
     .default_value = "8192", .min = 1, .max = 65'000},

    {.table = "failover", .key = "failover-resync", .type = T::choice,
     .default_value = "\"failover-protocol-fall-back-to-silent-failover\"",
     .choices = {"failover-protocol-fall-back-to-silent-failover", "silent-failover",
                 "failover-protocol", "none"}},
    {.table = "failover", .key = "disable-failover-protocol", .type = T::boolean,
     .default_value = "false"},
    {.table = "failover", .key = "recovery-time-ms", .type = T::integer, .default_value = "60000",
     .min = 0, .max = 3'600'000},
    {.table = "failover", .key = "recovery-tunnel-timeout-ms", .type = T::integer,
     .default_value = "10000", .min = 1'000, .max = 600'000},

    {.table = "store", .key = "path", .type = T::string,
     .default_value = "\"/var/lib/hl2tp/hl2tpd.db\""},
    {.table = "store", .key = "durability", .type = T::choice,
     .default_value = "\"process-crash\"", .choices = {"process-crash", "power-loss", "none"}},

    {.table = "management", .key = "socket", .type = T::string,
     .default_value = "\"/run/hl2tp/hl2tpd.sock\""},

    {.table = "metrics", .key = "address", .type = T::address,
     .default_value = "\"127.0.0.1:9701\""},

    {.table = "log", .key = "level", .type = T::choice, .default_value = "\"info\"",
     .choices = {"trace", "debug", "info", "warn", "error"}},

    {.table = "peer", .key = "address", .type = T::address, .presence = P::required},
    {.table = "peer", .key = "secret", .type = T::string, .presence = P::optional},
    {.table = "peer", .key = "hide-avps", .type = T::boolean, .default_value = "false"},
};
// clang-format on

}  // namespace

std::string_view Setting::type_text() const {
  switch (type) {
    case T::string:
      return "string";
    case T::boolean:
      return "boolean";
    case T::integer:
      return "integer";
    case T::address:
      return "address";
    case T::address_list:
      return "list of addresses";
    case T::choice:
      return "choice";
  }
  return "?";
}

std::span<const Setting> all_settings() {
  return kSettings;
}

std::vector<std::string_view> keys_of(std::string_view table) {
  std::vector<std::string_view> keys;
  for (const Setting& s : kSettings) {
    if (s.table == table) keys.push_back(s.key);
  }
  return keys;
}

std::vector<std::string_view> table_names() {
  std::vector<std::string_view> names;
  for (const Setting& s : kSettings) {
    if (!s.table.empty() && (names.empty() || names.back() != s.table)) names.push_back(s.table);
  }
  return names;
}

const Setting& setting(std::string_view table, std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.table == table && s.key == key) return s;
  }
  // The parser asked for a setting this table does not list: a mistake in the code, not in the
  // operator's file, and one every configuration test meets at once.
  std::fprintf(stderr, "hl2tpd: setting [%.*s] %.*s is missing from config_settings.cpp\n",
               static_cast<int>(table.size()), table.data(), static_cast<int>(key.size()),
               key.data());
  std::abort();
}

}  // namespace hl2tp::daemon
