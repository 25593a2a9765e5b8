#include "modelzoo/trust/crypto.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/sdk/error.h"
#include "openssl_api.h"

namespace modelzoo::trust {
namespace {

using detail::openssl;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { openssl().pkey_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { openssl().pkey_ctx_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { openssl().md_ctx_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { openssl().bio_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey read_private_key(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(
      openssl().bio_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(openssl().pem_read_private_key(bio.get(), nullptr, nullptr, nullptr));
  if (!key || openssl().pkey_get_id(key.get()) != EVP_PKEY_ED25519)
    throw Error("not an Ed25519 private key in PEM form (make one with 'modelzoo keys generate')");
  return key;
}

PublicKey raw_public(EVP_PKEY* key) {
  PublicKey out{};
  size_t len = out.size();
  if (openssl().pkey_get_raw_public_key(key, out.data(), &len) != 1 || len != out.size())
    throw Error("cannot extract the Ed25519 public key");
  return out;
}

}  // namespace

KeyPair generate_key_pair() {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      openssl().pkey_ctx_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || openssl().keygen_init(ctx.get()) != 1 || openssl().keygen(ctx.get(), &raw) != 1)
    throw Error("Ed25519 key generation failed");
  Pkey key(raw);
  std::unique_ptr<BIO, BioFree> bio(openssl().bio_new(openssl().bio_s_mem()));
  if (openssl().pem_write_private_key(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                      nullptr) != 1)
    throw Error("cannot encode the private key");
  char* data = nullptr;
  const long n = openssl().bio_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return {std::string(data, static_cast<size_t>(n)), raw_public(key.get())};
}

PublicKey public_key_of(const std::string& private_pem) {
  return raw_public(read_private_key(private_pem).get());
}

std::string sign(const std::string& private_pem, std::string_view message) {
  Pkey key = read_private_key(private_pem);
  MdCtx ctx(openssl().md_ctx_new());
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  if (!ctx || openssl().digest_sign_init(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      openssl().digest_sign(ctx.get(), sig, &sig_len,
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) != 1)
    throw Error("signing failed");
  return std::string(reinterpret_cast<char*>(sig), sig_len);
}

bool verify_signature(const PublicKey& public_key, std::string_view message,
                      std::string_view signature) {
  if (signature.size() != 64) return false;
  Pkey key(openssl().pkey_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(),
                                             public_key.size()));
  MdCtx ctx(openssl().md_ctx_new());
  if (!key || !ctx ||
      openssl().digest_verify_init(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
    return false;
  return openssl().digest_verify(
             ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

std::string key_id(const PublicKey& key) {
  return cache::sha256_bytes(
             std::string_view(reinterpret_cast<const char*>(key.data()), key.size()))
      .substr(0, 16);
}

std::string sha256_hex(std::string_view data) {
  return cache::sha256_bytes(data);
}

std::string sha256_of_fd(int fd, uint64_t* size) {
  cache::Sha256 hash;
  std::vector<char> buffer(1 << 20);
  uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("reading for SHA-256: ") + std::strerror(errno));
    }
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  if (size) *size = offset;
  return hash.finish();
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = openssl().encode_block(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) throw Error("malformed base64 (length not a multiple of 4)");
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = openssl().decode_block(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(text.data()),
                                       static_cast<int>(text.size()));
  if (n < 0) throw Error("malformed base64");
  size_t length = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  if (!text.empty() && text.back() == '=') --length;
  if (text.size() > 1 && text[text.size() - 2] == '=') --length;
  out.resize(length);
  return out;
}

}  // namespace modelzoo::trust
