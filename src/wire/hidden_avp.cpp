#include "wire/hidden_avp.hpp"

#include <algorithm>

#include "wire/md5.hpp"

namespace hl2tp::wire {
namespace {

constexpr std::size_t kBlock = 16;

// XORs `data` in place with the §4.3 keystream. The chaining input is always the ciphertext block:
// after XOR when hiding, before XOR when revealing.
void apply_keystream(std::uint16_t attribute_type, std::span<const std::byte> secret,
                     std::span<const std::byte> random_vector, std::span<std::byte> data,
                     bool hiding) {
  Md5 md5;
  const std::byte type_octets[2] = {static_cast<std::byte>(attribute_type >> 8),
                                    static_cast<std::byte>(attribute_type & 0xFF)};
  Md5Digest key = md5.update(type_octets).update(secret).update(random_vector).finish();
  std::array<std::byte, kBlock> previous_cipher{};
  for (std::size_t at = 0; at < data.size(); at += kBlock) {
    const std::size_t n = std::min(kBlock, data.size() - at);
    if (at != 0) key = md5.update(secret).update(std::span(previous_cipher)).finish();
    for (std::size_t i = 0; i < n; ++i) {
      if (!hiding) previous_cipher[i] = data[at + i];
      data[at + i] ^= key[i];
      if (hiding) previous_cipher[i] = data[at + i];
    }
  }
}

}  // namespace

void hide_avp_value(std::uint16_t attribute_type, std::span<const std::byte> secret,
                    std::span<const std::byte> random_vector, std::span<const std::byte> value,
                    std::span<const std::byte> padding, Bytes& out) {
  const std::size_t start = out.size();
  out.push_back(static_cast<std::byte>(value.size() >> 8));
  out.push_back(static_cast<std::byte>(value.size() & 0xFF));
  out.insert(out.end(), value.begin(), value.end());
  out.insert(out.end(), padding.begin(), padding.end());
  apply_keystream(attribute_type, secret, random_vector, std::span(out).subspan(start), true);
}

Result<std::size_t, DecodeErrc> reveal_avp_value(std::uint16_t attribute_type,
                                                 std::span<const std::byte> secret,
                                                 std::span<const std::byte> random_vector,
                                                 std::span<const std::byte> hidden, Bytes& out) {
  if (hidden.size() < 2) return unexpected(DecodeErrc::hidden_avp_too_short);
  out.assign(hidden.begin(), hidden.end());
  apply_keystream(attribute_type, secret, random_vector, out, false);
  const std::size_t length =
      (std::to_integer<std::size_t>(out[0]) << 8) | std::to_integer<std::size_t>(out[1]);
  if (length > out.size() - 2) return unexpected(DecodeErrc::hidden_length_past_end);
  return length;
}

}  // namespace hl2tp::wire
