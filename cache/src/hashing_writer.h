// Appends a download to a partial file while hashing it. The caller's thread
// copies into 1 MiB chunks and writes each full chunk with one write(2); on
// machines with cores to spare a second thread hashes the chunks, so hashing
// overlaps with the transfer and a pull runs at the speed of the slower of
// the two, not their sum.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "modelzoo/cache/sha256.h"

namespace modelzoo::cache {

/// A failed write(2): errno kept so the caller can say "disk full".
class WriteFailure : public std::runtime_error {
 public:
  WriteFailure(const std::string& message, int error)
      : std::runtime_error(message), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

class HashingWriter {
 public:
  /// Opens (creates) `path` for writing; existing content is kept until
  /// restart() or consumed by adopt_existing().
  explicit HashingWriter(const std::filesystem::path& path);
  ~HashingWriter();
  HashingWriter(const HashingWriter&) = delete;
  HashingWriter& operator=(const HashingWriter&) = delete;

  /// Hashes the bytes already in the file (a resumed partial) and positions
  /// at its end; returns their count.
  std::uint64_t adopt_existing();
  /// Truncates to zero bytes and starts the hash over.
  void restart();
  /// Throws WriteFailure.
  void append(const char* data, std::size_t size);
  std::uint64_t size() const { return size_; }
  /// Flushes, waits for the hasher, optionally fsyncs; returns the digest.
  std::string finish(bool fsync);

 private:
  using Chunk = std::vector<char>;
  void flush_current();
  void drain();
  void hash_loop();

  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  Sha256 hasher_;  // touched by the hash thread only, except while drained
  std::unique_ptr<Chunk> current_;
  std::size_t current_used_ = 0;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> to_hash_;  // FIFO: hash order = file order
  std::vector<std::unique_ptr<Chunk>> free_;
  std::size_t chunks_total_ = 0;
  bool busy_ = false;
  bool threaded_ = true;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace modelzoo::cache
