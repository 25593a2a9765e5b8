#include "modelzoo/cache/sha256.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "modelzoo/sdk/error.h"
#include "openssl_digest.h"

namespace modelzoo::cache {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  EVP_MD* md = nullptr;
};

using detail::openssl_digest;

Sha256::Sha256() : state_(std::make_unique<State>()) {
  // Fetch the implementation once per object instead of per init (OpenSSL 3).
  state_->md = openssl_digest().md_fetch(nullptr, "SHA256", nullptr);
  state_->ctx = openssl_digest().ctx_new();
  if (!state_->md || !state_->ctx) throw Error("OpenSSL: cannot create a SHA-256 context");
  reset();
}

Sha256::~Sha256() {
  openssl_digest().ctx_free(state_->ctx);
  openssl_digest().md_free(state_->md);
}

void Sha256::reset() {
  if (openssl_digest().init(state_->ctx, state_->md, nullptr) != 1)
    throw Error("OpenSSL: EVP_DigestInit_ex(SHA-256) failed");
}

void Sha256::update(const void* data, std::size_t size) {
  if (size && openssl_digest().update(state_->ctx, data, size) != 1)
    throw Error("OpenSSL: EVP_DigestUpdate failed");
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (openssl_digest().final(state_->ctx, digest, &length) != 1)
    throw Error("OpenSSL: EVP_DigestFinal_ex failed");
  static const char* hex = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

namespace {

std::string hash_fd_serial(int fd, const std::filesystem::path& file,
                           void (*progress)(std::uint64_t, void*), void* context) {
  std::vector<unsigned char> buffer(1 << 20);
  Sha256 hasher;
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("reading " + file.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
    if (progress) progress(total, context);
  }
  return hasher.finish();
}

// Large files: a reader thread fills 1 MiB blocks while this thread hashes,
// so the copy out of the page cache overlaps with SHA-256 (which is the
// bottleneck). read(2) rather than mmap: a file truncated under us gives a
// short read, not SIGBUS.
std::string hash_fd_pipelined(int fd, const std::filesystem::path& file,
                              void (*progress)(std::uint64_t, void*), void* context) {
  constexpr std::size_t kBlock = 1 << 20;
  constexpr std::size_t kSlots = 4;
  struct Slot {
    std::vector<unsigned char> data = std::vector<unsigned char>(kBlock);
    std::size_t used = 0;
    bool full = false;
  };
  std::array<Slot, kSlots> slots;
  std::mutex mutex;
  std::condition_variable cv;
  bool eof = false, stop = false;
  int read_error = 0;

  std::thread reader([&] {
    for (std::size_t i = 0;; i = (i + 1) % kSlots) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return !slots[i].full || stop; });
        if (stop) return;
      }
      std::size_t used = 0;
      while (used < kBlock) {
        ssize_t n = ::read(fd, slots[i].data.data() + used, kBlock - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          std::lock_guard<std::mutex> lock(mutex);
          if (n < 0) read_error = errno;
          eof = true;
          break;
        }
        used += static_cast<std::size_t>(n);
      }
      std::lock_guard<std::mutex> lock(mutex);
      slots[i].used = used;
      slots[i].full = used > 0;
      cv.notify_all();
      if (eof) return;
    }
  });

  Sha256 hasher;
  std::uint64_t total = 0;
  try {
    for (std::size_t i = 0;; i = (i + 1) % kSlots) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return slots[i].full || eof; });
        if (!slots[i].full) break;  // eof and nothing left in this slot
      }
      hasher.update(slots[i].data.data(), slots[i].used);
      total += slots[i].used;
      if (progress) progress(total, context);
      std::lock_guard<std::mutex> lock(mutex);
      slots[i].full = false;
      cv.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    cv.notify_all();
    reader.join();
    throw;
  }
  reader.join();
  if (read_error) throw Error("reading " + file.string() + ": " + std::strerror(read_error));
  return hasher.finish();
}

}  // namespace

std::string sha256_file(const std::filesystem::path& file, void (*progress)(std::uint64_t, void*),
                        void* progress_context) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct stat st {};
  // The reader thread moves the copy out of the page cache (12-33 % on top
  // of the hashing here) to a second core. Measured on this 2-core VM at
  // load 8-11 (bench/cache): the thread beat serial reads in 4 of 5 paired
  // runs of 1 GiB (0.78-0.87x of `openssl speed` against 0.70-0.74x); on
  // one core it can only compete with the hashing. MODELZOO_HASH_THREAD=1/0
  // overrides the choice (as for downloads).
  const char* force = std::getenv("MODELZOO_HASH_THREAD");
  const bool spare_core =
      force && *force ? std::string(force) != "0" : std::thread::hardware_concurrency() >= 2;
  bool large = spare_core && ::fstat(fd, &st) == 0 && st.st_size >= (16 << 20);
  try {
    std::string hex = large ? hash_fd_pipelined(fd, file, progress, progress_context)
                            : hash_fd_serial(fd, file, progress, progress_context);
    ::close(fd);
    return hex;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::string sha256_file_pipelined(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
  try {
    std::string hex = hash_fd_pipelined(fd, file, nullptr, nullptr);
    ::close(fd);
    return hex;
  } catch (...) {
    ::close(fd);
    throw;
  }
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
