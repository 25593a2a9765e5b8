// An exclusive advisory lock on a lock file (flock). The kernel drops it when
// the holder dies, even by SIGKILL, so a crashed downloader never blocks the
// others. It serialises downloaders; correctness of the store does not rest on
// it (see store.h).
#pragma once

#include <filesystem>
#include <functional>

namespace modelzoo::cache {

class FileLock {
 public:
  /// Takes the lock, blocking. `on_wait` is called once, before blocking, when
  /// another process holds it (its pid as written in the file, or 0).
  FileLock(const std::filesystem::path& path, const std::function<void(long holder_pid)>& on_wait);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  bool waited() const { return waited_; }

 private:
  int fd_ = -1;
  bool waited_ = false;
};

}  // namespace modelzoo::cache
