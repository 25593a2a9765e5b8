// An exclusive advisory lock on a lock file (flock). The kernel drops it when
// the holder dies, even by SIGKILL, so a crashed downloader never blocks the
// others. It serialises the cache's downloaders (correctness of the store
// does not rest on it, see cache/src/store.h) and the downgrade ledger's
// read-modify-write.
#pragma once

#include <filesystem>
#include <functional>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

class MODELZOO_API FileLock {
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

}  // namespace modelzoo
