#include "modelzoo/host/elf_section.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/on_demand_library.h"

namespace modelzoo {
namespace {

// libelf, bound on first use rather than linked (on_demand_library.h): a
// start that finds every plugin in the registry cache reads no ELF file,
// and need not map libelf and libz.
struct LibElf {
  decltype(&::elf_version) version;
  decltype(&::elf_begin) begin;
  decltype(&::elf_end) end;
  decltype(&::elf_errmsg) errmsg;
  decltype(&::elf_errno) errno_;
  decltype(&::elf_kind) kind;
  decltype(&::gelf_getehdr) getehdr;
  decltype(&::elf_getshdrstrndx) getshdrstrndx;
  decltype(&::elf_nextscn) nextscn;
  decltype(&::gelf_getshdr) getshdr;
  decltype(&::elf_strptr) strptr;
  decltype(&::elf_rawdata) rawdata;
  decltype(&::elf_getdata) getdata;
  decltype(&::gelf_getdyn) getdyn;
};

LibElf load_libelf() {
  const OnDemandLibrary lib("libelf.so.1", "reading plugin files", "libelf1");
  LibElf api{};
  lib.bind(api.version, "elf_version");
  lib.bind(api.begin, "elf_begin");
  lib.bind(api.end, "elf_end");
  lib.bind(api.errmsg, "elf_errmsg");
  lib.bind(api.errno_, "elf_errno");
  lib.bind(api.kind, "elf_kind");
  lib.bind(api.getehdr, "gelf_getehdr");
  lib.bind(api.getshdrstrndx, "elf_getshdrstrndx");
  lib.bind(api.nextscn, "elf_nextscn");
  lib.bind(api.getshdr, "gelf_getshdr");
  lib.bind(api.strptr, "elf_strptr");
  lib.bind(api.rawdata, "elf_rawdata");
  lib.bind(api.getdata, "elf_getdata");
  lib.bind(api.getdyn, "gelf_getdyn");
  api.version(EV_CURRENT);
  return api;
}

const LibElf& libelf() {
  static const LibElf api = load_libelf();  // a failed load throws, and is retried next call
  return api;
}

// Owns the descriptor and the libelf handle so every exit path closes both.
class ElfFile {
 public:
  // Borrows `fd`; the caller keeps it open and closes it.
  explicit ElfFile(int fd) : fd_(fd) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw Error("cannot stat: " + std::string(std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) throw Error("not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ == 0) throw Error("empty file (0 bytes): not a plugin");
    elf_ = libelf().begin(fd_, ELF_C_READ_MMAP, nullptr);
    if (!elf_) throw Error(std::string("not readable as ELF: ") + libelf().errmsg(-1));
  }
  ~ElfFile() {
    if (elf_) libelf().end(elf_);
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
  if (libelf().kind(file.elf()) != ELF_K_ELF) throw Error("not an ELF file");

  GElf_Ehdr header;
  if (!libelf().getehdr(file.elf(), &header))
    corrupted(std::string("header: ") + libelf().errmsg(-1));
  if (header.e_shoff == 0 || header.e_shoff >= file.size()) corrupted("no section header table");

  size_t names_index = 0;
  if (libelf().getshdrstrndx(file.elf(), &names_index) != 0)
    corrupted(std::string("section names: ") + libelf().errmsg(-1));

  Elf_Scn* section = nullptr;
  while ((section = libelf().nextscn(file.elf(), section)) != nullptr) {
    GElf_Shdr section_header;
    if (!libelf().getshdr(section, &section_header))
      corrupted(std::string("section header: ") + libelf().errmsg(-1));
    const char* name = libelf().strptr(file.elf(), names_index, section_header.sh_name);
    if (!name) corrupted(std::string("section name: ") + libelf().errmsg(-1));
    if (section_name != name) continue;

    if (section_header.sh_type == SHT_NOBITS) corrupted("section " + section_name + " has no data");
    if (section_header.sh_offset > file.size() ||
        section_header.sh_size > file.size() - section_header.sh_offset)
      corrupted("section " + section_name + " extends past the end of the file");
    Elf_Data* data = libelf().rawdata(section, nullptr);
    if (!data || (!data->d_buf && data->d_size != 0))
      corrupted(std::string("section data: ") + libelf().errmsg(-1));
    if (data->d_size == 0)
      throw Error("the '" + section_name +
                  "' section is empty: rebuild the plugin with modelzoo_add_plugin");
    const char* bytes = static_cast<const char*>(data->d_buf);
    const size_t length = strnlen(bytes, data->d_size);
    return std::string(bytes, length);
  }
  if (libelf().errno_() != 0) corrupted(libelf().errmsg(-1));
  throw Error("no '" + section_name +
              "' section: not a modelzoo plugin (build it with modelzoo_add_plugin)");
}

ElfDependencies read_elf_dependencies(int fd) {
  ElfFile file(fd);
  if (libelf().kind(file.elf()) != ELF_K_ELF) throw Error("not an ELF file");
  ElfDependencies out;
  std::string runpath, rpath;
  Elf_Scn* section = nullptr;
  while ((section = libelf().nextscn(file.elf(), section)) != nullptr) {
    GElf_Shdr header;
    if (!libelf().getshdr(section, &header))
      corrupted(std::string("section header: ") + libelf().errmsg(-1));
    if (header.sh_type != SHT_DYNAMIC) continue;
    if (header.sh_offset > file.size() || header.sh_size > file.size() - header.sh_offset)
      corrupted("the dynamic section extends past the end of the file");
    Elf_Data* data = libelf().getdata(section, nullptr);
    if (!data) corrupted(std::string("dynamic section: ") + libelf().errmsg(-1));
    const size_t entry_size = header.sh_entsize ? header.sh_entsize : sizeof(Elf64_Dyn);
    const size_t count = header.sh_size / entry_size;
    for (size_t i = 0; i < count; ++i) {
      GElf_Dyn entry;
      if (!libelf().getdyn(data, static_cast<int>(i), &entry)) break;
      if (entry.d_tag == DT_NULL) break;
      if (entry.d_tag != DT_NEEDED && entry.d_tag != DT_RUNPATH && entry.d_tag != DT_RPATH)
        continue;
      const char* text = libelf().strptr(file.elf(), header.sh_link, entry.d_un.d_val);
      if (!text) corrupted(std::string("dynamic string: ") + libelf().errmsg(-1));
      if (entry.d_tag == DT_NEEDED)
        out.needed.emplace_back(text);
      else if (entry.d_tag == DT_RUNPATH)
        runpath = text;
      else
        rpath = text;
    }
    break;  // one dynamic section per object
  }
  // The loader ignores DT_RPATH when DT_RUNPATH is present.
  const std::string& path = runpath.empty() ? rpath : runpath;
  for (size_t start = 0; start <= path.size() && !path.empty();) {
    const size_t end = std::min(path.find(':', start), path.size());
    if (end > start) out.search_path.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace modelzoo
