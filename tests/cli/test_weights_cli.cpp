// `modelzoo inspect` and `modelzoo convert` as a user runs them: tables and
// --json, .pth → safetensors with the result equal tensor by tensor, no
// overwrite without --force, and unreadable input refused with exit 1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "modelzoo/formats/tensor_view.h"
#include "paths.h"
#include "process.h"

using namespace modelzoo::test;
using nlohmann::json;

namespace {

ProcessResult modelzoo_cli(std::vector<std::string> args) {
  args.insert(args.begin(), cli_path());
  return run_process(args);
}

bool make_checkpoint(const std::string& path) {
  if (run_process({"/usr/bin/python3", "-c", "import torch"}).exit_code != 0) {
    WARN("skipped: /usr/bin/python3 has no torch (scripts/install-deps.sh installs it)");
    return false;
  }
  const std::string script =
      std::string(MODELZOO_SOURCE_DIR) + "/tests/weights/make_small_checkpoint.py";
  REQUIRE(run_process({"/usr/bin/python3", script, path, "10"}).exit_code == 0);
  return true;
}

}  // namespace

TEST_CASE("inspect shows format, tensors and metadata", "[cli][weights]") {
  TempDir dir;
  const std::string pth = dir.path() + "/small.pth";
  if (!make_checkpoint(pth)) return;
  auto r = modelzoo_cli({"inspect", pth, "--json"});
  REQUIRE(r.exit_code == 0);
  const json info = json::parse(r.out);
  CHECK(info["format"] == "pth");
  CHECK(info["count"] == 9);  // conv 2, bn 5, fc 2
  CHECK(info["tensors"][0]["name"] == "conv.weight");
  CHECK(info["tensors"][0]["shape"] == json::array({4, 3, 3, 3}));
  CHECK(info["tensors"][0]["dtype"] == "F32");
  // conv 4·3·3·3 + 4, bn 4·4 floats + 1 int64, fc 10·4 + 10 → bytes
  CHECK(info["bytes"] == (108 + 4 + 16 + 40 + 10) * 4 + 8);

  r = modelzoo_cli({"inspect", pth});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("pth, 9 tensors") && Catch::Contains("NAME") &&
                        Catch::Contains("bn.num_batches_tracked  I64    []"));
}

TEST_CASE("convert writes equal safetensors and refuses to overwrite", "[cli][weights]") {
  TempDir dir;
  const std::string pth = dir.path() + "/small.pth";
  if (!make_checkpoint(pth)) return;
  const std::string out = dir.path() + "/small.safetensors";
  auto r = modelzoo_cli({"convert", pth, out});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("verified by reading it back"));

  const auto source = modelzoo::formats::read_tensor_file(pth);
  const auto written = modelzoo::formats::read_tensor_file(out);
  CHECK(written.format == "safetensors");
  CHECK(written.metadata.at("format") == "pt");
  REQUIRE(written.tensors.size() == source.tensors.size());
  for (const auto& t : source.tensors) {
    INFO(t.name);
    const auto* w = written.find(t.name);
    REQUIRE(w != nullptr);
    CHECK(w->dtype == t.dtype);
    CHECK(w->shape == t.shape);
    CHECK(w->contiguous_bytes() == t.contiguous_bytes());
  }

  r = modelzoo_cli({"convert", pth, out});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("exists; pass --force"));
  // safetensors → safetensors re-pack, over the old file with --force.
  r = modelzoo_cli({"convert", out, out + ".2", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["verified"] == true);
  r = modelzoo_cli({"convert", out + ".2", out, "--force"});
  CHECK(r.exit_code == 0);

  std::ofstream(dir.path() + "/junk.pth") << "not weights";
  r = modelzoo_cli({"inspect", dir.path() + "/junk.pth"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("neither safetensors nor a PyTorch zip checkpoint"));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/junk.safetensors"));
}

TEST_CASE("inspect and convert read a TorchScript archive's weights",
          "[cli][weights][torchscript]") {
  const std::string silero =
      std::string(MODELZOO_SOURCE_DIR) + "/../shared/assets/silero_vad/silero_vad.jit";
  if (!std::filesystem::exists(silero)) {
    WARN("skipped: " << silero << " is absent (../shared/assets beside the clone)");
    return;
  }
  auto r = modelzoo_cli({"inspect", silero, "--json"});
  REQUIRE(r.exit_code == 0);
  const json info = json::parse(r.out);
  CHECK(info["format"] == "torchscript");
  CHECK(info["count"] == 32);
  CHECK(info["metadata"]["torchscript_class"] ==
        "__torch__.vad.model.vad_annotator.VADRNNJITMerge");
  // In the pickle's order: the carried state first (empty until run), then the weights.
  CHECK(info["tensors"][0]["name"] == "_state");
  CHECK(info["tensors"][0]["shape"] == json::array({0}));
  CHECK(info["tensors"][2]["name"] == "_model.stft.forward_basis_buffer");
  CHECK(info["tensors"][2]["shape"] == json::array({258, 1, 256}));
  r = modelzoo_cli({"inspect", silero});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("torchscript, 32 tensors") &&
                        Catch::Contains("_model_8k.decoder.rnn.weight_hh"));

  TempDir dir;
  const std::string out = dir.path() + "/silero_vad.safetensors";
  r = modelzoo_cli({"convert", silero, out});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("32 tensors from torchscript, verified"));
  const auto source = modelzoo::formats::read_tensor_file(silero);
  const auto written = modelzoo::formats::read_tensor_file(out);
  CHECK(written.metadata.at("torchscript_class") == source.metadata.at("torchscript_class"));
  REQUIRE(written.tensors.size() == source.tensors.size());
  for (const auto& t : source.tensors) {
    INFO(t.name);
    const auto* w = written.find(t.name);
    REQUIRE(w != nullptr);
    CHECK(w->shape == t.shape);
    CHECK(w->contiguous_bytes() == t.contiguous_bytes());
  }
}
