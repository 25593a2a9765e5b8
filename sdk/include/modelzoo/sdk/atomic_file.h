// Writing small state files (trust store entries, statements, the version
// ledger, the registry cache) so a reader never sees half of one: write a
// temporary file in the same directory, fsync, rename over the target.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// Throws modelzoo::Error naming the path on failure.
MODELZOO_API void write_file_atomically(const std::string& path, const std::string& contents,
                                        mode_t mode);

/// Reads the whole file into *contents; false when it cannot be opened or
/// is not a regular file (a FIFO or a device is never opened for reading).
MODELZOO_API bool read_whole_file(const std::string& path, std::string* contents);

/// The contents of the regular file at `path`; nullopt when nothing is
/// there. Throws modelzoo::Error naming the file when it is something else
/// (a FIFO would block the reader, a device never ends), is larger than
/// `max_bytes`, or cannot be read.
MODELZOO_API std::optional<std::string> read_regular_file(const std::string& path,
                                                          size_t max_bytes);

}  // namespace modelzoo
