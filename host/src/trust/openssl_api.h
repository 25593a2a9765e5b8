// The OpenSSL functions trust uses (Ed25519 keys and signatures, PEM,
// base64), bound on first use rather than linked: see
// modelzoo/sdk/on_demand_library.h. A start that reuses the registry
// cache's verdicts never loads libcrypto. The headers still type every call.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace modelzoo::trust::detail {

struct OpenSslApi {
  decltype(&::BIO_new_mem_buf) bio_new_mem_buf;
  decltype(&::BIO_new) bio_new;
  decltype(&::BIO_s_mem) bio_s_mem;
  decltype(&::BIO_free) bio_free;
  decltype(&::BIO_ctrl) bio_ctrl;
  decltype(&::PEM_read_bio_PrivateKey) pem_read_private_key;
  decltype(&::PEM_write_bio_PrivateKey) pem_write_private_key;
  decltype(&::EVP_PKEY_get_id) pkey_get_id;
  decltype(&::EVP_PKEY_get_raw_public_key) pkey_get_raw_public_key;
  decltype(&::EVP_PKEY_new_raw_public_key) pkey_new_raw_public_key;
  decltype(&::EVP_PKEY_free) pkey_free;
  decltype(&::EVP_PKEY_CTX_new_id) pkey_ctx_new_id;
  decltype(&::EVP_PKEY_CTX_free) pkey_ctx_free;
  decltype(&::EVP_PKEY_keygen_init) keygen_init;
  decltype(&::EVP_PKEY_keygen) keygen;
  decltype(&::EVP_MD_CTX_new) md_ctx_new;
  decltype(&::EVP_MD_CTX_free) md_ctx_free;
  decltype(&::EVP_DigestSignInit) digest_sign_init;
  decltype(&::EVP_DigestSign) digest_sign;
  decltype(&::EVP_DigestVerifyInit) digest_verify_init;
  decltype(&::EVP_DigestVerify) digest_verify;
  decltype(&::EVP_EncodeBlock) encode_block;
  decltype(&::EVP_DecodeBlock) decode_block;
};

/// libcrypto's functions, loaded on the first call (thread-safe). Throws
/// modelzoo::Error naming the package when libcrypto cannot be loaded.
const OpenSslApi& openssl();

}  // namespace modelzoo::trust::detail
