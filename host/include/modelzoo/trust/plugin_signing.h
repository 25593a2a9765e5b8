// Reading a plugin file's facts (digest, size, embedded manifest) without
// loading it, and signing them: what `modelzoo sign` and `modelzoo verify`
// do, as library calls.
#pragma once

#include <string>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/trust/plugin_verifier.h"
#include "modelzoo/trust/statement.h"

namespace modelzoo::trust {

struct PluginFile {
  Manifest manifest;
  std::string manifest_text;
  PluginFileFacts facts;
};

/// Throws modelzoo::Error naming the file.
MODELZOO_API PluginFile read_plugin_file(const std::string& path);

/// Signs the plugin at `path` with `private_pem` and writes its statement
/// next to it; returns what was written.
MODELZOO_API SignedStatement sign_plugin_file(const std::string& path,
                                              const std::string& private_pem,
                                              const std::string& issued);

}  // namespace modelzoo::trust
