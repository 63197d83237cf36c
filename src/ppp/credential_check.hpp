#pragma once
// Checking credentials against a secret known locally, for the caller that verifies with a table
// of secrets from the configuration (a RADIUS server checks the same values itself). The caller
// looks the secret up by the peer's name and turns the result into the AuthVerdict it hands back
// to the authenticator. MD5 and the comparisons are OpenSSL's (libcrypto), in constant time.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ppp/authentication.hpp"

namespace hl2tp::ppp {

using ChapMd5Digest = std::array<std::byte, 16>;

// RFC 1994 §4.1 with Algorithm 5: MD5 over the Identifier, then the secret, then the Challenge
// Value: what a peer that knows the secret sends as its Response Value.
ChapMd5Digest chap_md5_response(std::uint8_t identifier, std::string_view secret,
                                std::span<const std::byte> challenge);

// Whether the Response is the one `secret` gives. An empty secret matches nothing: RFC 1994 §2.3
// requires at least one octet, and an empty one is a configuration mistake, not a key.
bool chap_response_matches(const ChapCredentials& credentials, std::string_view secret);

// Whether the Password is `password`, compared without a time that depends on where they differ
// (nor on the length of the stored password). An empty stored password matches nothing, for the
// same reason.
bool pap_password_matches(const PapCredentials& credentials, std::string_view password);

// The verdict on credentials from the secret configured for the peer's name; none when the name
// is unknown. An unknown name and a wrong secret get the same answer, so that the answer does not
// tell a peer which names exist (RFC 1994 §4.1 guards against "discovery of alternative Names").
AuthVerdict local_verdict(const Credentials& credentials, std::optional<std::string_view> secret);

}  // namespace hl2tp::ppp
