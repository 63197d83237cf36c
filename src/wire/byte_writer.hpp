#pragma once
// Big-endian appending to an owned buffer, with patching of a length written before its value.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hl2tp::wire {

using Bytes = std::vector<std::byte>;

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  std::size_t size() const { return out_.size(); }
  void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::byte>(v >> 8));
    out_.push_back(static_cast<std::byte>(v & 0xFF));
  }
  void u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::byte>(v >> shift));
  }
  void bytes(std::span<const std::byte> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void text(std::string_view s) {
    for (char c : s) out_.push_back(static_cast<std::byte>(c));
  }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, std::byte{0}); }
  void patch_u16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::byte>(v >> 8);
    out_[at + 1] = static_cast<std::byte>(v & 0xFF);
  }
  std::span<std::byte> tail_from(std::size_t at) { return std::span(out_).subspan(at); }

 private:
  Bytes& out_;
};

}  // namespace hl2tp::wire
