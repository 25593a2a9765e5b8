// Writing small state files (trust store entries, statements, the version
// ledger, the registry cache) so a reader never sees half of one: write a
// temporary file in the same directory, fsync, rename over the target.
#pragma once

#include <sys/types.h>

#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// Throws modelzoo::Error naming the path on failure.
MODELZOO_API void write_file_atomically(const std::string& path, const std::string& contents, mode_t mode);

/// Reads the whole file into *contents; false when it cannot be opened.
MODELZOO_API bool read_whole_file(const std::string& path, std::string* contents);

}  // namespace modelzoo
