// Applying weights to a model: strict and non-strict reports, key
// remapping, dtype conversion, zero-copy views, save → load round trips.
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"
#include "process.h"

using namespace modelzoo;
using modelzoo::test::TempDir;

namespace {

// The same names as the Python Sequential(conv, bn, fc) checkpoint.
struct SmallNet : torch::nn::Module {
  explicit SmallNet(int64_t classes) {
    conv = register_module("conv", torch::nn::Conv2d(3, 4, 3));
    bn = register_module("bn", torch::nn::BatchNorm2d(4));
    fc = register_module("fc", torch::nn::Linear(4, classes));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};

bool have_python_torch() {
  return modelzoo::test::run_process({"/usr/bin/python3", "-c", "import torch"}).exit_code == 0;
}

nlohmann::json make_checkpoint(const std::string& path, int classes) {
  const std::string script =
      std::string(MODELZOO_SOURCE_DIR) + "/tests/weights/make_small_checkpoint.py";
  const auto r =
      modelzoo::test::run_process({"/usr/bin/python3", script, path, std::to_string(classes)});
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

std::string bytes_of(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

}  // namespace

TEST_CASE("a torch.save checkpoint loads strictly into a model with its names", "[weights][pth]") {
  if (!have_python_torch()) {
    WARN("skipped: /usr/bin/python3 has no torch (scripts/install-deps.sh installs it)");
    return;
  }
  TempDir dir;
  const std::string path = dir.path() + "/small.pth";
  const auto digests = make_checkpoint(path, 10);
  const Weights w = Weights::from_file(path);
  CHECK(w.format() == "pth");
  SmallNet net(10);
  const LoadReport report = w.load_into(net);
  CHECK(report.clean());
  CHECK(report.loaded == digests.size());
  for (const auto& p : net.named_parameters()) {
    INFO(p.key());
    CHECK(modelzoo::test::sha256_of_bytes(bytes_of(p.value())) == digests.at(p.key()));
  }
  CHECK(net.bn->num_batches_tracked.item<int64_t>() == 7);
  // Views alias the mapped file: no copy is made to read a tensor.
  const torch::Tensor view = w.tensor("conv.weight");
  const auto* base = w.file().file->data();
  const auto* p = static_cast<const uint8_t*>(view.data_ptr());
  CHECK((p >= base && p < base + w.file().file->size()));
}

TEST_CASE("a changed head: strict refuses with both shapes, non-strict reports", "[weights]") {
  if (!have_python_torch()) {
    WARN("skipped: /usr/bin/python3 has no torch");
    return;
  }
  TempDir dir;
  const std::string path = dir.path() + "/small.pth";
  make_checkpoint(path, 10);
  const Weights w = Weights::from_file(path);
  SmallNet net(5);
  const torch::Tensor before = net.fc->weight.clone();
  CHECK_THROWS_WITH(w.load_into(net), Catch::Contains("shape mismatch for fc.weight: model [5, 4], "
                                                      "checkpoint [10, 4]") &&
                                          Catch::Contains("fc.bias"));
  CHECK(torch::equal(before, net.fc->weight));  // strict changed nothing
  LoadOptions lenient;
  lenient.strict = false;
  const LoadReport report = w.load_into(net, lenient);
  REQUIRE(report.mismatched.size() == 2);
  CHECK(report.mismatched[0].key == "fc.weight");
  CHECK(report.missing.empty());
  CHECK(report.loaded == 7);                    // conv 2, bn 5
  CHECK(torch::equal(before, net.fc->weight));  // the new head is kept
}

TEST_CASE("save and load round-trip through safetensors with remapping", "[weights][safetensors]") {
  TempDir dir;
  torch::manual_seed(1);
  SmallNet source(3);
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : source.named_parameters()) state.insert("module." + p.key(), p.value());
  for (const auto& b : source.named_buffers()) state.insert("module." + b.key(), b.value());
  state.insert("extra.step", torch::tensor({3}, torch::kInt64));
  const std::string path = dir.path() + "/w.safetensors";
  Weights::save(state, path, {{"origin", "test"}});

  const Weights w = Weights::from_file(path);
  CHECK(w.format() == "safetensors");
  CHECK(w.file().metadata.at("origin") == "test");
  SmallNet target(3);
  target.to(torch::kFloat64);  // dtype converted on load
  LoadOptions options;
  options.strict = false;
  const LoadReport report = w.load_into(target, options);
  CHECK(report.unexpected == std::vector<std::string>{"extra.step"});
  CHECK(report.missing.empty());
  CHECK(torch::allclose(target.conv->weight.to(torch::kFloat32), source.conv->weight));
  CHECK(target.conv->weight.scalar_type() == torch::kFloat64);

  // A rename table and a family remap hook.
  torch::OrderedDict<std::string, torch::Tensor> renamed;
  renamed.insert("classifier.weight", source.fc->weight);
  renamed.insert("classifier.bias", source.fc->bias);
  Weights::save(renamed, path);
  LoadOptions with_table;
  with_table.strict = false;
  with_table.renames = {{"classifier.weight", "fc.weight"}};
  with_table.remap = [](const std::string& n) { return n == "classifier.bias" ? "fc.bias" : n; };
  SmallNet head_only(3);
  const LoadReport r2 = Weights::from_file(path).load_into(head_only, with_table);
  CHECK(r2.loaded == 2);
  CHECK(torch::equal(head_only.fc->bias, source.fc->bias));
}

TEST_CASE("a checkpoint without BatchNorm's step counter loads strictly", "[weights]") {
  // Checkpoints written before PyTorch 0.4.1 (torchvision's V1 ResNets) have
  // no num_batches_tracked; PyTorch's BatchNorm accepts them, and so do we.
  TempDir dir;
  SmallNet source(3);
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : source.named_parameters()) state.insert(p.key(), p.value());
  for (const auto& b : source.named_buffers())
    if (b.key() != "bn.num_batches_tracked") state.insert(b.key(), b.value());
  const std::string path = dir.path() + "/old.safetensors";
  Weights::save(state, path);
  SmallNet target(3);
  const LoadReport report = Weights::from_file(path).load_into(target);
  CHECK(report.missing.empty());
  CHECK(report.kept == std::vector<std::string>{"bn.num_batches_tracked"});
  CHECK(torch::equal(target.bn->running_var, source.bn->running_var));
  // Only that key: any other absent tensor still fails a strict load.
  state.erase("bn.running_var");
  Weights::save(state, path);
  CHECK_THROWS_WITH(Weights::from_file(path).load_into(target),
                    Catch::Contains("missing from the checkpoint: bn.running_var"));
}

TEST_CASE("tensors the ignore rule names are skipped, even under strict", "[weights]") {
  // GPT-2's checkpoints carry causal-mask buffers that the model computes
  // itself; the family ignores them by name instead of loading non-strict.
  TempDir dir;
  SmallNet source(3);
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : source.named_parameters()) state.insert("module." + p.key(), p.value());
  for (const auto& b : source.named_buffers()) state.insert("module." + b.key(), b.value());
  state.insert("module.conv.mask", torch::ones({2, 2}));
  const std::string path = dir.path() + "/masked.safetensors";
  Weights::save(state, path);
  SmallNet target(3);
  CHECK_THROWS_WITH(Weights::from_file(path).load_into(target),
                    Catch::Contains("not in the model: module.conv.mask"));
  LoadOptions options;
  options.ignore = [](const std::string& name) { return name == "conv.mask"; };  // stripped name
  const LoadReport report = Weights::from_file(path).load_into(target, options);
  CHECK(report.clean());
  CHECK(report.ignored == std::vector<std::string>{"module.conv.mask"});
  CHECK(torch::equal(target.fc->weight, source.fc->weight));
}

TEST_CASE("a strict failure counts each kind first and lists the first few of each", "[weights]") {
  // A checkpoint of another model: 12 tensors the model lacks, none of its own.
  TempDir dir;
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const char* key : {"other.00", "other.01", "other.02", "other.03", "other.04", "other.05",
                          "other.06", "other.07", "other.08", "other.09", "other.10", "other.11"})
    state.insert(key, torch::zeros({2}));
  state.insert("fc.weight", torch::zeros({5, 4}));
  const std::string path = dir.path() + "/other.safetensors";
  Weights::save(state, path);
  SmallNet net(3);
  LoadOptions options;
  options.keys_listed = 5;
  std::string message;
  try {
    Weights::from_file(path).load_into(net, options);
  } catch (const Error& e) {
    message = e.what();
  }
  // SmallNet: conv 2, bn 5 (num_batches_tracked optional: kept), fc 2 → 7 + fc.bias missing.
  CHECK_THAT(message, Catch::StartsWith("loading " + path +
                                        " (strict): 7 missing, 12 unexpected, 1 mismatched\n"));
  CHECK_THAT(message, Catch::Contains("  not in the model: other.04\n  … and 7 more unexpected "
                                      "(--verbose lists every key)") &&
                          !Catch::Contains("other.05") &&
                          Catch::Contains("  … and 2 more missing") &&
                          Catch::Contains("shape mismatch for fc.weight") &&
                          !Catch::Contains("more mismatched"));
  // Every key when asked (the default for a direct load_into).
  CHECK_THROWS_WITH(Weights::from_file(path).load_into(net),
                    Catch::Contains("not in the model: other.11") && !Catch::Contains("more"));
}

namespace {

// SmallNet's state split over two safetensors shards, with the index
// Hugging Face writes beside them. Returns the full state for comparison.
torch::OrderedDict<std::string, torch::Tensor> write_shards(const std::string& dir,
                                                            nlohmann::json* index_out = nullptr) {
  torch::manual_seed(3);
  SmallNet net(5);
  torch::OrderedDict<std::string, torch::Tensor> all, first, second;
  for (const auto& p : net.named_parameters()) all.insert(p.key(), p.value());
  for (const auto& b : net.named_buffers()) all.insert(b.key(), b.value());
  nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                          {"weight_map", nlohmann::json::object()}};
  for (const auto& item : all) {
    const bool in_first = item.key().rfind("conv", 0) == 0;
    (in_first ? first : second).insert(item.key(), item.value());
    index["weight_map"][item.key()] =
        in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  Weights::save(first, dir + "/model-00001-of-00002.safetensors");
  Weights::save(second, dir + "/model-00002-of-00002.safetensors");
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump(2);
  if (index_out) *index_out = index;
  return all;
}

void check_same(const SmallNet& net, const torch::OrderedDict<std::string, torch::Tensor>& state) {
  for (const auto& p : net.named_parameters()) CHECK(torch::equal(p.value(), state[p.key()]));
  for (const auto& b : net.named_buffers()) CHECK(torch::equal(b.value(), state[b.key()]));
}

}  // namespace

TEST_CASE("a sharded safetensors checkpoint loads from its index, its shards or its directory",
          "[weights][shards]") {
  TempDir dir;
  const auto state = write_shards(dir.path());
  const std::string index = dir.path() + "/model.safetensors.index.json";
  const std::string s1 = dir.path() + "/model-00001-of-00002.safetensors";
  const std::string s2 = dir.path() + "/model-00002-of-00002.safetensors";

  SmallNet from_index(5), from_files(5), from_dir(5);
  const auto report = Weights::from_file(index).load_into(from_index);
  CHECK(report.clean());
  CHECK(report.loaded == state.size());
  check_same(from_index, state);
  // The cache names files by digest: the index matches shards by published name.
  Weights::from_files({{"model.safetensors.index.json", index},
                       {"model-00001-of-00002.safetensors", s1},
                       {"model-00002-of-00002.safetensors", s2}})
      .load_into(from_files);
  check_same(from_files, state);
  const Weights w = Weights::from_path(dir.path());
  CHECK_THAT(w.source(), Catch::Contains("(2 shards)"));
  CHECK(w.files().size() == 2);
  w.load_into(from_dir);
  check_same(from_dir, state);
  // Shards without an index merge too.
  SmallNet merged(5);
  Weights::from_files({{"a", s1}, {"b", s2}}).load_into(merged);
  check_same(merged, state);
}

TEST_CASE("a sharded checkpoint whose parts disagree is refused, naming the part",
          "[weights][shards]") {
  TempDir dir;
  nlohmann::json index;
  write_shards(dir.path(), &index);
  const std::string index_path = dir.path() + "/model.safetensors.index.json";
  const std::string s1 = dir.path() + "/model-00001-of-00002.safetensors";
  const std::string s2 = dir.path() + "/model-00002-of-00002.safetensors";
  auto rewrite_index = [&](const nlohmann::json& j) { std::ofstream(index_path) << j.dump(); };

  SECTION("a shard missing") {
    CHECK_THROWS_WITH(
        Weights::from_files({{"model.safetensors.index.json", index_path},
                             {"model-00001-of-00002.safetensors", s1}}),
        Catch::Contains("shard model-00002-of-00002.safetensors") && Catch::Contains("missing"));
  }
  SECTION("a shard the index does not name") {
    CHECK_THROWS_WITH(Weights::from_files({{"model.safetensors.index.json", index_path},
                                           {"model-00001-of-00002.safetensors", s1},
                                           {"other.safetensors", s2}}),
                      Catch::Contains("other.safetensors") && Catch::Contains("not a shard"));
  }
  SECTION("a tensor in the wrong shard") {
    index["weight_map"]["fc.bias"] = "model-00001-of-00002.safetensors";
    rewrite_index(index);
    CHECK_THROWS_WITH(Weights::from_file(index_path),
                      Catch::Contains("'fc.bias'") && Catch::Contains("model-00002-of-00002"));
  }
  SECTION("a tensor the index names that no shard holds") {
    index["weight_map"]["head.weight"] = "model-00002-of-00002.safetensors";
    rewrite_index(index);
    CHECK_THROWS_WITH(Weights::from_file(index_path),
                      Catch::Contains("'head.weight'") && Catch::Contains("no shard holds it"));
  }
  SECTION("a tensor in a shard but not in the index") {
    index["weight_map"].erase("fc.bias");
    rewrite_index(index);
    CHECK_THROWS_WITH(Weights::from_file(index_path),
                      Catch::Contains("'fc.bias'") && Catch::Contains("not in"));
  }
  SECTION("overlapping shards") {
    CHECK_THROWS_WITH(Weights::from_files({{"a", s1}, {"b", s1}}),
                      Catch::Contains("must not overlap"));
  }
  SECTION("a malformed index") {
    std::ofstream(index_path) << R"({"weight_map": {"fc.bias": 3}})";
    CHECK_THROWS_WITH(Weights::from_file(index_path),
                      Catch::Contains(index_path) && Catch::Contains("not a file name"));
    std::ofstream(index_path) << "{\"weight_map\": " + std::string(100000, '[');
    CHECK_THROWS_WITH(Weights::from_file(index_path), Catch::Contains("nested too deeply"));
    std::ofstream(index_path) << R"({"weight_map": {"fc.bias": "../../etc/passwd"}})";
    CHECK_THROWS_WITH(Weights::from_file(index_path), Catch::Contains("plain file name"));
  }
}
