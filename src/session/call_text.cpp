#include "session/call_text.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "base/invariant.hpp"

namespace hl2tp::session {
namespace {

// RFC 2661 §4.1: an AVP is at most 1023 octets, 6 of them its header.
constexpr std::size_t kMaxValue = 1023 - 6;

}  // namespace

CallText::CallText(const CallText& other) : length_(other.length_) {
  if (other.text_) {
    text_ = std::make_unique_for_overwrite<char[]>(other.size());
    std::memcpy(text_.get(), other.text_.get(), other.size());
  }
}

CallText& CallText::operator=(const CallText& other) {
  if (this != &other) *this = CallText(other);
  return *this;
}

std::size_t CallText::offset(Field field) const {
  std::size_t at = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(field); ++i)
    at += length_[i];
  return at;
}

std::string_view CallText::get(Field field) const {
  const auto i = static_cast<std::size_t>(field);
  HL2TP_INVARIANT(i < kFields);
  if (length_[i] == 0) return {};
  HL2TP_INVARIANT(text_);
  return {text_.get() + offset(field), length_[i]};
}

void CallText::set(Field field, std::string_view value) {
  const auto i = static_cast<std::size_t>(field);
  HL2TP_INVARIANT(i < kFields);
  value = value.substr(0, kMaxValue);
  if (value.empty() && length_[i] == 0) return;  // most calls: nothing to carry, nothing to do
  std::array<std::string, kFields> fields;
  for (std::size_t f = 0; f < kFields; ++f)
    fields[f] = f == i ? std::string(value) : std::string(get(static_cast<Field>(f)));
  std::size_t total = 0;
  for (std::size_t f = 0; f < kFields; ++f) {
    length_[f] = static_cast<std::uint16_t>(fields[f].size());
    total += fields[f].size();
  }
  if (total == 0) {
    text_.reset();
    return;
  }
  text_ = std::make_unique_for_overwrite<char[]>(total);
  char* out = text_.get();
  for (const std::string& f : fields)
    out = std::copy(f.begin(), f.end(), out);
  HL2TP_INVARIANT(size() == total);
}

bool CallText::operator==(const CallText& other) const {
  for (std::size_t f = 0; f < kFields; ++f) {
    if (get(static_cast<Field>(f)) != other.get(static_cast<Field>(f))) return false;
  }
  return true;
}

}  // namespace hl2tp::session
