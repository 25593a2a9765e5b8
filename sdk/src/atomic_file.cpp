#include "modelzoo/sdk/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "modelzoo/sdk/error.h"

namespace modelzoo {

void write_file_atomically(const std::string& path, const std::string& contents, mode_t mode) {
  const std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t written = 0;
  bool ok = fchmod(fd, mode) == 0;
  while (ok && written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  const int saved = errno;
  ok = ok && fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw Error("cannot write " + path + ": " + std::strerror(saved ? saved : errno));
  }
}

namespace {

enum class ReadOutcome { kRead, kMissing, kNotRegular, kTooLarge, kFailed };

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
// It does not change how a regular file reads.
ReadOutcome read_if_regular(const std::string& path, size_t max_bytes, std::string* contents,
                            int* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    *error = errno;
    return errno == ENOENT ? ReadOutcome::kMissing : ReadOutcome::kFailed;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = errno;
    ::close(fd);
    return ReadOutcome::kFailed;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return ReadOutcome::kNotRegular;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return ReadOutcome::kTooLarge;
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = errno;
      ::close(fd);
      return ReadOutcome::kFailed;
    }
    if (n == 0) break;  // the file shrank; keep what was read
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  *contents = std::move(data);
  return ReadOutcome::kRead;
}

}  // namespace

bool read_whole_file(const std::string& path, std::string* contents) {
  int error = 0;
  return read_if_regular(path, SIZE_MAX, contents, &error) == ReadOutcome::kRead;
}

std::optional<std::string> read_regular_file(const std::string& path, size_t max_bytes) {
  std::string contents;
  int error = 0;
  switch (read_if_regular(path, max_bytes, &contents, &error)) {
    case ReadOutcome::kRead:
      return contents;
    case ReadOutcome::kMissing:
      return std::nullopt;
    case ReadOutcome::kNotRegular:
      throw Error(path + " is not a regular file (a FIFO, device or directory): remove it");
    case ReadOutcome::kTooLarge:
      throw Error(path + " is larger than " + std::to_string(max_bytes) +
                  " bytes, too large for what it should hold: remove it");
    case ReadOutcome::kFailed:
      break;
  }
  throw Error("cannot read " + path + ": " + std::strerror(error));
}

}  // namespace modelzoo
