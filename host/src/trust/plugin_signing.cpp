#include "modelzoo/trust/plugin_signing.h"

#include <fcntl.h>
#include <unistd.h>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/crypto.h"

namespace modelzoo::trust {

PluginFile read_plugin_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path);
  PluginFile out;
  try {
    out.facts.path = path;
    out.manifest_text = read_elf_section(fd, kManifestSection);
    out.facts.manifest_sha256 = sha256_hex(out.manifest_text);
    out.facts.sha256 = sha256_of_fd(fd, &out.facts.size);
    out.manifest = parse_manifest_document(out.manifest_text);
  } catch (...) {
    ::close(fd);
    rethrow_with_context("reading plugin " + path);
  }
  ::close(fd);
  return out;
}

SignedStatement sign_plugin_file(const std::string& path, const std::string& private_pem,
                                 const std::string& issued) {
  const PluginFile file = read_plugin_file(path);
  SignedStatement s;
  s.statement = make_statement(file.manifest, file.manifest_text, file.facts.sha256,
                               file.facts.size, key_id(public_key_of(private_pem)), issued);
  s.signature = sign(private_pem, canonical_text(s.statement));
  write_statement(path, s);
  return s;
}

}  // namespace modelzoo::trust
