#pragma once
// Every setting of hl2tpd.toml, in one table: the configuration parser (config.cpp) takes from it
// the keys each table accepts and each integer's range. tests/unit/config_settings_test.cpp holds
// the table to the parser and to the typed structure (each default stated here is what a file
// without the setting gives), and tests/unit/config_manual_test.cpp holds the manual page
// man/hl2tpd.toml.5 to the table (every setting documented, nothing else, with this type, range,
// choices and default). A setting the parser reads but this table lacks is refused as unknown;
// one added here but not to the manual fails that test.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hl2tp::daemon {

enum class SettingType : std::uint8_t {
  string,
  boolean,
  integer,       // within [min, max]
  address,       // "192.0.2.1", "192.0.2.1:1701", "[2001:db8::1]:1701"
  address_list,  // a TOML array of addresses
  choice,        // a string, one of `choices`
};

// Whether a setting that is absent has a value.
enum class SettingPresence : std::uint8_t {
  defaulted,  // `default_value` applies
  required,   // the table is an error without it ([[peer]] address)
  optional,   // absent means "none" (a [[peer]] without a secret authenticates nothing)
};

struct Setting {
  std::string_view table;  // "" for the top level, "peer" for each [[peer]]
  std::string_view key;
  SettingType type;
  SettingPresence presence = SettingPresence::defaulted;
  std::string_view default_value = {};           // as it would be written in TOML
  std::int64_t min = 0, max = 0;                 // integers only
  std::array<std::string_view, 5> choices = {};  // choices only; unused entries empty

  // The words the manual uses for the type: "integer", "list of addresses", "choice".
  std::string_view type_text() const;
};

// Every setting, grouped by table in the order of the manual.
std::span<const Setting> all_settings();

// The keys that `table` accepts.
std::vector<std::string_view> keys_of(std::string_view table);

// The tables of the file ("timers", ..., "peer"), each once, in the order of the manual.
std::vector<std::string_view> table_names();

// The setting `key` of `table`. The parser asks only for settings that exist: a missing one is a
// mistake in the code, and ends the process with a message naming it.
const Setting& setting(std::string_view table, std::string_view key);

}  // namespace hl2tp::daemon
