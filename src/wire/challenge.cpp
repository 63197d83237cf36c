#include "wire/challenge.hpp"

#include "wire/md5.hpp"

namespace hl2tp::wire {

ChallengeDigest challenge_response(MessageType carried_in, std::span<const std::byte> secret,
                                   std::span<const std::byte> challenge) {
  const std::byte id[1] = {static_cast<std::byte>(static_cast<std::uint16_t>(carried_in))};
  Md5 md5;
  return md5.update(id).update(secret).update(challenge).finish();
}

}  // namespace hl2tp::wire
