#pragma once
// MD5 through OpenSSL's EVP interface (the low-level MD5() calls are deprecated in OpenSSL 3).
// L2TPv2 needs MD5 for tunnel authentication (RFC 2661 §4.4.3) and AVP hiding (§4.3).
#include <array>
#include <cstddef>
#include <span>

struct evp_md_ctx_st;

namespace hl2tp::wire {

using Md5Digest = std::array<std::byte, 16>;

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  Md5& update(std::span<const std::byte> bytes);
  // Returns the digest and starts a new one.
  Md5Digest finish();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace hl2tp::wire
