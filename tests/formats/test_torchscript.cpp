// TorchScript archives read for their weights: every tensor attribute of a
// scripted module tree reads back equal to what torch.jit.load gives,
// named by its path; the archive's code/ is never read (replacing it with
// hostile code, or removing it, changes nothing); a data.pkl that names a
// global outside the rule is refused by name, and nothing in it runs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "modelzoo/formats/pth.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"
#include "process.h"

using namespace modelzoo::formats;
using modelzoo::test::TempDir;
using nlohmann::json;

namespace {

const std::string kSilero =
    std::string(MODELZOO_SOURCE_DIR) + "/../shared/assets/silero_vad/silero_vad.jit";

struct Fixtures {
  TempDir dir;
  json report;
  bool available = false;
  std::string path(const std::string& name) const { return dir.path() + "/" + name; }
};

// Made once per test process by Debian's torch (with the Silero archive
// when ../shared has it).
const Fixtures& fixtures() {
  static Fixtures* f = [] {
    auto* made = new Fixtures;
    std::vector<std::string> argv = {
        "/usr/bin/python3",
        std::string(MODELZOO_SOURCE_DIR) + "/tests/formats/make_torchscript_fixtures.py",
        made->dir.path()};
    if (std::filesystem::exists(kSilero)) argv.push_back(kSilero);
    const auto r = modelzoo::test::run_process(argv);
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
  if (modelzoo::test::run_process({"/usr/bin/python3", "-c", "import torch"}).exit_code != 0) {
    WARN("skipped: /usr/bin/python3 has no torch (scripts/install-deps.sh installs it)");
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

// Every tensor torch.jit.load gives (state_dict and the tensor attributes
// it leaves out) is in modelzoo's view under the same name, bit for bit,
// and nothing else is.
void check_equal_to_torch_jit(const std::string& file_name) {
  const Fixtures& f = fixtures();
  const TensorFile file = read_tensor_file(f.path(file_name));
  CHECK(file.format == "torchscript");
  const json& expected = f.report.at(file_name);
  CHECK(file.metadata.at("torchscript_class") == expected.at("root_class").get<std::string>());
  std::set<std::string> names;
  for (const auto& t : file.tensors) names.insert(t.name);
  CHECK(names.size() == file.tensors.size());
  CHECK(names.size() == expected.at("tensors").size());
  for (const auto& [name, want] : expected.at("tensors").items()) {
    INFO(file_name << ": " << name);
    const TensorView* v = file.find(name);
    REQUIRE(v != nullptr);
    CHECK(dtype_name(v->dtype) == want.at("dtype").get<std::string>());
    CHECK(v->shape == want.at("shape").get<std::vector<int64_t>>());
    CHECK(modelzoo::test::sha256_of_bytes(v->contiguous_bytes()) ==
          want.at("sha256").get<std::string>());
    // Views point into the mapped file: nothing was copied to read them.
    CHECK(v->storage >= file.file->data());
    CHECK(v->storage + v->storage_bytes <= file.file->data() + file.file->size());
  }
}

}  // namespace

TEST_CASE("a scripted module's tensors read as torch.jit.load reads them", "[torchscript]") {
  if (!have_fixtures()) return;
  check_equal_to_torch_jit("scripted.pt");
  const TensorFile file = read_tensor_file(fixtures().path("scripted.pt"));
  // One parameter under two attribute names shares one storage.
  REQUIRE(file.find("alias") != nullptr);
  CHECK(file.find("alias")->storage_key == file.find("block.shared")->storage_key);
  CHECK_FALSE(file.find("block.strided")->is_contiguous());
}

TEST_CASE("a TorchScript archive's code/ is never read", "[torchscript][security]") {
  if (!have_fixtures()) return;
  check_equal_to_torch_jit("hostile_code.pt");  // code/ and .debug_pkl replaced by payloads
  check_equal_to_torch_jit("no_code.pt");       // code/ removed
  CHECK_FALSE(std::filesystem::exists(fixtures().path("pwned")));
}

TEST_CASE("a TorchScript pickle naming a global outside the rule is refused by name",
          "[torchscript][security]") {
  if (!have_fixtures()) return;
  const Fixtures& f = fixtures();
  CHECK_THAT(error_of(f.path("evil_global.pt")),
             Catch::Contains("refusing 'posix.system' in " + f.path("evil_global.pt")) &&
                 Catch::Contains("TorchScript (__torch__) module attributes") &&
                 Catch::Contains("nothing in the archive is run"));
  CHECK_THAT(error_of(f.path("evil_eval.pt")), Catch::Contains("refusing '__builtin__.eval'"));
  // A __torch__ class is only ever filled with attributes, never called.
  CHECK_THAT(error_of(f.path("call_torch_class.pt")),
             Catch::Contains("'__torch__.evil.Model' cannot be called"));
  // Outside a TorchScript archive, __torch__ classes are refused as before.
  CHECK_THAT(
      error_of(f.path("torch_class_in.pth")),
      Catch::Contains("refusing '__torch__.evil.Model'") && Catch::Contains("weights_only=True"));
  CHECK_FALSE(std::filesystem::exists(f.path("pwned")));
}

TEST_CASE("Silero VAD's published archive reads without running anything",
          "[torchscript][silero]") {
  if (!std::filesystem::exists(kSilero)) {
    WARN("skipped: " << kSilero << " is absent (../shared/assets beside the clone)");
    return;
  }
  const TensorFile real = read_tensor_file(kSilero);
  CHECK(real.format == "torchscript");
  CHECK(real.metadata.at("torchscript_class") ==
        "__torch__.vad.model.vad_annotator.VADRNNJITMerge");
  CHECK(real.tensors.size() == 32);
  REQUIRE(real.find("_model.encoder.0.reparam_conv.weight") != nullptr);
  CHECK(real.find("_model.encoder.0.reparam_conv.weight")->shape ==
        std::vector<int64_t>{128, 129, 3});
  if (!have_fixtures()) return;
  // The same file with its code/ replaced by payloads: equal to what
  // torch.jit.load reads in the untouched archive.
  check_equal_to_torch_jit("silero_hostile.jit");
  const TensorFile hostile = read_tensor_file(fixtures().path("silero_hostile.jit"));
  REQUIRE(hostile.tensors.size() == real.tensors.size());
  for (size_t i = 0; i < real.tensors.size(); ++i) {
    CHECK(hostile.tensors[i].name == real.tensors[i].name);
    CHECK(hostile.tensors[i].contiguous_bytes() == real.tensors[i].contiguous_bytes());
  }
  CHECK_FALSE(std::filesystem::exists(fixtures().path("pwned")));
}
