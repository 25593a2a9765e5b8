#include "hashing_writer.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "modelzoo/sdk/error.h"

namespace modelzoo::cache {
namespace {
constexpr std::size_t kChunkSize = 1 << 20;
constexpr std::size_t kMaxChunks = 8;

void write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      throw WriteFailure("writing " + path.string() + ": " + std::strerror(err), err);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}
}  // namespace

HashingWriter::HashingWriter(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    int err = errno;
    throw WriteFailure("cannot create " + path.string() + ": " + std::strerror(err), err);
  }
  current_ = std::make_unique<Chunk>(kChunkSize);
  chunks_total_ = 1;
  // A hashing thread pays off only with a core to spare: on one or two
  // (shared) cores it competes with the transfer, and hashing each chunk
  // right after copying it (still in cache) is as fast and steadier.
  // MODELZOO_HASH_THREAD=1/0 overrides the choice.
  const char* force = std::getenv("MODELZOO_HASH_THREAD");
  threaded_ = force && *force ? std::string(force) != "0" : std::thread::hardware_concurrency() > 2;
  if (threaded_) thread_ = std::thread([this] { hash_loop(); });
}

HashingWriter::~HashingWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void HashingWriter::hash_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !to_hash_.empty(); });
    if (to_hash_.empty()) return;  // stop_
    std::unique_ptr<Chunk> chunk = std::move(to_hash_.front());
    to_hash_.pop_front();
    busy_ = true;
    lock.unlock();
    // The chunk's size() is its used length (set before it was queued).
    hasher_.update(chunk->data(), chunk->size());
    lock.lock();
    busy_ = false;
    chunk->resize(kChunkSize);
    free_.push_back(std::move(chunk));
    cv_.notify_all();
  }
}

void HashingWriter::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return to_hash_.empty() && !busy_; });
}

std::uint64_t HashingWriter::adopt_existing() {
  drain();
  hasher_.reset();
  std::vector<char> buffer(kChunkSize);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(total));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("reading partial file " + path_.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    hasher_.update(buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
  }
  if (::lseek(fd_, static_cast<off_t>(total), SEEK_SET) < 0)
    throw Error("seeking in " + path_.string() + ": " + std::strerror(errno));
  size_ = total;
  current_used_ = 0;
  return total;
}

void HashingWriter::restart() {
  drain();
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0) {
    int err = errno;
    throw WriteFailure("truncating " + path_.string() + ": " + std::strerror(err), err);
  }
  hasher_.reset();
  size_ = 0;
  current_used_ = 0;
}

void HashingWriter::flush_current() {
  if (current_used_ == 0) return;
  write_all(fd_, current_->data(), current_used_, path_);
  if (!threaded_) {
    hasher_.update(current_->data(), current_used_);
    current_used_ = 0;
    return;
  }
  current_->resize(current_used_);
  std::unique_ptr<Chunk> next;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    to_hash_.push_back(std::move(current_));
    cv_.notify_all();
    if (free_.empty() && chunks_total_ < kMaxChunks) {
      ++chunks_total_;
      lock.unlock();
      next = std::make_unique<Chunk>(kChunkSize);
    } else {
      cv_.wait(lock, [this] { return !free_.empty(); });
      next = std::move(free_.back());
      free_.pop_back();
    }
  }
  current_ = std::move(next);
  current_used_ = 0;
}

void HashingWriter::append(const char* data, std::size_t size) {
  if (!threaded_ && current_used_ == 0 && size >= (64 << 10)) {
    // Inline mode and a large piece (libcurl hands over up to 512 KiB):
    // write and hash it in place, no copy.
    write_all(fd_, data, size, path_);
    hasher_.update(data, size);
    size_ += size;
    return;
  }
  while (size > 0) {
    std::size_t n = std::min(size, kChunkSize - current_used_);
    std::memcpy(current_->data() + current_used_, data, n);
    current_used_ += n;
    size_ += n;
    data += n;
    size -= n;
    if (current_used_ == kChunkSize) flush_current();
  }
}

std::string HashingWriter::finish(bool fsync) {
  flush_current();
  drain();
  if (fsync && ::fsync(fd_) != 0) {
    int err = errno;
    throw WriteFailure("fsync " + path_.string() + ": " + std::strerror(err), err);
  }
  return hasher_.finish();
}

}  // namespace modelzoo::cache
