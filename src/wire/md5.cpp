#include "wire/md5.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace hl2tp::wire {
namespace {

// MD5 of a few dozen octets cannot fail unless the library is broken or out of memory; there is no
// sensible way on, so stop rather than hash garbage.
void check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

Md5::Md5() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  check(EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr));
}

Md5::~Md5() {
  EVP_MD_CTX_free(ctx_);
}

Md5& Md5::update(std::span<const std::byte> bytes) {
  check(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()));
  return *this;
}

Md5Digest Md5::finish() {
  Md5Digest digest{};
  unsigned int length = 0;
  check(EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(digest.data()), &length));
  check(EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr));
  return digest;
}

}  // namespace hl2tp::wire
