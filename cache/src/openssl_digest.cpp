#include "openssl_digest.h"

#include "modelzoo/sdk/on_demand_library.h"

namespace modelzoo::cache::detail {
namespace {

OpenSslDigestApi load() {
  // OpenSSL 3's soname (Debian's libssl3 package ships it).
  const OnDemandLibrary lib("libcrypto.so.3", "SHA-256 digests", "libssl3");
  OpenSslDigestApi api{};
  lib.bind(api.md_fetch, "EVP_MD_fetch");
  lib.bind(api.md_free, "EVP_MD_free");
  lib.bind(api.ctx_new, "EVP_MD_CTX_new");
  lib.bind(api.ctx_free, "EVP_MD_CTX_free");
  lib.bind(api.init, "EVP_DigestInit_ex");
  lib.bind(api.update, "EVP_DigestUpdate");
  lib.bind(api.final, "EVP_DigestFinal_ex");
  return api;
}

}  // namespace

const OpenSslDigestApi& openssl_digest() {
  static const OpenSslDigestApi api = load();  // a failed load throws, and is retried next call
  return api;
}

}  // namespace modelzoo::cache::detail
