// Runs a child process for the tests: argv, extra environment, captured
// stdout/stderr and exit code. Output goes through temporary files, so a
// chatty child can never block on a full pipe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace modelzoo::test {

struct ProcessResult {
  int exit_code = -1;  ///< exit status, or 128+signal
  std::string out;
  std::string err;
};

/// Runs `argv` with the current environment plus `env` (NAME, VALUE pairs;
/// an empty VALUE unsets NAME).
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env = {});

/// A fresh empty directory under the system temp dir, removed on scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace modelzoo::test

namespace modelzoo::test {
/// SHA-256 of a file, computed with coreutils' sha256sum (an independent
/// implementation to check modelzoo's against).
std::string sha256_of_file(const std::string& path);
}  // namespace modelzoo::test

namespace modelzoo::test {
/// SHA-256 of bytes, computed with coreutils' sha256sum.
std::string sha256_of_bytes(const std::string& bytes);
}  // namespace modelzoo::test
