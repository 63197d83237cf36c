// libFuzzer target: hidden-AVP revealing (RFC 2661 §4.3) with attacker-chosen secret, vector and
// ciphertext. Input: u16 attribute type, u8 secret length, u8 vector length, secret, vector, hidden
// value. A revealed length must lie inside the value, and hiding what was revealed (with the
// revealed padding) must give back the exact ciphertext.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "base/byte_reader.hpp"
#include "wire/hidden_avp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hl2tp::wire;
  using hl2tp::ByteReader;
  using hl2tp::Bytes;
  ByteReader r(std::span(reinterpret_cast<const std::byte*>(data), size));
  auto attribute = r.u16();
  auto secret_length = r.u8();
  auto vector_length = r.u8();
  if (!attribute || !secret_length || !vector_length) return 0;
  auto secret = r.take(*secret_length);
  auto vector = r.take(*vector_length);
  if (!secret || !vector) return 0;
  const auto hidden = r.rest();

  Bytes revealed;
  auto length = reveal_avp_value(*attribute, *secret, *vector, hidden, revealed);
  if (!length) return 0;
  if (*length > hidden.size() - 2 || revealed.size() != hidden.size()) std::abort();

  const auto plain = std::span<const std::byte>(revealed);
  Bytes again;
  hide_avp_value(*attribute, *secret, *vector, plain.subspan(2, *length),
                 plain.subspan(2 + *length), again);
  if (again.size() != hidden.size() || !std::equal(again.begin(), again.end(), hidden.begin())) {
    std::abort();
  }
  return 0;
}
