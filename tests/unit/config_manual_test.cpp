// The manual page hl2tpd.toml(5) against the settings list the parser takes its keys and ranges
// from (src/daemon/config_settings.cpp): every setting documented, nothing documented that the
// parser does not accept, and each with the type, range, choices and default the parser has.
// config_settings_test.cpp proves the list itself against the parser and the typed structure.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "daemon/config_settings.hpp"

namespace hl2tp::daemon {
namespace {

// One setting as the manual states it.
struct DocumentedSetting {
  std::string type;
  std::optional<std::int64_t> min, max;
  std::string presence;  // "default", "required" or "unset by default"
  std::string default_value;
  std::vector<std::string> choices;
  int line = 0;
};

using Key = std::pair<std::string, std::string>;  // table ("" for the top level), key

// The text of a roff line without font changes and with the escapes the page uses resolved.
std::string plain(std::string line) {
  static const std::regex font(R"(\\f[BIRP])");
  line = std::regex_replace(line, font, "");
  const std::pair<const char*, const char*> escapes[] = {
      {"\\-", "-"}, {"\\(dq", "\""}, {"\\%", ""}, {"\\&", ""}};
  for (const auto& [from, to] : escapes) {
    for (auto at = line.find(from); at != std::string::npos; at = line.find(from, at)) {
      line.replace(at, std::string_view(from).size(), to);
      at += std::string_view(to).size();
    }
  }
  return line;
}

// The table a `.SS` heading names: "[timers]" → timers, "[[peer]]" → peer, anything else → "".
std::string table_of(std::string heading) {
  heading = plain(heading);
  std::erase(heading, '"');
  std::erase(heading, '[');
  std::erase(heading, ']');
  return heading.find(' ') == std::string::npos ? heading : "";
}

struct Manual {
  std::map<Key, DocumentedSetting> settings;
  std::vector<std::string> unreadable;  // tag lines that are neither a setting nor a choice
};

// The SETTINGS section of the page: after each `.TP`, a setting's line
//   key = type[, MIN to MAX]; default VALUE | ; required | ; unset by default
// or, nested under the setting, one of its choices: "value".
Manual read_manual(const std::string& path) {
  static const std::regex setting_line(
      R"(^([a-z][a-z-]*) = ([a-z ]+?)(?:, (-?[0-9]+) to (-?[0-9]+))?; )"
      R"((?:default (.+)|(required)|(unset by default))$)");
  static const std::regex choice_line(R"re(^"([^"]*)"$)re");
  Manual manual;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::string line, table;
  bool in_settings = false, tag_next = false;
  DocumentedSetting* last = nullptr;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.rfind(".SH", 0) == 0) {
      in_settings = line == ".SH SETTINGS";
      continue;
    }
    if (!in_settings) continue;
    if (line.rfind(".SS ", 0) == 0) {
      table = table_of(line.substr(4));
      last = nullptr;
      continue;
    }
    if (line == ".TP") {
      tag_next = true;
      continue;
    }
    if (!tag_next) continue;
    tag_next = false;
    const std::string text = plain(line);
    std::smatch m;
    if (std::regex_match(text, m, setting_line)) {
      DocumentedSetting d;
      d.type = m[2];
      if (m[3].matched) d.min = std::stoll(m[3]);
      if (m[4].matched) d.max = std::stoll(m[4]);
      d.presence = m[5].matched ? "default" : m[6].matched ? "required" : "unset by default";
      d.default_value = m[5];
      d.line = number;
      last = &(manual.settings[{table, m[1]}] = d);
    } else if (std::regex_match(text, m, choice_line) && last != nullptr) {
      last->choices.push_back(m[1]);
    } else {
      manual.unreadable.push_back(std::to_string(number) + ": " + text);
    }
  }
  return manual;
}

std::string name(const Key& k) {
  return (k.first.empty() ? "" : "[" + k.first + "] ") + k.second;
}

const Manual& manual() {
  static const Manual m = read_manual(std::string(HL2TP_MANUAL_DIR) + "/hl2tpd.toml.5");
  return m;
}

TEST(ConfigManual, every_entry_of_the_settings_section_reads_as_a_setting_or_a_choice) {
  EXPECT_TRUE(manual().unreadable.empty())
      << "hl2tpd.toml.5 line " << (manual().unreadable.empty() ? "" : manual().unreadable[0]);
}

TEST(ConfigManual, documents_every_setting_the_parser_accepts_and_no_other) {
  std::map<Key, int> accepted;
  for (const Setting& s : all_settings())
    accepted[{std::string(s.table), std::string(s.key)}] = 1;
  for (const auto& [key, _] : accepted)
    EXPECT_TRUE(manual().settings.contains(key)) << name(key) << " is not in hl2tpd.toml(5)";
  for (const auto& [key, documented] : manual().settings) {
    EXPECT_TRUE(accepted.contains(key))
        << "hl2tpd.toml(5) line " << documented.line << " documents " << name(key)
        << ", which the parser does not accept";
  }
}

TEST(ConfigManual, states_each_settings_type_range_choices_and_default_as_the_parser_has_them) {
  for (const Setting& s : all_settings()) {
    const Key key{std::string(s.table), std::string(s.key)};
    const auto found = manual().settings.find(key);
    if (found == manual().settings.end()) continue;  // reported by the test above
    const DocumentedSetting& d = found->second;
    SCOPED_TRACE("hl2tpd.toml(5) line " + std::to_string(d.line) + ": " + name(key));
    EXPECT_EQ(d.type, s.type_text());
    if (s.type == SettingType::integer) {
      EXPECT_EQ(d.min, s.min);
      EXPECT_EQ(d.max, s.max);
    } else {
      EXPECT_FALSE(d.min) << "a range for a setting that is not an integer";
    }
    switch (s.presence) {
      case SettingPresence::defaulted:
        EXPECT_EQ(d.presence, "default");
        EXPECT_EQ(d.default_value, s.default_value);
        break;
      case SettingPresence::required:
        EXPECT_EQ(d.presence, "required");
        break;
      case SettingPresence::optional:
        EXPECT_EQ(d.presence, "unset by default");
        break;
    }
    std::vector<std::string> choices;
    for (std::string_view c : s.choices) {
      if (!c.empty()) choices.emplace_back(c);
    }
    EXPECT_EQ(d.choices, choices);
  }
}

}  // namespace
}  // namespace hl2tp::daemon
