// The settings list (src/daemon/config_settings.cpp) against the parser and the typed structure:
// each default it states is the one an empty file gives, each integer's range is the one the
// parser enforces, each choice is accepted and nothing else, and a value of another type is
// refused. config_manual_test.cpp holds the manual page to the same list.
#include <gtest/gtest.h>

#include <string>

#include "daemon/config.hpp"
#include "daemon/config_settings.hpp"

namespace hl2tp::daemon {
namespace {

// A file that sets `key = value` where the setting lives; a [[peer]] table gets the address it
// needs (unless the address is the setting written).
std::string file_setting(const Setting& s, const std::string& value) {
  std::string text;
  if (s.table == "peer") {
    text = "[[peer]]\n";
    if (s.key != "address") text += "address = \"192.0.2.1\"\n";
  } else if (!s.table.empty()) {
    text = "[" + std::string(s.table) + "]\n";
  }
  return text + std::string(s.key) + " = " + value + "\n";
}

// What the same file gives without the setting.
std::string file_without(const Setting& s) {
  return s.table == "peer" ? "[[peer]]\naddress = \"192.0.2.1\"\n" : "";
}

Result<DaemonConfig, std::string> parse(const std::string& text) {
  return parse_config(text, "s.toml");
}

std::string name(const Setting& s) {
  return (s.table.empty() ? "" : "[" + std::string(s.table) + "] ") + std::string(s.key);
}

TEST(ConfigSettings, each_stated_default_is_what_the_file_gives_without_the_setting) {
  for (const Setting& s : all_settings()) {
    if (s.presence != SettingPresence::defaulted) continue;
    SCOPED_TRACE(name(s) + " = " + std::string(s.default_value));
    const auto with = parse(file_setting(s, std::string(s.default_value)));
    const auto without = parse(file_without(s));
    ASSERT_TRUE(with) << with.error();
    ASSERT_TRUE(without) << without.error();
    EXPECT_TRUE(*with == *without) << "the default in config_settings.cpp is not the real one";
  }
}

TEST(ConfigSettings, each_integer_is_accepted_at_the_ends_of_its_range_and_refused_beyond) {
  for (const Setting& s : all_settings()) {
    if (s.type != SettingType::integer) continue;
    SCOPED_TRACE(name(s));
    EXPECT_TRUE(parse(file_setting(s, std::to_string(s.min))));
    EXPECT_TRUE(parse(file_setting(s, std::to_string(s.max))));
    for (const std::int64_t beyond : {s.min - 1, s.max + 1}) {
      const auto c = parse(file_setting(s, std::to_string(beyond)));
      ASSERT_FALSE(c) << beyond << " accepted";
      EXPECT_NE(c.error().find("must be between " + std::to_string(s.min) + " and " +
                               std::to_string(s.max)),
                std::string::npos)
          << c.error();
    }
  }
}

TEST(ConfigSettings, each_choice_is_accepted_and_no_other_word) {
  for (const Setting& s : all_settings()) {
    if (s.type != SettingType::choice) continue;
    SCOPED_TRACE(name(s));
    int listed = 0;
    for (std::string_view choice : s.choices) {
      if (choice.empty()) continue;
      ++listed;
      const auto c = parse(file_setting(s, "\"" + std::string(choice) + "\""));
      EXPECT_TRUE(c) << choice << ": " << c.error();
    }
    EXPECT_GE(listed, 2);
    EXPECT_FALSE(parse(file_setting(s, "\"sometimes\"")));
  }
}

TEST(ConfigSettings, each_setting_refuses_a_value_of_another_type) {
  for (const Setting& s : all_settings()) {
    SCOPED_TRACE(name(s));
    // An integer where anything else is wanted, a string where an integer or a boolean is.
    const bool wants_text = s.type != SettingType::integer && s.type != SettingType::boolean;
    const auto c = parse(file_setting(s, wants_text ? "1" : "\"1\""));
    EXPECT_FALSE(c);
  }
}

TEST(ConfigSettings, each_table_of_the_file_is_one_the_list_names) {
  for (std::string_view table : table_names()) {
    const std::string text =
        table == "peer" ? "[[peer]]\naddress = \"192.0.2.1\"\n" : "[" + std::string(table) + "]\n";
    const auto c = parse(text);
    EXPECT_TRUE(c) << table << ": " << c.error();
  }
  const auto c = parse("[timerz]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("unknown setting 'timerz'"), std::string::npos) << c.error();
}

}  // namespace
}  // namespace hl2tp::daemon
