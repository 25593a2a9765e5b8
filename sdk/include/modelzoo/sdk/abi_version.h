// The SDK ABI version that plugins are built against and that the host
// accepts. A plugin is compatible when its major equals the host's and its
// minor is not newer than the host's. Bump the major for any change to the
// entry contract (plugin_abi.h) or to the Model base class layout; bump the
// minor for additions a newer plugin may rely on.
//
// 1.0 is frozen by the first tagged release (v0.1.0). Until then it is still
// being defined and changes land without a bump — Model::load_weights became
// virtual with the vision family — because no plugin built against an
// earlier 1.0 exists outside this tree. From the tag on, the rule above holds.
//
// 1.1: pretrained loaders and plugin commands (plugin_abi.h), appended to
// PluginExports; a 1.0 plugin still loads and builds models.
//
// 1.2: CommandCall::read_line and ::interrupted (interactive commands),
// appended to CommandCall; a 1.1 plugin's commands still run.
#pragma once

#define MODELZOO_SDK_ABI_MAJOR 1
#define MODELZOO_SDK_ABI_MINOR 2

#define MODELZOO_STRINGIFY_IMPL(x) #x
#define MODELZOO_STRINGIFY(x) MODELZOO_STRINGIFY_IMPL(x)
#define MODELZOO_SDK_ABI_STRING \
  MODELZOO_STRINGIFY(MODELZOO_SDK_ABI_MAJOR) "." MODELZOO_STRINGIFY(MODELZOO_SDK_ABI_MINOR)
