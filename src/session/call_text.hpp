#pragma once
// The text a call may carry (RFC 2661 §4.4.5: Calling Number, Called Number, Sub-Address) in one
// allocation, none at all when the three are empty. As three std::string they took 96 of a
// session's 168 bytes, mostly empty, and a restart first-touches every byte of every session
// (issue 14, point 4: on the benchmark machine that cost more than reading the store).
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace hl2tp::session {

class CallText {
 public:
  enum class Field : std::uint8_t { calling_number, called_number, sub_address };

  CallText() = default;
  CallText(const CallText& other);
  CallText& operator=(const CallText& other);
  CallText(CallText&&) noexcept = default;
  CallText& operator=(CallText&&) noexcept = default;

  std::string_view get(Field field) const;
  // An AVP's value is at most 1017 octets (its length field, §4.1): longer text is cut there.
  void set(Field field, std::string_view value);

  bool operator==(const CallText& other) const;

 private:
  static constexpr std::size_t kFields = 3;
  std::size_t offset(Field field) const;
  std::size_t size() const { return std::size_t{length_[0]} + length_[1] + length_[2]; }

  std::unique_ptr<char[]> text_;  // the fields one after another; null when all are empty
  std::array<std::uint16_t, kFields> length_{};
};

}  // namespace hl2tp::session
