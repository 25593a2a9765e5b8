// OpenSSL's digest functions, bound on first use rather than linked (see
// modelzoo/sdk/on_demand_library.h): libcrypto costs every process 1.6 ms
// and 180 page faults before main(), and listing, info and help hash
// nothing. The headers still type every call.
#pragma once

#include <openssl/evp.h>

namespace modelzoo::cache::detail {

struct OpenSslDigestApi {
  decltype(&::EVP_MD_fetch) md_fetch;
  decltype(&::EVP_MD_free) md_free;
  decltype(&::EVP_MD_CTX_new) ctx_new;
  decltype(&::EVP_MD_CTX_free) ctx_free;
  decltype(&::EVP_DigestInit_ex) init;
  decltype(&::EVP_DigestUpdate) update;
  decltype(&::EVP_DigestFinal_ex) final;
};

/// libcrypto's digest functions, loaded on the first call (thread-safe).
/// Throws modelzoo::Error naming the package when libcrypto cannot be loaded.
const OpenSslDigestApi& openssl_digest();

}  // namespace modelzoo::cache::detail
