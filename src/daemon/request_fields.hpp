#pragma once
// The fields of one management request, read by the type each command expects. A request comes
// from outside the daemon: a field may be missing, of another JSON type, or out of range, and
// nlohmann's json::value() throws on a type mismatch. Here each read returns the value or nothing,
// and the first field that is wrong is kept as the error to answer, naming the field and what it
// must be.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hl2tp::daemon {

class RequestFields {
 public:
  // `request` is a JSON object and outlives this reader.
  explicit RequestFields(const nlohmann::json& request) : request_(request) {}

  // An integer in [low, high]; nothing when absent (or, with `required`, an error).
  std::optional<std::int64_t> integer(const char* key, std::int64_t low, std::int64_t high,
                                      bool required = false);
  std::optional<std::string> text(const char* key, bool required = false);
  std::optional<bool> flag(const char* key);
  // A string that is one of `allowed`.
  std::optional<std::string> one_of(const char* key, std::span<const std::string_view> allowed);

  // The first wrong or missing field, once any was read.
  const std::optional<std::string>& error() const { return error_; }

 private:
  const nlohmann::json* find(const char* key, bool required);
  void fail(std::string why);

  const nlohmann::json& request_;
  std::optional<std::string> error_;
};

}  // namespace hl2tp::daemon
