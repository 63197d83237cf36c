// libFuzzer target: any datagram through the control and data decoders. Beyond "no crash, no
// sanitizer report", a message that decodes must encode again and decode to the same message.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wire/control_codec.hpp"
#include "wire/data_message.hpp"
#include "wire/message_format.hpp"

namespace {

const std::byte kSecret[] = {std::byte{'f'}, std::byte{'u'}, std::byte{'z'}, std::byte{'z'}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hl2tp::wire;
  using hl2tp::Bytes;
  const std::span<const std::byte> datagram(reinterpret_cast<const std::byte*>(data), size);

  (void)is_control_message(datagram);
  if (auto d = decode_data(datagram)) {
    Bytes out;
    encode_data(d->header, d->payload, out);
    if (d->header.length_present && out.size() != size) std::abort();
  }
  (void)decode_control_header(datagram);

  const std::span<const std::byte> secrets[] = {{}, kSecret};
  for (std::span<const std::byte> secret : secrets) {
    auto message = decode_control(datagram, {.secret = secret, .check_required_avps = true});
    if (!message) {
      (void)message.error().to_string();
      continue;
    }
    (void)to_string(*message);
    auto encoded = encode_control(*message, {.secret = secret});
    if (!encoded) std::abort();  // everything we accept we can send back
    auto again = decode_control(*encoded, {.secret = secret});
    if (!again || !(*again == *message)) std::abort();
  }
  return 0;
}
