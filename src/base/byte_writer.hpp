#pragma once
// Big-endian appending to an owned buffer, with patching of a length written before its value.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/bytes.hpp"

namespace hl2tp {

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  std::size_t size() const { return out_.size(); }
  void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
  void u16(std::uint16_t v) {
    const std::byte b[2] = {static_cast<std::byte>(v >> 8), static_cast<std::byte>(v & 0xFF)};
    append(b, 2);
  }
  void u32(std::uint32_t v) {
    const std::byte b[4] = {static_cast<std::byte>(v >> 24), static_cast<std::byte>(v >> 16),
                            static_cast<std::byte>(v >> 8), static_cast<std::byte>(v)};
    append(b, 4);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(std::span<const std::byte> b) { append(b.data(), b.size()); }
  void text(std::string_view s) { append(reinterpret_cast<const std::byte*>(s.data()), s.size()); }
  void zeros(std::size_t n) { out_.resize(out_.size() + n, std::byte{0}); }
  void patch_u16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::byte>(v >> 8);
    out_[at + 1] = static_cast<std::byte>(v & 0xFF);
  }
  std::span<std::byte> tail_from(std::size_t at) { return std::span(out_).subspan(at); }

 private:
  // Whole fields at once: a push_back per octet costs a capacity check per octet.
  void append(const std::byte* p, std::size_t n) { out_.insert(out_.end(), p, p + n); }

  Bytes& out_;
};

}  // namespace hl2tp
