// PyTorch zip checkpoints: every tensor torch.save wrote reads back equal to
// what Python reads, bit for bit (dtypes, views, shared storages, scalars,
// empty tensors, ZIP64); malicious and broken files are refused with a clear
// error and nothing in them runs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "modelzoo/formats/pth.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"
#include "process.h"

using namespace modelzoo::formats;
using modelzoo::test::TempDir;
using nlohmann::json;

namespace {

// The fixtures are made once per test process by Debian's torch.
struct Fixtures {
  TempDir dir;
  json report;
  bool available = false;
  std::string path(const std::string& name) const { return dir.path() + "/" + name; }
};

const Fixtures& fixtures() {
  static Fixtures* f = [] {
    auto* made = new Fixtures;
    const std::string script =
        std::string(MODELZOO_SOURCE_DIR) + "/tests/formats/make_pth_fixtures.py";
    const auto r = modelzoo::test::run_process({"/usr/bin/python3", script, made->dir.path()});
    if (r.exit_code == 0) {
      made->report = json::parse(r.out);
      made->available = true;
    } else {
      WARN("fixture script failed (exit " << r.exit_code << "): " << r.err);
    }
    return made;
  }();
  return *f;
}

bool have_fixtures() {
  if (modelzoo::test::run_process({"/usr/bin/python3", "-c", "import torch, torchvision"})
          .exit_code != 0) {
    WARN(
        "skipped: /usr/bin/python3 has no torch/torchvision (scripts/install-deps.sh installs "
        "them)");
    return false;
  }
  REQUIRE(fixtures().available);
  return true;
}

std::string error_of(const std::string& path) {
  try {
    read_tensor_file(path);
  } catch (const modelzoo::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Checks every tensor Python described against modelzoo's view of the file.
void check_equal_to_python(const std::string& file_name) {
  const Fixtures& f = fixtures();
  const TensorFile file = read_tensor_file(f.path(file_name));
  CHECK(file.format == "pth");
  const json& expected = f.report.at(file_name);
  REQUIRE(file.tensors.size() == expected.size());
  std::map<int64_t, std::string> storage_of_python_id;
  for (const auto& [name, want] : expected.items()) {
    INFO(file_name << ": " << name);
    const TensorView* v = file.find(name);
    REQUIRE(v != nullptr);
    CHECK(dtype_name(v->dtype) == want.at("dtype").get<std::string>());
    CHECK(v->shape == want.at("shape").get<std::vector<int64_t>>());
    CHECK(v->strides == want.at("stride").get<std::vector<int64_t>>());
    CHECK(v->storage_offset == want.at("offset").get<int64_t>());
    CHECK(modelzoo::test::sha256_of_bytes(v->contiguous_bytes()) ==
          want.at("sha256").get<std::string>());
    // Views point into the mapped file: nothing was copied to read them.
    CHECK(v->storage >= file.file->data());
    CHECK(v->storage + v->storage_bytes <= file.file->data() + file.file->size());
    // Tensors sharing a storage in Python share one here, and only those.
    const auto [it, fresh] =
        storage_of_python_id.emplace(want.at("storage").get<int64_t>(), v->storage_key);
    CHECK(it->second == v->storage_key);
    if (fresh)
      for (const auto& [id, key] : storage_of_python_id)
        if (id != want.at("storage").get<int64_t>()) CHECK(key != v->storage_key);
  }
}

}  // namespace

TEST_CASE("a torchvision resnet18 state dict reads back equal to Python's", "[pth]") {
  if (!have_fixtures()) return;
  check_equal_to_python("resnet18.pth");
  const TensorFile file = read_tensor_file(fixtures().path("resnet18.pth"));
  // torch.save aligns each record to 64 bytes, so tensors can alias the pages.
  for (const auto& t : file.tensors) CHECK(reinterpret_cast<uintptr_t>(t.storage) % 64 == 0);
  CHECK(file.tensors.front().name == "conv1.weight");  // the state dict's order
  CHECK(file.tensors.back().name == "fc.bias");
}

TEST_CASE("every dtype, strided views, shared storages, scalars and empty tensors", "[pth]") {
  if (!have_fixtures()) return;
  check_equal_to_python("mixed.pth");
  const TensorFile file = read_tensor_file(fixtures().path("mixed.pth"));
  CHECK(file.find("nested.weight") != nullptr);  // nested dicts flatten to dotted names
  CHECK(file.find("note") == nullptr);           // non-tensor values are not tensors
  CHECK(file.find("scalar")->shape.empty());
  CHECK(file.find("empty")->numel() == 0);
  CHECK_FALSE(file.find("transposed")->is_contiguous());
}

TEST_CASE("ZIP64 records are read", "[pth][zip]") {
  if (!have_fixtures()) return;
  check_equal_to_python("zip64.pth");
}

TEST_CASE("pickles that would run code are refused without running it", "[pth][security]") {
  if (!have_fixtures()) return;
  const Fixtures& f = fixtures();
  CHECK_THAT(error_of(f.path("evil_system.pth")),
             Catch::Contains("refusing 'posix.system' in " + f.path("evil_system.pth")) &&
                 Catch::Contains("only tensors and containers are allowed") &&
                 Catch::Contains("weights_only=True"));
  CHECK_THAT(error_of(f.path("evil_eval.pth")),
             Catch::Contains("refusing '__builtin__.eval'"));  // protocol 2 spells builtins so
  CHECK_FALSE(std::filesystem::exists(f.path("pwned")));
}

TEST_CASE("broken checkpoints are refused with a clear error", "[pth][zip]") {
  if (!have_fixtures()) return;
  const Fixtures& f = fixtures();
  CHECK_THAT(error_of(f.path("missing_storage.pth")),
             Catch::Contains("storage record '7' is missing"));
  CHECK_THAT(error_of(f.path("short_storage.pth")),
             Catch::Contains("smaller than the tensor needs") &&
                 Catch::Contains("corrupted or incomplete"));
  CHECK_THAT(error_of(f.path("small_record.pth")),
             Catch::Contains("smaller than its declared 16 elements"));
  CHECK_THAT(error_of(f.path("truncated.pth")), Catch::Contains("corrupted or incomplete"));
  CHECK_THAT(error_of(f.path("overlap.pth")), Catch::Contains("two entries overlap"));
  CHECK_THAT(error_of(f.path("out_of_bounds.pth")), Catch::Contains("past the end of the file"));
  CHECK_THAT(error_of(f.path("legacy.pth")),
             Catch::Contains("legacy (pre-1.6) torch.save") && Catch::Contains("convert it"));
}

TEST_CASE("shared and cyclic references in the pickle", "[pth][security]") {
  if (!have_fixtures()) return;
  const Fixtures& f = fixtures();
  check_equal_to_python("shared.pth");  // a.w and b.w, one storage; the looping list is skipped
  CHECK_THAT(error_of(f.path("self_dict.pth")), Catch::Contains("a dict contains itself"));
  CHECK_THAT(error_of(f.path("doubling.pth")), Catch::Contains("more than 1M entries"));
}

TEST_CASE("deeply nested pickles are refused, not a stack overflow", "[pth][security]") {
  if (!have_fixtures()) return;
  const Fixtures& f = fixtures();
  for (const char* name : {"deep_tuple.pth", "deep_list.pth", "deep_dict.pth"}) {
    INFO(name);
    CHECK_THAT(error_of(f.path(name)), Catch::Contains("cannot read " + f.path(name)) &&
                                           Catch::Contains("nested more than 1000 levels deep") &&
                                           Catch::Contains("torch.save never writes that"));
  }
  // Lists chained through the memo are 200,000 deep too, but each is
  // memoized; reading (no tensors in it) and freeing them must not recurse.
  CHECK(read_tensor_file(f.path("deep_memo.pth")).tensors.empty());
}

TEST_CASE("every truncation of a checkpoint is refused, none crashes", "[pth][zip]") {
  if (!have_fixtures()) return;
  TempDir dir;
  const std::string source = fixtures().path("mixed.pth");
  const auto whole = MappedFile::open(source);
  const std::string bytes(reinterpret_cast<const char*>(whole->data()), whole->size());
  const std::string cut = dir.path() + "/cut.pth";
  for (size_t n = 0; n < bytes.size(); n += 7) {
    INFO("truncated to " << n);
    { std::ofstream(cut, std::ios::binary) << bytes.substr(0, n); }
    CHECK_THAT(error_of(cut), Catch::Contains(cut));
  }
}
