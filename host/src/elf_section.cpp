#include "modelzoo/host/elf_section.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "modelzoo/sdk/error.h"

namespace modelzoo {
namespace {

// Owns the descriptor and the libelf handle so every exit path closes both.
class ElfFile {
 public:
  // Borrows `fd`; the caller keeps it open and closes it.
  explicit ElfFile(int fd) : fd_(fd) {
    static std::once_flag version_once;
    std::call_once(version_once, [] { elf_version(EV_CURRENT); });
    struct stat st{};
    if (::fstat(fd_, &st) != 0) throw Error("cannot stat: " + std::string(std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) throw Error("not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ == 0) throw Error("empty file (0 bytes): not a plugin");
    elf_ = elf_begin(fd_, ELF_C_READ_MMAP, nullptr);
    if (!elf_) throw Error(std::string("not readable as ELF: ") + elf_errmsg(-1));
  }
  ~ElfFile() {
    if (elf_) elf_end(elf_);
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  Elf* elf() const { return elf_; }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  Elf* elf_ = nullptr;
};

[[noreturn]] void corrupted(const std::string& what) {
  throw Error("truncated or corrupted ELF file (" + what + ")");
}

}  // namespace

std::string read_elf_section(const std::string& path, const std::string& section_name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open: " + std::string(std::strerror(errno)));
  try {
    std::string text = read_elf_section(fd, section_name);
    ::close(fd);
    return text;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::string read_elf_section(int fd, const std::string& section_name) {
  ElfFile file(fd);
  if (elf_kind(file.elf()) != ELF_K_ELF) throw Error("not an ELF file");

  GElf_Ehdr header;
  if (!gelf_getehdr(file.elf(), &header)) corrupted(std::string("header: ") + elf_errmsg(-1));
  if (header.e_shoff == 0 || header.e_shoff >= file.size()) corrupted("no section header table");

  size_t names_index = 0;
  if (elf_getshdrstrndx(file.elf(), &names_index) != 0)
    corrupted(std::string("section names: ") + elf_errmsg(-1));

  Elf_Scn* section = nullptr;
  while ((section = elf_nextscn(file.elf(), section)) != nullptr) {
    GElf_Shdr section_header;
    if (!gelf_getshdr(section, &section_header))
      corrupted(std::string("section header: ") + elf_errmsg(-1));
    const char* name = elf_strptr(file.elf(), names_index, section_header.sh_name);
    if (!name) corrupted(std::string("section name: ") + elf_errmsg(-1));
    if (section_name != name) continue;

    if (section_header.sh_type == SHT_NOBITS) corrupted("section " + section_name + " has no data");
    if (section_header.sh_offset > file.size() ||
        section_header.sh_size > file.size() - section_header.sh_offset)
      corrupted("section " + section_name + " extends past the end of the file");
    Elf_Data* data = elf_rawdata(section, nullptr);
    if (!data || (!data->d_buf && data->d_size != 0))
      corrupted(std::string("section data: ") + elf_errmsg(-1));
    const char* bytes = static_cast<const char*>(data->d_buf);
    const size_t length = strnlen(bytes, data->d_size);
    return std::string(bytes, length);
  }
  if (elf_errno() != 0) corrupted(elf_errmsg(-1));
  throw Error("no '" + section_name +
              "' section: not a modelzoo plugin (build it with modelzoo_add_plugin)");
}

}  // namespace modelzoo
