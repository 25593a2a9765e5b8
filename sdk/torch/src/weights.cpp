#include "modelzoo/weights.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "modelzoo/formats/safetensors.h"
#include "modelzoo/formats/shard_index.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo {
namespace {

namespace fs = std::filesystem;

bool is_optional(const std::string& model_name, const LoadOptions& options) {
  for (const auto& suffix : options.optional_suffixes)
    if (model_name.size() >= suffix.size() &&
        model_name.compare(model_name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

}  // namespace

std::string model_name_of(const std::string& checkpoint_name, const LoadOptions& options) {
  std::string name = checkpoint_name;
  for (const auto& prefix : options.strip_prefixes)
    if (name.compare(0, prefix.size(), prefix) == 0) name = name.substr(prefix.size());
  if (auto it = options.renames.find(name); it != options.renames.end()) name = it->second;
  if (options.remap) name = options.remap(name);
  return name;
}

torch::Dtype to_torch_dtype(formats::DType dtype) {
  using formats::DType;
  switch (dtype) {
    case DType::kF64:
      return torch::kFloat64;
    case DType::kF32:
      return torch::kFloat32;
    case DType::kF16:
      return torch::kFloat16;
    case DType::kBF16:
      return torch::kBFloat16;
    case DType::kI64:
      return torch::kInt64;
    case DType::kI32:
      return torch::kInt32;
    case DType::kI16:
      return torch::kInt16;
    case DType::kI8:
      return torch::kInt8;
    case DType::kU8:
      return torch::kUInt8;
    case DType::kBool:
      return torch::kBool;
  }
  throw Error("unknown dtype");
}

formats::DType to_file_dtype(torch::Dtype dtype) {
  using formats::DType;
  switch (dtype) {
    case torch::kFloat64:
      return DType::kF64;
    case torch::kFloat32:
      return DType::kF32;
    case torch::kFloat16:
      return DType::kF16;
    case torch::kBFloat16:
      return DType::kBF16;
    case torch::kInt64:
      return DType::kI64;
    case torch::kInt32:
      return DType::kI32;
    case torch::kInt16:
      return DType::kI16;
    case torch::kInt8:
      return DType::kI8;
    case torch::kUInt8:
      return DType::kU8;
    case torch::kBool:
      return DType::kBool;
    default:
      throw Error(std::string("cannot store dtype ") + c10::toString(dtype) + " in a weights file");
  }
}

std::string LoadReport::describe(std::size_t per_kind) const {
  std::ostringstream out;
  out << missing.size() << " missing, " << unexpected.size() << " unexpected, " << mismatched.size()
      << " mismatched";
  // A checkpoint of another model gets hundreds of lines: a few of each kind
  // tell what it is, the counts tell how far off it is.
  auto more = [&](std::size_t count, const char* kind) {
    if (count > per_kind)
      out << "\n  … and " << count - per_kind << " more " << kind << " (--verbose lists every key)";
  };
  for (std::size_t i = 0; i < missing.size() && i < per_kind; ++i)
    out << "\n  missing from the checkpoint: " << missing[i];
  more(missing.size(), "missing");
  for (std::size_t i = 0; i < unexpected.size() && i < per_kind; ++i)
    out << "\n  not in the model: " << unexpected[i];
  more(unexpected.size(), "unexpected");
  for (std::size_t i = 0; i < mismatched.size() && i < per_kind; ++i)
    out << "\n  shape mismatch for " << mismatched[i].key << ": model "
        << formats::shape_text(mismatched[i].model_shape) << ", checkpoint "
        << formats::shape_text(mismatched[i].checkpoint_shape);
  more(mismatched.size(), "mismatched");
  return out.str();
}

void Weights::add(std::shared_ptr<const formats::TensorFile> file) {
  const std::size_t index = files_.size();
  for (const auto& view : file->tensors) {
    auto [it, inserted] = by_name_.emplace(view.name, views_.size());
    if (!inserted)
      throw Error("tensor '" + view.name + "' is in both " +
                  files_[file_of_view_[it->second]]->file->path() + " and " + file->file->path() +
                  "; the shards of one checkpoint must not overlap");
    views_.push_back(&view);
    file_of_view_.push_back(index);
  }
  files_.push_back(std::move(file));
}

namespace {

struct OpenedFile {
  std::string name;  // published name, what an index refers to
  std::shared_ptr<formats::MappedFile> mapping;
};

formats::ShardIndex parse_index(const formats::MappedFile& file) {
  return formats::parse_shard_index(
      std::string_view(reinterpret_cast<const char*>(file.data()), file.size()), file.path());
}

}  // namespace

Weights Weights::from_file(const std::string& path) {
  auto mapping = formats::MappedFile::open(path);
  if (!formats::looks_like_shard_index(mapping->data(), mapping->size())) {
    Weights w;
    w.add(std::make_shared<const formats::TensorFile>(formats::read_tensor_file(mapping)));
    w.source_ = path;
    return w;
  }
  // An index: its shards lie beside it, under their published names.
  std::vector<WeightsFile> files{{fs::path(path).filename().string(), path}};
  std::set<std::string> shards;
  for (const auto& [tensor, shard] : parse_index(*mapping).weight_map) shards.insert(shard);
  for (const auto& shard : shards)
    files.push_back({shard, (fs::path(path).parent_path() / shard).string()});
  return from_files(files);
}

Weights Weights::from_files(const std::vector<WeightsFile>& files) {
  if (files.empty()) throw Error("no weights file given");
  // Each file is opened once: told apart by its first bytes, then read.
  std::optional<formats::ShardIndex> index;
  std::string index_path;
  std::vector<OpenedFile> shards;
  for (const auto& f : files) {
    auto mapping = formats::MappedFile::open(f.path);
    if (!formats::looks_like_shard_index(mapping->data(), mapping->size())) {
      shards.push_back({f.name, std::move(mapping)});
      continue;
    }
    if (index) throw Error("two shard indexes given: " + index_path + " and " + f.path);
    index = parse_index(*mapping);
    index_path = f.path;
  }
  if (shards.empty()) throw Error(index_path + " is a shard index, but no shard was given");
  if (index) {
    std::set<std::string> named, given;
    for (const auto& [tensor, shard] : index->weight_map) named.insert(shard);
    for (const auto& s : shards) {
      given.insert(s.name);
      if (!named.count(s.name))
        throw Error(s.mapping->path() + " (" + s.name + ") is not a shard that " + index_path +
                    " names");
    }
    for (const auto& shard : named)
      if (!given.count(shard))
        throw Error("shard " + shard + " that " + index_path +
                    " names is missing; a sharded checkpoint loads only with all its shards");
  }
  Weights w;
  for (const auto& s : shards) {
    try {
      w.add(std::make_shared<const formats::TensorFile>(formats::read_tensor_file(s.mapping)));
    } catch (const Error& e) {
      if (shards.size() == 1) throw;
      throw Error(std::string(e.what()) + " (shard " + s.name + ")");
    }
  }
  if (index) {
    // The index and the shards must agree on every tensor's home, or a
    // checkpoint mixed from two releases would load silently.
    for (const auto& [tensor, shard] : index->weight_map) {
      auto it = w.by_name_.find(tensor);
      if (it == w.by_name_.end())
        throw Error(index_path + " names tensor '" + tensor + "' in " + shard +
                    ", but no shard holds it");
      const std::string& holder = shards[w.file_of_view_[it->second]].name;
      if (holder != shard)
        throw Error(index_path + " puts tensor '" + tensor + "' in " + shard + ", but " + holder +
                    " holds it");
    }
    for (const auto* view : w.views_)
      if (!index->weight_map.count(view->name))
        throw Error("tensor '" + view->name + "' is in a shard but not in " + index_path);
  }
  const std::string& first = shards.front().mapping->path();
  w.source_ = index                ? index_path + " (" + std::to_string(shards.size()) + " shards)"
              : shards.size() == 1 ? first
                                   : std::to_string(shards.size()) + " shards from " + first;
  return w;
}

Weights Weights::from_path(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return from_file(path);
  std::vector<fs::path> indexes, weights;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    auto ends = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends(".safetensors.index.json"))
      indexes.push_back(entry.path());
    else if (ends(".safetensors") || ends(".pth") || ends(".pt") || ends(".bin"))
      weights.push_back(entry.path());
  }
  if (indexes.size() == 1) return from_file(indexes.front().string());
  if (indexes.empty() && weights.size() == 1) return from_file(weights.front().string());
  throw Error(path + " holds " + std::to_string(indexes.size()) + " shard indexes and " +
              std::to_string(weights.size()) +
              " weights files; name the file (or the index) to load");
}

std::vector<std::string> Weights::names() const {
  std::vector<std::string> out;
  for (const auto* t : views_) out.push_back(t->name);
  return out;
}

torch::Tensor Weights::tensor(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw Error("no tensor '" + name + "' in " + source_);
  return tensor_of(*views_[it->second]);
}

torch::Tensor Weights::tensor_of(const formats::TensorView& v) const {
  const size_t element = formats::dtype_size(v.dtype);
  auto keep_alive = files_;  // the deleter holds the mappings
  void* base = const_cast<uint8_t*>(v.storage) + static_cast<size_t>(v.storage_offset) * element;
  return torch::from_blob(
      base, v.shape, v.strides, [keep_alive](void*) {},
      torch::TensorOptions().dtype(to_torch_dtype(v.dtype)));
}

torch::OrderedDict<std::string, torch::Tensor> Weights::state_dict() const {
  torch::OrderedDict<std::string, torch::Tensor> out;
  for (const auto* t : views_) out.insert(t->name, tensor_of(*t));
  return out;
}

LoadReport Weights::load_into(torch::nn::Module& module, const LoadOptions& options) const {
  torch::OrderedDict<std::string, torch::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets.insert(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) targets.insert(b.key(), b.value());

  LoadReport report;
  std::map<std::string, const formats::TensorView*> by_model_name;
  for (const auto* v : views_) {
    const std::string name = model_name_of(v->name, options);
    if (options.ignore && options.ignore(name)) {
      report.ignored.push_back(v->name);
    } else if (!targets.contains(name)) {
      report.unexpected.push_back(v->name);
    } else {
      by_model_name[name] = v;
    }
  }
  std::vector<std::pair<torch::Tensor, const formats::TensorView*>> copies;
  for (const auto& item : targets) {
    auto it = by_model_name.find(item.key());
    if (it == by_model_name.end()) {
      (is_optional(item.key(), options) ? report.kept : report.missing).push_back(item.key());
      continue;
    }
    const auto model_shape = item.value().sizes().vec();
    if (model_shape != it->second->shape) {
      report.mismatched.push_back({item.key(), model_shape, it->second->shape});
      continue;
    }
    copies.emplace_back(item.value(), it->second);
  }
  if (options.strict && !report.clean())
    throw Error("loading " + source_ + " (strict): " + report.describe(options.keys_listed) +
                "\n  (load non-strict to keep what fits, e.g. for a new head)");
  // Each view's file, to give its pages back once copied out.
  std::map<const formats::TensorView*, const formats::MappedFile*> mapping_of;
  for (std::size_t i = 0; i < views_.size(); ++i)
    mapping_of[views_[i]] = files_[file_of_view_[i]]->file.get();
  torch::NoGradGuard no_grad;
  for (auto& [target, view] : copies) {
    if (target.device().is_cpu() && target.is_contiguous() && view->is_contiguous() &&
        target.scalar_type() == to_torch_dtype(view->dtype)) {
      // The common case: one memcpy from the mapping. Tensor::copy_ would
      // split it over the intra-op thread pool, whose OpenMP workers
      // spin-wait between tensors — ten times the CPU time on a busy machine.
      const size_t element = formats::dtype_size(view->dtype);
      std::memcpy(target.data_ptr(),
                  view->storage + static_cast<size_t>(view->storage_offset) * element,
                  view->nbytes());
    } else {
      target.copy_(tensor_of(*view));  // converts dtype or layout
    }
    // The mapped bytes are not needed after the copy: without this the
    // process would hold the file's pages beside the model's copy until
    // the Weights go (a bf16 checkpoint: 1.5x the fp32 model at the peak).
    if (view->is_contiguous() && mapping_of[view])
      mapping_of[view]->release(view->storage + static_cast<size_t>(view->storage_offset) *
                                                    formats::dtype_size(view->dtype),
                                view->nbytes());
    ++report.loaded;
  }
  return report;
}

LoadReport Weights::load_into(Model& model, const LoadOptions& options) const {
  return load_into(model.module(), options);
}

void Weights::save(const torch::OrderedDict<std::string, torch::Tensor>& tensors,
                   const std::string& path, const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;  // contiguous CPU copies live until written
  std::vector<formats::TensorView> views;
  for (const auto& item : tensors) {
    torch::Tensor t = item.value().detach().to(torch::kCPU).contiguous();
    keep.push_back(t);
    formats::TensorView v;
    v.name = item.key();
    v.dtype = to_file_dtype(t.scalar_type());
    v.shape = t.sizes().vec();
    v.strides = t.strides().vec();
    v.storage = static_cast<const uint8_t*>(t.data_ptr());
    v.storage_bytes = t.nbytes();
    views.push_back(std::move(v));
  }
  formats::write_safetensors(path, views, metadata);
}

}  // namespace modelzoo
