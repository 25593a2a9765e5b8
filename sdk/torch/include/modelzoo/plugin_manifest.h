// Embeds a plugin's manifest in its `.modelzoo_manifest` ELF section, where
// the host reads it without loading the plugin. Used by the source file that
// modelzoo_add_plugin() generates from the plugin's manifest.json; plugin
// authors do not include it themselves.
//
// The "build" object is assembled here from compiler and LibTorch macros, so
// the ABI tuple is the one the plugin was really compiled with. It comes
// after the author's part: even if manifest.json smuggled in a `,"build":…`
// of its own, a reader that keeps the last duplicate key would see the real
// one — and the host refuses documents with duplicate keys outright.
#pragma once

#include <torch/csrc/api/include/torch/version.h>

#include "modelzoo/sdk/abi_version.h"

#if defined(__clang__)
#define MODELZOO_COMPILER_ID "clang-" MODELZOO_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define MODELZOO_COMPILER_ID "gcc-" MODELZOO_STRINGIFY(__GNUC__)
#else
#error "modelzoo plugins are built with GCC or Clang"
#endif

// The manifest is one NUL-terminated JSON document; `used` keeps it through
// --gc-sections, and the section is allocated so it is part of the file
// image the host maps.
#define MODELZOO_PLUGIN_MANIFEST(plugin_json_literal)                                      \
  extern "C" __attribute__((section(".modelzoo_manifest"), used, aligned(1)))              \
  const char modelzoo_embedded_manifest[] =                                                \
      "{\"format\":1,\"plugin\":" plugin_json_literal                                      \
      ",\"build\":{\"sdk_abi\":\"" MODELZOO_SDK_ABI_STRING "\",\"torch\":\"" TORCH_VERSION \
      "\",\"cxx11_abi\":" MODELZOO_STRINGIFY(                                              \
          _GLIBCXX_USE_CXX11_ABI) ",\"compiler\":\"" MODELZOO_COMPILER_ID "\"}}";
