// SHA-256 over OpenSSL 3's EVP interface (SHA-NI where the CPU has it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "modelzoo/sdk/export.h"

namespace modelzoo::cache {

/// Incremental SHA-256. Not copyable; `reset()` starts over.
class MODELZOO_API Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  /// Lower-case hex digest; the object must be reset() before reuse.
  std::string finish();
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// SHA-256 of a file, read in 1 MiB blocks. `progress(bytes_so_far)` is
/// called after every block when given. Throws modelzoo::Error naming the file.
MODELZOO_API std::string sha256_file(const std::filesystem::path& file,
                                     void (*progress)(std::uint64_t, void*) = nullptr,
                                     void* progress_context = nullptr);

/// sha256_file with a reader thread feeding the hashing thread, whatever the
/// file size and core count (sha256_file picks it for files >= 16 MiB when
/// two or more cores are available).
MODELZOO_API std::string sha256_file_pipelined(const std::filesystem::path& file);

/// SHA-256 of a buffer (tests, small files).
MODELZOO_API std::string sha256_bytes(std::string_view bytes);

/// True for 64 lower-case hex digits.
MODELZOO_API bool is_full_digest(std::string_view hex);

}  // namespace modelzoo::cache
