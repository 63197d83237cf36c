#pragma once
// Bounds-checked, big-endian reading of a byte span. Every read says whether it succeeded; a failed
// read leaves the reader where it was. The decoder never indexes the input any other way.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace hl2tp {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  bool empty() const { return remaining() == 0; }

  std::optional<std::uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return static_cast<std::uint8_t>(bytes_[offset_++]);
  }
  std::optional<std::uint16_t> u16() {
    if (remaining() < 2) return std::nullopt;
    auto v = static_cast<std::uint16_t>((std::to_integer<unsigned>(bytes_[offset_]) << 8) |
                                        std::to_integer<unsigned>(bytes_[offset_ + 1]));
    offset_ += 2;
    return v;
  }
  std::optional<std::uint32_t> u32() {
    if (remaining() < 4) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = (v << 8) | std::to_integer<std::uint32_t>(bytes_[offset_ + i]);
    offset_ += 4;
    return v;
  }
  std::optional<std::uint64_t> u64() {
    if (remaining() < 8) return std::nullopt;
    const std::uint64_t high = *u32();
    return (high << 32) | *u32();
  }
  std::optional<std::span<const std::byte>> take(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    auto s = bytes_.subspan(offset_, n);
    offset_ += n;
    return s;
  }
  std::span<const std::byte> rest() const { return bytes_.subspan(offset_); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;
};

}  // namespace hl2tp
