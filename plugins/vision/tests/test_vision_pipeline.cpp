// The whole path a user takes, through the `modelzoo` binary against a
// loopback nginx serving as MODELZOO_MIRROR: pull -> verify -> load -> run.
//  * vision/resnet18.KNOWN_V1 (the vision_known fixture plugin: the real
//    plugin's code under a manifest whose resnet18 variant is a checkpoint
//    this test writes, with its own digest) answers "golden retriever";
//  * a real variant's URL is rewritten to the mirror, and a file there that
//    fails its published hash prefix is refused.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <png.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

#include "modelzoo/hub.h"
#include "modelzoo/image/image.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "paths.h"
#include "process.h"
#include "test_support.h"
#include "vision_test_support.h"

using namespace modelzoo;
namespace fs = std::filesystem;
using modelzoo::cache::test::Nginx;
using modelzoo::test::run_process;

namespace {

nlohmann::json known_answer() {
  std::ifstream in(std::string(MODELZOO_TEST_SOURCE_DIR) + "/known_answer.json");
  return nlohmann::json::parse(in);
}

// resnet18's state dict with values from an integer pattern (exact in
// float32, the same bytes on every machine), a zero fc.weight and a bias
// that makes class 207 win with probability e^10 / (e^10 + 999).
void write_known_checkpoint(const std::string& path) {
  Hub hub(test::vision_hub_options());
  std::shared_ptr<Model> model;
  {
    SkipInit no_init;
    model = hub.create("vision/resnet18");
  }
  torch::OrderedDict<std::string, torch::Tensor> state;
  int64_t k = 0;
  for (const auto& item : model->state_dict()) {
    torch::Tensor t = item.value();
    const std::string& name = item.key();
    auto ends = [&](const char* s) {
      return name.size() >= std::strlen(s) &&
             name.compare(name.size() - std::strlen(s), std::string::npos, s) == 0;
    };
    torch::Tensor v;
    if (ends("num_batches_tracked"))
      v = torch::zeros({}, torch::kLong);
    else if (ends("running_var") || (name.find("bn") != std::string::npos && ends("weight")) ||
             (name.find("downsample.1") != std::string::npos && ends("weight")))
      v = torch::ones(t.sizes());
    else if (name == "fc.weight" || ends("bias") || ends("running_mean"))
      v = torch::zeros(t.sizes());
    else
      v = torch::arange(t.numel(), torch::kLong)
              .mul(7919)
              .add(k++)
              .remainder(17)
              .sub(8)
              .to(torch::kFloat32)
              .div(256)
              .view(t.sizes());
    if (name == "fc.bias") v[207] = 10.0;
    state.insert(name, v);
  }
  Weights::save(state, path);
}

void write_png(const std::string& path) {
  std::vector<uint8_t> rgb(120 * 90 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i * 37) % 251);
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = 120;
  image.height = 90;
  image.format = PNG_FORMAT_RGB;
  REQUIRE(png_image_write_to_file(&image, path.c_str(), 0, rgb.data(), 0, nullptr));
}

// A mirror directory holding the known-answer checkpoint, and an image:
// what the pipeline cases serve (each starts its own nginx on docroot).
struct KnownMirror {
  nlohmann::json known = known_answer();
  cache::test::TempDir root;
  fs::path docroot = root / "mirror";
  std::string file = known.at("file");
  std::string image = (root / "image.png").string();
  KnownMirror() {
    fs::create_directories(docroot);
    write_known_checkpoint((docroot / file).string());
    write_png(image);
  }
};

struct Cli {
  std::string home, plugins, mirror;
  test::ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), test::cli_path());
    return run_process(args, {{"MODELZOO_HOME", home},
                              {"MODELZOO_PLUGIN_PATH", plugins},
                              {"MODELZOO_MIRROR", mirror},
                              {"MODELZOO_TRUST", "off"},
                              {"TORCH_HOME", home + "/torch"}});
  }
};

}  // namespace

TEST_CASE("pull, verify, load and run a variant served by the mirror", "[vision][pipeline]") {
  KnownMirror mirror;
  const auto& [known, root, docroot, file, image] = mirror;
  const std::string digest = test::sha256_of_file((docroot / file).string());
  INFO("known-answer checkpoint: sha256 "
       << digest << ", size " << fs::file_size(docroot / file)
       << " (update plugins/vision/tests/known_answer.json if the "
          "writer changed on purpose)");
  REQUIRE(digest == known.at("sha256").get<std::string>());
  REQUIRE(fs::file_size(docroot / file) == known.at("size").get<uint64_t>());

  Nginx nginx(docroot);
  const Cli cli{(root / "home").string(), MODELZOO_VISION_KNOWN_PLUGIN_DIR, nginx.url("/")};

  auto r = cli({"run", "vision/resnet18.KNOWN_V1", "--image", image, "--json", "--topk", "3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto out = nlohmann::json::parse(r.out);
  CHECK(out["variant"] == "KNOWN_V1");
  CHECK(out["predictions"][0]["index"] == 207);
  CHECK(out["predictions"][0]["label"] == "golden retriever");
  CHECK(out["predictions"][0]["probability"].get<double>() ==
        Approx(std::exp(10.0) / (std::exp(10.0) + 999.0)).epsilon(1e-6));
  CHECK(out["input_shape"] == nlohmann::json::array({1, 3, 224, 224}));
  CHECK(nginx.requests("/" + file).size() == 1);
  // The blob is in the cache under its digest.
  CHECK(fs::exists(root / "home" / "blobs" / "sha256" / digest));

  // Second run: from the cache, nothing downloaded; the table names the class.
  r = cli({"run", "resnet18", "--image", image, "--topk", "1"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("golden retriever") && Catch::Contains("207") &&
                        Catch::Contains("0.95"));
  CHECK(nginx.requests("/" + file).size() == 1);

  // The same file through --weights gives the same answer without the cache.
  r = cli({"run", "resnet18", "--image", image, "--weights", (docroot / file).string(), "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["predictions"][0]["index"] == 207);

  // The cached blob patched in place (same size, mtime set back): `info`
  // no longer vouches for it, and `run` re-hashes it, moves it aside and
  // downloads the published bytes again instead of answering from it.
  r = cli({"info", "resnet18.KNOWN_V1"});
  CHECK_THAT(r.out, Catch::Contains("unchanged since"));
  const fs::path blob = root / "home" / "blobs" / "sha256" / digest;
  struct stat before {};
  ::stat(blob.c_str(), &before);
  ::chmod(blob.c_str(), 0644);
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    f.write("\x7f\x7f\x7f\x7f", 4);
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ::utimensat(AT_FDCWD, blob.c_str(), times, 0);
  ::chmod(blob.c_str(), 0444);
  r = cli({"info", "resnet18.KNOWN_V1"});
  CHECK_THAT(r.out, Catch::Contains("changed since it was hashed"));
  r = cli({"run", "resnet18", "--image", image, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["predictions"][0]["index"] == 207);
  CHECK(nginx.requests("/" + file).size() == 2);
  CHECK(test::sha256_of_file(blob.string()) == digest);
  CHECK(std::distance(fs::directory_iterator(root / "home" / "quarantine"),
                      fs::directory_iterator()) == 1);
}

TEST_CASE("a checkpoint of another model: counts and a few keys, every key with --verbose",
          "[vision][pipeline]") {
  if (test::vision_fixture_index().is_null()) {
    WARN("skipped: no fixtures (vision_fixtures needs python3-torchvision)");
    return;
  }
  cache::test::TempDir root;
  write_png((root / "image.png").string());
  const Cli cli{(root / "home").string(), test::vision_plugin_dir(), ""};
  const std::vector<std::string> args = {"run",       "resnet18",
                                         "--image",   (root / "image.png").string(),
                                         "--weights", test::fixture_path("efficientnet_b0.pth")};
  auto lines = [](const std::string& text) { return std::count(text.begin(), text.end(), '\n'); };
  auto r = cli(args);
  CHECK(r.exit_code == 1);
  INFO(r.err);
  const std::size_t at = r.err.find("(strict): ");
  REQUIRE(at != std::string::npos);
  CHECK_THAT(r.err.substr(at, r.err.find('\n', at) - at),
             Catch::Matches("\\(strict\\): [0-9]+ missing, [0-9]+ unexpected, [0-9]+ mismatched"));
  CHECK_THAT(r.err, Catch::Contains("more missing (--verbose lists every key)") &&
                        Catch::Contains("more unexpected (--verbose lists every key)"));
  CHECK(lines(r.err) < 20);
  auto all = args;
  all.push_back("--verbose");
  r = cli(all);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("missing from the checkpoint: layer4.1.conv2.weight") &&
                        !Catch::Contains("--verbose lists"));
  CHECK(lines(r.err) > 100);
}

TEST_CASE("hub.load: a pretrained model in one call, through the mirror and the cache",
          "[vision][pipeline][load]") {
  KnownMirror mirror;
  const auto& [known, root, docroot, file, image_path] = mirror;
  Nginx nginx(docroot);

  HubOptions hub_options;
  hub_options.plugin_path = std::vector<fs::path>{MODELZOO_VISION_KNOWN_PLUGIN_DIR};
  hub_options.trust = trust::TrustMode::kOff;
  hub_options.registry_cache = fs::path();
  Hub hub(hub_options);
  PretrainedOptions options;
  cache::CacheConfig cache_config;
  cache_config.root = root / "home";
  cache_config.mirror = nginx.url("/");
  cache_config.reuse_torch_hub = false;
  options.cache = cache_config;

  // One call: resolve, pull from the mirror, verify, build, load, eval.
  Pretrained loaded = hub.load("resnet18", options);
  REQUIRE(loaded.model);
  CHECK(loaded.name == "vision/resnet18");
  REQUIRE(loaded.variant);
  CHECK(loaded.variant->tag == "KNOWN_V1");
  CHECK(loaded.file("weights").rfind((root / "home").string(), 0) == 0);
  CHECK(nginx.requests("/" + file).size() == 1);
  CHECK_FALSE(loaded.model->is_training());

  // Its logits are what `modelzoo run` reports for the same image.
  const auto preprocess = image::preprocess_from_json(*loaded.variant->meta_value("transforms"));
  torch::Tensor logits;
  {
    torch::InferenceMode guard;
    logits = loaded.model->forward(
        image::preprocess(image::decode_file(image_path), preprocess).unsqueeze(0));
  }
  const auto probs = torch::softmax(logits[0].to(torch::kFloat64), 0);
  const Cli cli{(root / "home").string(), MODELZOO_VISION_KNOWN_PLUGIN_DIR, nginx.url("/")};
  auto r = cli({"run", "resnet18", "--image", image_path, "--json", "--topk", "3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json result = nlohmann::json::parse(r.out);  // outlives the loop
  for (const auto& row : result["predictions"])
    CHECK(row["probability"].get<double>() ==
          Approx(probs[row["index"].get<int64_t>()].item<double>()).epsilon(1e-9));

  // A second load is a cache hit: nothing more is downloaded.
  Pretrained again = hub.load("vision/resnet18.KNOWN_V1", options);
  CHECK(again.file("weights") == loaded.file("weights"));
  CHECK(nginx.requests("/" + file).size() == 1);

  // Config overrides: a new head for 10 classes is adapted and reported.
  PretrainedOptions ten_classes = options;
  ten_classes.config = {{"num_classes", 10}};
  Pretrained ten = hub.load("resnet18", ten_classes);
  CHECK(ten.config["num_classes"] == 10);
  CHECK(ten.model->classifier()->num_classes() == 10);
  CHECK_THAT(nlohmann::json(ten.notes()).dump(), Catch::Contains("10 classes"));

  // Offline with an empty cache: the error names the file.
  PretrainedOptions offline = options;
  offline.cache->root = root / "empty-home";
  offline.network = cache::NetworkPolicy::offline;
  CHECK_THROWS_WITH(hub.load("resnet18", offline),
                    Catch::Contains(file) && Catch::Contains("offline"));
}

TEST_CASE("a real variant goes to the mirror, and a file failing its prefix is refused",
          "[vision][pipeline]") {
  cache::test::TempDir root;
  const fs::path docroot = root / "mirror";
  fs::create_directories(docroot);
  // Not the published bytes: they cannot hash to 11ad3fa6….
  cache::test::write_random_file(docroot / "resnet50-11ad3fa6.pth", 4096, 7);
  write_png((root / "image.png").string());
  Nginx nginx(docroot);
  // The real plugin (the build tree's plugin directory is searched by default).
  const Cli cli{(root / "home").string(), "", nginx.url("/")};
  const auto r = cli({"run", "vision/resnet50", "--image", (root / "image.png").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("resnet50-11ad3fa6.pth") && Catch::Contains("11ad3fa6"));
  CHECK_FALSE(nginx.requests("/resnet50-11ad3fa6.pth").empty());
  // Nothing entered the cache.
  CHECK((!fs::exists(root / "home" / "blobs" / "sha256") ||
         fs::is_empty(root / "home" / "blobs" / "sha256")));
}

TEST_CASE("run converts the image to the model's in_chans", "[vision][pipeline][image]") {
  KnownMirror mirror;
  const auto& [known, root, docroot, file, image] = mirror;
  Nginx nginx(docroot);
  const Cli cli{(root / "home").string(), MODELZOO_VISION_KNOWN_PLUGIN_DIR, nginx.url("/")};

  // One channel: the RGB photo as gray (PIL's luma), into a first layer
  // summed over the checkpoint's three.
  auto r = cli({"run", "vision/resnet18.KNOWN_V1", "-c", "in_chans=1", "--image", image, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = nlohmann::json::parse(r.out);
  CHECK(out["input_shape"] == nlohmann::json::array({1, 1, 224, 224}));
  CHECK_THAT(out["notes"].dump(), Catch::Contains("adapted from 3 to 1 input channels"));
  CHECK(out["predictions"][0]["index"] == 207);  // the bias decides, as for RGB

  // Four: R, G, B, R, as the adapted layer repeats its weights.
  r = cli({"run", "resnet18", "-c", "in_chans=4", "--image", image, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  out = nlohmann::json::parse(r.out);
  CHECK(out["input_shape"] == nlohmann::json::array({1, 4, 224, 224}));
  CHECK_THAT(out["notes"].dump(), Catch::Contains("adapted from 3 to 4 input channels"));
}

namespace {

// A gray PNG of side x side zeros, compressed to a few hundred KB, written
// row by row (the bomb is never in memory as pixels).
void write_png_bomb(const std::string& path, uint32_t side) {
  FILE* file = std::fopen(path.c_str(), "wb");
  REQUIRE(file);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, file);
  png_set_compression_level(png, 9);
  png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<uint8_t> row(side, 0);
  for (uint32_t y = 0; y < side; ++y) png_write_row(png, row.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  std::fclose(file);
}

}  // namespace

TEST_CASE("run refuses a PNG bomb quickly, under a memory limit", "[vision][pipeline][image]") {
  cache::test::TempDir root;
  const std::string bomb = (root / "bomb.png").string();
  write_png_bomb(bomb, 16384);  // 268 Mpx: 805 MB as RGB, in about 260 KB
  CHECK(fs::file_size(bomb) < 400 * 1024);
  const std::string image = (root / "image.png").string();
  write_png(image);
  // `prlimit --as` of 1.5 GiB: enough for `run resnet18` on a photo (the
  // CLI with LibTorch maps about 0.9 GiB), not for one RGBA or float copy
  // of the bomb.
  // Under AddressSanitizer no address-space limit can hold (its shadow
  // reserves terabytes): there the refusal, its message and its time are
  // checked without it.
#if defined(__SANITIZE_ADDRESS__)
  const std::vector<std::string> limit;
#else
  const std::vector<std::string> limit = {"/usr/bin/prlimit",
                                          "--as=" + std::to_string(size_t{3} << 29)};
#endif
  auto run = [&](const std::string& file) {
    std::vector<std::string> argv = limit;
    argv.insert(argv.end(),
                {test::cli_path(), "run", "resnet18", "--random-init", "--image", file});
    return run_process(argv,
                       {{"MODELZOO_HOME", (root / "home").string()}, {"MODELZOO_TRUST", "off"}});
  };
  auto r = run(image);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto start = std::chrono::steady_clock::now();
  r = run(bomb);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains(bomb) && Catch::Contains("16384x16384") &&
                        Catch::Contains("more than the limit of 178956970"));
  // Refused from the header before the model is even loaded (main took
  // 22 s and 4.2 GB to classify it).
  CHECK(seconds < 10);
}
