// A local Hugging Face snapshot directory given where a weights file goes
// (`--weights DIR`, PretrainedOptions::weights): the C++ counterpart of
// `from_pretrained("./dir")`. The directory stands for the variant: each of
// the variant's files found in it by its published name is used in its
// role, and its config.json sets the config keys the entrypoint declares.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"

namespace modelzoo {

struct SnapshotDirectory {
  /// The variant's files present in the directory, in manifest order. When
  /// the variant's weights are not all there under their names, the
  /// directory itself is the one weights entry (Weights::from_path finds
  /// its index or its one weights file).
  std::vector<PretrainedFile> files;
  /// The keys of the directory's config.json that the entrypoint's config
  /// declares, type-checked; the rest of a Hugging Face config.json
  /// (architectures, torch_dtype, …) describes nothing modelzoo builds.
  nlohmann::json config = nlohmann::json::object();
};

/// Reads `dir` for `entry` (and its `variant`, when it has one). Throws
/// Error naming the file and the key when config.json is malformed or gives
/// a declared key a value of another type.
SnapshotDirectory read_snapshot_directory(const std::filesystem::path& dir,
                                          const RegisteredEntrypoint& entry,
                                          const WeightVariant* variant);

}  // namespace modelzoo
