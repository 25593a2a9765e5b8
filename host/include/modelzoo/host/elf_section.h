// Reads one named section out of an ELF file without loading it: how the
// host gets a plugin's manifest before any of the plugin's code may run;
// and the file's dependencies (DT_NEEDED, DT_RUNPATH), which the host
// resolves itself (plugin_dependencies.h).
// Uses libelf; every offset and size is checked against the file size, so an
// empty, truncated or non-ELF file yields an error, never a crash.
#pragma once

#include <string>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// Contents of section `section_name` in the ELF file at `path`, up to the
/// first NUL byte. Throws modelzoo::Error saying what is wrong with the file
/// ("empty file", "not an ELF file", "truncated or corrupted ELF", "no
/// section ...").
MODELZOO_API std::string read_elf_section(const std::string& path, const std::string& section_name);

/// The same, from an open descriptor (its offset is not used), so a caller
/// can check and later load one and the same file.
MODELZOO_API std::string read_elf_section(int fd, const std::string& section_name);

/// What the dynamic loader reads to find a shared object's dependencies.
struct ElfDependencies {
  std::vector<std::string> needed;       ///< DT_NEEDED sonames, in order
  std::vector<std::string> search_path;  ///< DT_RUNPATH (else DT_RPATH), split at ':'
};

/// The dependencies of the ELF file open on `fd`; empty for a file without a
/// dynamic section. Throws modelzoo::Error as read_elf_section does.
MODELZOO_API ElfDependencies read_elf_dependencies(int fd);

}  // namespace modelzoo
