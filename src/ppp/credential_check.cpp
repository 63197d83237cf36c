#include "ppp/credential_check.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace hl2tp::ppp {
namespace {

// A digest of a few hundred octets cannot fail unless the library is broken or out of memory;
// there is no sensible way on, so stop rather than compare garbage.
void check(int ok) {
  if (ok != 1) std::abort();
}

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view text) {
  Sha256Digest digest{};
  unsigned int length = 0;
  check(EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr));
  return digest;
}

}  // namespace

ChapMd5Digest chap_md5_response(std::uint8_t identifier, std::string_view secret,
                                std::span<const std::byte> challenge) {
  // Fed in three parts rather than joined in a buffer: the secret is not copied.
  const std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  if (!context) std::abort();
  check(EVP_DigestInit_ex(context.get(), EVP_md5(), nullptr));
  check(EVP_DigestUpdate(context.get(), &identifier, 1));
  check(EVP_DigestUpdate(context.get(), secret.data(), secret.size()));
  check(EVP_DigestUpdate(context.get(), challenge.data(), challenge.size()));
  ChapMd5Digest digest{};
  unsigned int length = 0;
  check(
      EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char*>(digest.data()), &length));
  check(length == digest.size() ? 1 : 0);
  return digest;
}

bool chap_response_matches(const ChapCredentials& credentials, std::string_view secret) {
  if (secret.empty() || credentials.response.size() != sizeof(ChapMd5Digest)) return false;
  const ChapMd5Digest expected =
      chap_md5_response(credentials.identifier, secret, credentials.challenge);
  return CRYPTO_memcmp(expected.data(), credentials.response.data(), expected.size()) == 0;
}

bool pap_password_matches(const PapCredentials& credentials, std::string_view password) {
  if (password.empty()) return false;
  // CRYPTO_memcmp needs equal lengths; comparing digests of both gives them, and hides the stored
  // password's length, which an early return on unequal lengths would reveal.
  const Sha256Digest given = sha256(credentials.password);
  const Sha256Digest stored = sha256(password);
  return CRYPTO_memcmp(given.data(), stored.data(), given.size()) == 0;
}

AuthVerdict local_verdict(const Credentials& credentials, std::optional<std::string_view> secret) {
  bool accepted = false;
  if (secret) {
    if (const auto* pap = std::get_if<PapCredentials>(&credentials)) {
      accepted = pap_password_matches(*pap, *secret);
    } else {
      accepted = chap_response_matches(std::get<ChapCredentials>(credentials), *secret);
    }
  }
  return AuthVerdict{accepted, accepted ? "Authentication succeeded" : "Authentication failed"};
}

}  // namespace hl2tp::ppp
