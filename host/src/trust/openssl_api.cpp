#include "openssl_api.h"

#include "modelzoo/sdk/on_demand_library.h"

namespace modelzoo::trust::detail {
namespace {

OpenSslApi load() {
  const OnDemandLibrary lib("libcrypto.so.3", "signatures and keys", "libssl3");
  OpenSslApi api{};
  lib.bind(api.bio_new_mem_buf, "BIO_new_mem_buf");
  lib.bind(api.bio_new, "BIO_new");
  lib.bind(api.bio_s_mem, "BIO_s_mem");
  lib.bind(api.bio_free, "BIO_free");
  lib.bind(api.bio_ctrl, "BIO_ctrl");
  lib.bind(api.pem_read_private_key, "PEM_read_bio_PrivateKey");
  lib.bind(api.pem_write_private_key, "PEM_write_bio_PrivateKey");
  lib.bind(api.pkey_get_id, "EVP_PKEY_get_id");
  lib.bind(api.pkey_get_raw_public_key, "EVP_PKEY_get_raw_public_key");
  lib.bind(api.pkey_new_raw_public_key, "EVP_PKEY_new_raw_public_key");
  lib.bind(api.pkey_free, "EVP_PKEY_free");
  lib.bind(api.pkey_ctx_new_id, "EVP_PKEY_CTX_new_id");
  lib.bind(api.pkey_ctx_free, "EVP_PKEY_CTX_free");
  lib.bind(api.keygen_init, "EVP_PKEY_keygen_init");
  lib.bind(api.keygen, "EVP_PKEY_keygen");
  lib.bind(api.md_ctx_new, "EVP_MD_CTX_new");
  lib.bind(api.md_ctx_free, "EVP_MD_CTX_free");
  lib.bind(api.digest_sign_init, "EVP_DigestSignInit");
  lib.bind(api.digest_sign, "EVP_DigestSign");
  lib.bind(api.digest_verify_init, "EVP_DigestVerifyInit");
  lib.bind(api.digest_verify, "EVP_DigestVerify");
  lib.bind(api.encode_block, "EVP_EncodeBlock");
  lib.bind(api.decode_block, "EVP_DecodeBlock");
  return api;
}

}  // namespace

const OpenSslApi& openssl() {
  static const OpenSslApi api = load();  // a failed load throws, and is retried next call
  return api;
}

}  // namespace modelzoo::trust::detail
