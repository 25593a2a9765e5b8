// Weights: a checkpoint (one safetensors or PyTorch .pth file, told apart
// by magic bytes, or the shards of a sharded safetensors checkpoint) seen as
// tensors, and applied to a model.
//
//   auto w = modelzoo::Weights::from_file("resnet50-11ad3fa6.pth");
//   auto s = modelzoo::Weights::from_file("model.safetensors.index.json");  // + its shards
//   auto report = w.load_into(model);            // strict: throws on any mismatch
//   modelzoo::Weights::save(model.state_dict(), "out.safetensors");
//
// Tensors alias the memory-mapped file (torch::from_blob with a deleter that
// keeps the mapping alive), and load_into copies one tensor at a time into
// the model's parameters, so loading never holds a second full copy of the
// weights beyond the mapping.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo {

class Model;

/// How checkpoint names map to the model's, and how strict loading is.
struct LoadOptions {
  /// Missing, unexpected or shape-mismatched keys are an error. Non-strict
  /// loads what fits and reports the rest (a new head, like timm).
  bool strict = true;
  /// Prefixes removed from checkpoint names ("module." from DataParallel).
  std::vector<std::string> strip_prefixes = {"module."};
  /// Exact renames, checkpoint name → model name, applied after stripping.
  std::map<std::string, std::string> renames;
  /// A family's own rule, applied last; returns the model's name.
  std::function<std::string(const std::string&)> remap;
  /// Model keys ending in one of these may be absent even under strict and
  /// keep their value: BatchNorm's step counter, which checkpoints written
  /// before PyTorch 0.4.1 (torchvision's resnet18/34/… V1 files) lack and
  /// which PyTorch's own BatchNorm fills in the same way when it loads them.
  std::vector<std::string> optional_suffixes = {".num_batches_tracked"};
  /// Checkpoint tensors to skip, by model name (after the mapping above):
  /// what a checkpoint carries that the model computes itself or does not
  /// have — GPT-2's causal-mask buffers `attn.bias`, BERT's `position_ids`,
  /// a pre-training head — as Hugging Face's
  /// `_keys_to_ignore_on_load_unexpected`. They are not unexpected even
  /// under strict; LoadReport::ignored lists them.
  std::function<bool(const std::string&)> ignore;
  /// Keys of each kind (missing, unexpected, mismatched) a strict error
  /// names after the counts; the rest are counted only. A pretrained load
  /// lists 5 unless PretrainedOptions::verbose (`modelzoo run --verbose`).
  std::size_t keys_listed = SIZE_MAX;
};

struct ShapeMismatch {
  std::string key;
  std::vector<int64_t> model_shape;
  std::vector<int64_t> checkpoint_shape;
};

/// What load_into did, key by key.
struct MODELZOO_API LoadReport {
  size_t loaded = 0;
  std::vector<std::string> missing;     ///< in the model, not in the checkpoint
  std::vector<std::string> kept;        ///< absent but optional: left as they were
  std::vector<std::string> unexpected;  ///< in the checkpoint, not in the model
  std::vector<std::string> ignored;     ///< in the checkpoint, skipped by LoadOptions::ignore
  std::vector<ShapeMismatch> mismatched;
  /// What a family's load_weights adapted ("fc: new head for 10 classes,
  /// initialised"); informational, not problems.
  std::vector<std::string> notes;
  bool clean() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// The count of each kind first ("2 missing, 220 unexpected, 1
  /// mismatched"), then one line per key (with both shapes for a mismatch),
  /// at most `per_kind` of each kind and how many more there are.
  std::string describe(std::size_t per_kind = SIZE_MAX) const;
};

/// One file of a checkpoint: its published name (what a shard index refers
/// to) and where it is here (a cache blob is named by its digest).
struct WeightsFile {
  std::string name;
  std::string path;
};

class MODELZOO_API Weights {
 public:
  /// A checkpoint file, or a shard index (model.safetensors.index.json)
  /// whose shards lie beside it. Throws modelzoo::Error naming the file and
  /// what is wrong with it.
  static Weights from_file(const std::string& path);
  /// The files of one checkpoint: a single file; shards, merged (no tensor
  /// may appear twice); or shards with their index, which must then name
  /// exactly the tensors the shards hold, each in its own shard.
  static Weights from_files(const std::vector<WeightsFile>& files);
  /// from_file for a file; for a directory (a snapshot), its shard index
  /// (*.safetensors.index.json) or else its one weights file.
  static Weights from_path(const std::string& path);

  /// The first (for a single file, the only) file.
  const formats::TensorFile& file() const { return *files_.front(); }
  /// Every file, in shard order.
  const std::vector<std::shared_ptr<const formats::TensorFile>>& files() const { return files_; }
  const std::string& format() const { return files_.front()->format; }
  /// The file's path, or "<index> (N shards)": for messages.
  const std::string& source() const { return source_; }
  std::vector<std::string> names() const;
  /// Every tensor's view, across shards, in file order.
  const std::vector<const formats::TensorView*>& views() const { return views_; }
  /// The tensor `name`, aliasing the mapped file (read-only: clone() before
  /// writing to it). Throws if there is no such tensor.
  torch::Tensor tensor(const std::string& name) const;
  /// Every tensor, by name, aliasing the file.
  torch::OrderedDict<std::string, torch::Tensor> state_dict() const;

  /// Copies the checkpoint into `module`'s parameters and buffers,
  /// converting dtypes to the module's. Under strict, any problem throws
  /// modelzoo::Error with the whole report and nothing is modified.
  LoadReport load_into(torch::nn::Module& module, const LoadOptions& options = {}) const;
  LoadReport load_into(Model& model, const LoadOptions& options = {}) const;

  /// Writes tensors as safetensors (keys sorted, data aligned).
  static void save(const torch::OrderedDict<std::string, torch::Tensor>& tensors,
                   const std::string& path,
                   const std::map<std::string, std::string>& metadata = {});

 private:
  void add(std::shared_ptr<const formats::TensorFile> file);
  torch::Tensor tensor_of(const formats::TensorView& view) const;
  std::vector<std::shared_ptr<const formats::TensorFile>> files_;
  std::vector<const formats::TensorView*> views_;
  std::vector<std::size_t> file_of_view_;       ///< views_[i] lies in files_[file_of_view_[i]]
  std::map<std::string, std::size_t> by_name_;  ///< name -> index into views_
  std::string source_;
};

/// The model name load_into gives the checkpoint tensor `checkpoint_name`
/// under `options`: prefixes stripped, renames, then the family's remap.
MODELZOO_API std::string model_name_of(const std::string& checkpoint_name,
                                       const LoadOptions& options);

/// The LibTorch dtype of a file dtype, and back.
MODELZOO_API torch::Dtype to_torch_dtype(formats::DType dtype);
MODELZOO_API formats::DType to_file_dtype(torch::Dtype dtype);

}  // namespace modelzoo
