#include "daemon/request_fields.hpp"

#include <fmt/format.h>

namespace hl2tp::daemon {

void RequestFields::fail(std::string why) {
  if (!error_) error_ = std::move(why);
}

const nlohmann::json* RequestFields::find(const char* key, bool required) {
  const auto it = request_.find(key);
  if (it == request_.end()) {
    if (required) fail(fmt::format("\"{}\" is required", key));
    return nullptr;
  }
  return &*it;
}

std::optional<std::int64_t> RequestFields::integer(const char* key, std::int64_t low,
                                                   std::int64_t high, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  // A float such as 1.5 or 1e300 is not an ID or a count, and json's unsigned values may exceed
  // int64: both are refused rather than converted.
  bool in_range = false;
  std::int64_t value = 0;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(high) && static_cast<std::int64_t>(u) >= low;
    value = in_range ? static_cast<std::int64_t>(u) : 0;
  } else if (v->is_number_integer()) {
    value = v->get<std::int64_t>();
    in_range = value >= low && value <= high;
  }
  if (!in_range) {
    fail(fmt::format("\"{}\" must be an integer from {} to {}", key, low, high));
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> RequestFields::text(const char* key, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    fail(fmt::format("\"{}\" must be a string", key));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> RequestFields::flag(const char* key) {
  const auto* v = find(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    fail(fmt::format("\"{}\" must be true or false", key));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> RequestFields::one_of(const char* key,
                                                 std::span<const std::string_view> allowed) {
  auto value = text(key);
  if (!value) return std::nullopt;
  for (std::string_view a : allowed) {
    if (*value == a) return value;
  }
  fail(fmt::format("\"{}\" must be one of: {}", key, fmt::join(allowed, ", ")));
  return std::nullopt;
}

}  // namespace hl2tp::daemon
