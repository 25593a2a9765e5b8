#include "modelzoo/cache/sha256.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include <openssl/evp.h>

#include "modelzoo/sdk/error.h"

namespace modelzoo::cache {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  EVP_MD* md = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  // Fetch the implementation once per object instead of per init (OpenSSL 3).
  state_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  state_->ctx = EVP_MD_CTX_new();
  if (!state_->md || !state_->ctx) throw Error("OpenSSL: cannot create a SHA-256 context");
  reset();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(state_->ctx);
  EVP_MD_free(state_->md);
}

void Sha256::reset() {
  if (EVP_DigestInit_ex(state_->ctx, state_->md, nullptr) != 1)
    throw Error("OpenSSL: EVP_DigestInit_ex(SHA-256) failed");
}

void Sha256::update(const void* data, std::size_t size) {
  if (size && EVP_DigestUpdate(state_->ctx, data, size) != 1)
    throw Error("OpenSSL: EVP_DigestUpdate failed");
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->ctx, digest, &length) != 1)
    throw Error("OpenSSL: EVP_DigestFinal_ex failed");
  static const char* hex = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_file(const std::filesystem::path& file, void (*progress)(std::uint64_t, void*),
                        void* progress_context) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // 1 MiB reads keep the syscall cost far below the hashing cost.
  std::vector<unsigned char> buffer(1 << 20);
  Sha256 hasher;
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw Error("reading " + file.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
    if (progress) progress(total, progress_context);
  }
  ::close(fd);
  return hasher.finish();
}

std::string sha256_bytes(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes.data(), bytes.size());
  return hasher.finish();
}

bool is_full_digest(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace modelzoo::cache
