// A bounded reader of zip archives as torch.save writes them: stored
// (uncompressed) entries whose data can be viewed in place in the mapped
// file, ZIP64 for archives over 4 GiB. Every offset and size is checked
// against the file; overlapping entries are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace modelzoo::formats {

struct ZipEntry {
  uint64_t data_offset = 0;  ///< of the entry's bytes in the file
  uint64_t size = 0;
  bool stored = true;  ///< method 0; torch.save stores everything
};

/// Entries by name. Throws modelzoo::Error ("corrupted or incomplete zip
/// archive in NAME: …").
std::map<std::string, ZipEntry> read_zip_directory(const uint8_t* data, size_t size,
                                                   const std::string& name);

}  // namespace modelzoo::formats
