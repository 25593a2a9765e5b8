#include "modelzoo/host/compatibility.h"

// Only the version macros: the host records which LibTorch it pairs with
// without linking it.
#include <torch/csrc/api/include/torch/version.h>

#include "modelzoo/sdk/abi_version.h"

namespace modelzoo {

BuildInfo host_build_info() {
  BuildInfo b;
  b.sdk_abi_major = MODELZOO_SDK_ABI_MAJOR;
  b.sdk_abi_minor = MODELZOO_SDK_ABI_MINOR;
  b.torch = TORCH_VERSION;
  b.cxx11_abi = _GLIBCXX_USE_CXX11_ABI;
#if defined(__clang__)
  b.compiler = "clang-" MODELZOO_STRINGIFY(__clang_major__);
#else
  b.compiler = "gcc-" MODELZOO_STRINGIFY(__GNUC__);
#endif
  return b;
}

std::optional<std::string> incompatibility(const BuildInfo& plugin, const BuildInfo& host) {
  const auto abi = [](const BuildInfo& b) {
    return std::to_string(b.sdk_abi_major) + "." + std::to_string(b.sdk_abi_minor);
  };
  if (plugin.sdk_abi_major != host.sdk_abi_major)
    return "SDK ABI " + abi(plugin) + ", host supports " + std::to_string(host.sdk_abi_major) +
           ".x — rebuild against modelzoo SDK " + std::to_string(host.sdk_abi_major);
  if (plugin.sdk_abi_minor > host.sdk_abi_minor)
    return "SDK ABI " + abi(plugin) + " is newer than this host's " + abi(host) +
           " — update modelzoo, or rebuild the plugin against SDK " + abi(host);
  if (plugin.torch != host.torch)
    return "built with LibTorch " + plugin.torch + ", host uses " + host.torch +
           " — rebuild the plugin against LibTorch " + host.torch;
  if (plugin.cxx11_abi != host.cxx11_abi)
    return "built with _GLIBCXX_USE_CXX11_ABI=" + std::to_string(plugin.cxx11_abi) +
           ", host uses " + std::to_string(host.cxx11_abi) +
           " — rebuild the plugin with the host's C++ ABI";
  return std::nullopt;
}

}  // namespace modelzoo
