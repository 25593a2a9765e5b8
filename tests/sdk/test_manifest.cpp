// The manifest schema: what parses, and the error each flaw gets.
#include <catch2/catch.hpp>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/manifest.h"

using modelzoo::Error;
using nlohmann::json;

namespace {

json valid_plugin() {
  return json::parse(R"({
    "family": "vision", "plugin_version": "1.0.0", "vendor": "acme",
    "entrypoints": [{
      "name": "resnet50", "summary": "ResNet-50", "doc": "Deep residual network.",
      "config": {"num_classes": 1000, "zero_init_residual": false},
      "input": {"shape": ["N", 3, "H", "W"], "dtype": "float32",
                "preprocess": {"resize": 232, "crop": 224, "interpolation": "bilinear",
                               "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}},
      "variants": [
        {"tag": "IMAGENET1K_V1", "file": "resnet50-0676ba61.pth", "format": "pth",
         "urls": ["https://download.pytorch.org/models/resnet50-0676ba61.pth"],
         "sha256_prefix": "0676ba61", "meta": {"num_classes": 1000}},
        {"tag": "IMAGENET1K_V2", "default": true, "file": "resnet50-11ad3fa6.pth", "format": "pth",
         "urls": ["https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
                  "https://mirror.example/resnet50-11ad3fa6.pth"],
         "sha256": "11AD3FA6e0d1cbd94f4e5b4d30f1a6d8dfa7c3f48a6d31d5b9b9b42f3c8b1e0a",
         "size": 102540417,
         "meta": {"metrics": {"ImageNet-1K": {"acc@1": 80.858}}}}]}]})");
}

json document(const json& plugin) {
  return {{"format", 1},
          {"build",
           {{"sdk_abi", "1.0"}, {"torch", "1.13.0"}, {"cxx11_abi", 1}, {"compiler", "gcc-12"}}},
          {"plugin", plugin}};
}

std::string error_of(const json& plugin) {
  try {
    modelzoo::parse_plugin_manifest(plugin);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a complete manifest parses into typed fields", "[manifest]") {
  const auto m = modelzoo::parse_manifest_document(document(valid_plugin()).dump());
  CHECK(m.family == "vision");
  CHECK(m.build.sdk_abi_major == 1);
  CHECK(m.build.sdk_abi_minor == 0);
  CHECK(m.build.torch == "1.13.0");
  CHECK(m.build.cxx11_abi == 1);
  REQUIRE(m.entrypoints.size() == 1);
  const auto& e = m.entrypoints[0];
  CHECK(e.config["num_classes"] == 1000);
  REQUIRE(e.input().shape.size() == 4);
  CHECK(e.input().shape[0].name == "N");
  CHECK(e.input().shape[1].size == 3);
  CHECK(e.input().preprocess.resize == 232);
  CHECK(e.input().preprocess.crop == 224);
  CHECK(e.input().preprocess.mean.size() == 3);
  CHECK(e.default_tag == "IMAGENET1K_V2");
  REQUIRE(e.variants.size() == 2);
  REQUIRE(e.variants[0].files.size() == 1);  // the single-file form is one file of role weights
  CHECK(e.variants[0].weights().role == "weights");
  CHECK(e.variants[0].weights().sha256.is_prefix);
  CHECK(e.variants[0].weights().sha256.hex == "0676ba61");
  CHECK_FALSE(e.variants[1].weights().sha256.is_prefix);
  CHECK(e.variants[1].weights().sha256.hex.substr(0, 8) == "11ad3fa6");  // normalised to lower case
  CHECK(e.variants[1].weights().size == 102540417u);
  CHECK(e.variants[1].weights().urls.size() == 2);
  CHECK(e.find_variant("DEFAULT") == &e.variants[1]);
  CHECK(e.find_variant("IMAGENET1K_V1") == &e.variants[0]);
  CHECK(e.find_variant("IMAGENET1K_V3") == nullptr);
}

TEST_CASE("entrypoint names take '-' as Hugging Face's model names do", "[manifest]") {
  json p = valid_plugin();
  p["entrypoints"][0]["name"] = "all-MiniLM-L6-v2";
  CHECK(modelzoo::parse_plugin_manifest(p).entrypoints.at(0).name == "all-MiniLM-L6-v2");
}

TEST_CASE("entrypoint names take single dots inside, unless they read as NAME.TAG", "[manifest]") {
  json p = valid_plugin();
  p["entrypoints"][0]["name"] = "qwen2.5-0.5b-instruct";
  CHECK(modelzoo::parse_plugin_manifest(p).entrypoints.at(0).name == "qwen2.5-0.5b-instruct");
  for (const char* bad : {"tiny.", "a..b", ".en"}) {
    INFO(bad);
    p["entrypoints"][0]["name"] = bad;
    CHECK_THAT(error_of(p), Catch::Contains("is not a valid name"));
  }
  // resnet50 has the tag IMAGENET1K_V2: "resnet50.IMAGENET1K_V2" cannot be a name too.
  p = valid_plugin();
  json twin = p["entrypoints"][0];
  twin["name"] = "resnet50.IMAGENET1K_V2";
  p["entrypoints"].push_back(twin);
  CHECK_THAT(error_of(p), Catch::Contains("also reads as entrypoint 'resnet50' with tag "
                                          "'IMAGENET1K_V2'"));
}

TEST_CASE("to_json round-trips an entrypoint", "[manifest]") {
  const auto m = modelzoo::parse_plugin_manifest(valid_plugin());
  const auto again = modelzoo::parse_entrypoint(modelzoo::to_json(m.entrypoints[0]), "e");
  CHECK(modelzoo::to_json(again) == modelzoo::to_json(m.entrypoints[0]));
  CHECK(again.default_tag == "IMAGENET1K_V2");
}

TEST_CASE("an audio input: its sample rate is required, mono unless it says otherwise",
          "[manifest]") {
  json p = valid_plugin();
  p["entrypoints"][0]["input"] = {
      {"name", "waveforms"}, {"kind", "audio"}, {"shape", {"N", "T"}}, {"sample_rate", 16000}};
  const auto mono = modelzoo::parse_plugin_manifest(p).entrypoints[0].input();
  CHECK(mono.sample_rate == 16000);
  CHECK(mono.channels == 1);
  CHECK(modelzoo::to_json(mono)["channels"] == 1);
  CHECK(modelzoo::parse_entrypoint(
            modelzoo::to_json(modelzoo::parse_plugin_manifest(p).entrypoints[0]), "again")
            .input()
            .sample_rate == 16000);

  p["entrypoints"][0]["input"]["channels"] = 2;
  CHECK(modelzoo::parse_plugin_manifest(p).entrypoints[0].input().channels == 2);

  SECTION("no rate") {
    p["entrypoints"][0]["input"].erase("sample_rate");
    CHECK_THAT(error_of(p), Catch::Contains("input.sample_rate': missing"));
  }
  SECTION("a rate that is not a positive integer") {
    p["entrypoints"][0]["input"]["sample_rate"] = 0;
    CHECK_THAT(error_of(p), Catch::Contains("input.sample_rate'"));
    p["entrypoints"][0]["input"]["sample_rate"] = 16000.5;
    CHECK_THAT(error_of(p), Catch::Contains("input.sample_rate'"));
  }
  SECTION("a rate on an input that is not audio") {
    p["entrypoints"][0]["input"]["kind"] = "tensor";
    CHECK_THAT(error_of(p), Catch::Contains("describe audio inputs"));
  }
}

TEST_CASE("each flaw is refused with the field's path", "[manifest]") {
  json p = valid_plugin();
  SECTION("missing vendor") {
    p.erase("vendor");
    CHECK_THAT(error_of(p), Catch::Contains("'plugin.vendor': missing"));
  }
  SECTION("entrypoints not an array") {
    p["entrypoints"] = "resnet50";
    CHECK_THAT(error_of(p), Catch::Contains("plugin.entrypoints"));
  }
  SECTION("duplicate entrypoint") {
    p["entrypoints"].push_back(p["entrypoints"][0]);
    CHECK_THAT(error_of(p), Catch::Contains("duplicate entrypoint 'resnet50'"));
  }
  SECTION("name ending with a dot (dots inside are allowed, see above)") {
    p["entrypoints"][0]["name"] = "resnet50.";
    CHECK_THAT(error_of(p), Catch::Contains("entrypoints[0].name"));
  }
  SECTION("name starting with '-'") {
    p["entrypoints"][0]["name"] = "-resnet50";
    CHECK_THAT(error_of(p), Catch::Contains("entrypoints[0].name"));
  }
  SECTION("unknown field is a typo, not ignored") {
    p["entrypoints"][0]["sumary"] = "x";
    CHECK_THAT(error_of(p), Catch::Contains("entrypoints[0].sumary': unknown field"));
  }
  SECTION("input without shape") {
    p["entrypoints"][0]["input"].erase("shape");
    CHECK_THAT(error_of(p), Catch::Contains("input.shape': missing"));
  }
  SECTION("a misspelt preprocessing step") {
    p["entrypoints"][0]["input"]["preprocess"]["resise"] = 256;
    CHECK_THAT(error_of(p), Catch::Contains("preprocess.resise': unknown field"));
  }
  SECTION("mean and std of different lengths") {
    p["entrypoints"][0]["input"]["preprocess"]["std"] = {0.2};
    CHECK_THAT(error_of(p), Catch::Contains("one value per channel"));
  }
  SECTION("full digest of the wrong length") {
    p["entrypoints"][0]["variants"][1]["sha256"] = "11ad3fa6";
    CHECK_THAT(error_of(p), Catch::Contains("expected 64 hex digits (got 8)") &&
                                Catch::Contains("sha256_prefix"));
  }
  SECTION("both digest kinds") {
    p["entrypoints"][0]["variants"][0]["sha256"] = std::string(64, 'a');
    CHECK_THAT(error_of(p), Catch::Contains("exactly one of"));
  }
  SECTION("non-hex digest") {
    p["entrypoints"][0]["variants"][0]["sha256_prefix"] = "0676bz61";
    CHECK_THAT(error_of(p), Catch::Contains("hexadecimal"));
  }
  SECTION("unknown format") {
    p["entrypoints"][0]["variants"][0]["format"] = "onnx";
    CHECK_THAT(error_of(p), Catch::Contains("unknown weights format 'onnx'"));
  }
  SECTION("file given as a path") {
    p["entrypoints"][0]["variants"][0]["file"] = "../../etc/passwd";
    CHECK_THAT(error_of(p), Catch::Contains("plain file name"));
  }
  SECTION("no default variant") {
    p["entrypoints"][0]["variants"][1].erase("default");
    CHECK_THAT(error_of(p), Catch::Contains("mark exactly one variant"));
  }
  SECTION("two default variants") {
    p["entrypoints"][0]["variants"][0]["default"] = true;
    CHECK_THAT(error_of(p), Catch::Contains("both 'IMAGENET1K_V1' and 'IMAGENET1K_V2'"));
  }
  SECTION("DEFAULT used as a tag") {
    p["entrypoints"][0]["variants"][0]["tag"] = "DEFAULT";
    CHECK_THAT(error_of(p), Catch::Contains("DEFAULT is reserved"));
  }
  SECTION("duplicate tag") {
    p["entrypoints"][0]["variants"][0]["tag"] = "IMAGENET1K_V2";
    CHECK_THAT(error_of(p), Catch::Contains("duplicate tag"));
  }
  SECTION("variant metadata with the wrong types") {
    auto& meta = p["entrypoints"][0]["variants"][1]["meta"];
    const std::string where = "in entrypoint 'resnet50', variant 'IMAGENET1K_V2'";
    meta["categories"] = "tench";
    CHECK_THAT(error_of(p),
               Catch::Contains("variants[1].meta.categories': expected an array of strings") &&
                   Catch::Contains(where));
    meta["categories"] = {"tench", 7};
    CHECK_THAT(error_of(p), Catch::Contains("meta.categories[1]': expected a string (got 7)"));
    meta["categories"] = {"tench", "goldfish"};
    CHECK(error_of(p) == "(no error)");
    meta["num_classes"] = "1000";
    CHECK_THAT(error_of(p), Catch::Contains("meta.num_classes': expected a non-negative integer"));
    meta["num_classes"] = 1000;
    meta["num_params"] = 2.5;
    CHECK_THAT(error_of(p), Catch::Contains("meta.num_params'"));
    meta["num_params"] = 25557032;
    meta["metrics"]["ImageNet-1K"]["acc@1"] = "80.9";
    CHECK_THAT(error_of(p), Catch::Contains("meta.metrics.ImageNet-1K.acc@1': expected a number"));
    meta["metrics"] = {{"ImageNet-1K", {{"acc@1", 80.9}}}, {"GFLOPS", 4.1}};
    CHECK(error_of(p) == "(no error)");
    meta["metrics"] = json::array({80.9});
    CHECK_THAT(error_of(p), Catch::Contains("meta.metrics'"));
    meta.erase("metrics");
    meta["license"] = json::object();
    CHECK_THAT(error_of(p), Catch::Contains("meta.license': expected a string"));
    meta["license"] = "BSD-3-Clause";
    meta["recipe"] = 3;
    CHECK_THAT(error_of(p), Catch::Contains("meta.recipe': expected a string"));
    meta["recipe"] = "https://github.com/pytorch/vision/tree/main/references/classification";
    meta["config"] = json::array({1000});
    CHECK_THAT(error_of(p), Catch::Contains("meta.config': expected an object of config keys"));
    meta["config"] = {{"num_classes", 1000}};
    meta["transforms"] = {{"crop", "224"}};
    CHECK_THAT(error_of(p), Catch::Contains("meta.transforms.crop"));
    meta["transforms"] = {{"resize", 384}, {"crop", 384}};
    CHECK(error_of(p) == "(no error)");
  }
  SECTION("a URL that is not one") {
    p["entrypoints"][0]["variants"][0]["urls"] = {"download.pytorch.org/x.pth"};
    CHECK_THAT(error_of(p), Catch::Contains("is not a URL"));
  }
}

namespace {

// GPT-2 as Hugging Face publishes it: sharded weights with their index, and
// the tokenizer's two files, each pinned to a commit.
json several_file_variant() {
  const std::string base =
      "https://huggingface.co/openai-community/gpt2/resolve/"
      "607a30d783dfa663caf39e06633721c8d4cfcd7e/";
  auto file = [&](const char* role, const char* name, const char* format, char digit) {
    return json{{"role", role},
                {"file", name},
                {"format", format},
                {"urls", {base + name}},
                {"sha256", std::string(64, digit)}};
  };
  return {{"tag", "OPENAI"},
          {"default", true},
          {"files",
           {file("weights-index", "model.safetensors.index.json", "safetensors-index", '1'),
            file("weights", "model-00001-of-00002.safetensors", "safetensors", '2'),
            file("weights", "model-00002-of-00002.safetensors", "safetensors", '3'),
            file("vocab", "vocab.json", "json", '4'), file("merges", "merges.txt", "text", '5')}},
          {"meta", {{"license", "MIT"}}}};
}

}  // namespace

TEST_CASE("a variant of several files: roles, shards, pinned URLs", "[manifest]") {
  json p = valid_plugin();
  p["entrypoints"][0]["variants"] = {several_file_variant()};
  const auto m = modelzoo::parse_plugin_manifest(p);
  const auto& v = m.entrypoints[0].variants.at(0);
  REQUIRE(v.files.size() == 5);
  CHECK(v.weights().file == "model-00001-of-00002.safetensors");
  CHECK(v.find_file("weights-index")->format == "safetensors-index");
  CHECK(v.find_file("merges")->file == "merges.txt");
  CHECK(v.find_file("merges")->format == "text");
  CHECK(v.find_file("tokenizer") == nullptr);
  // It round-trips in the several-file form.
  const auto again = modelzoo::parse_entrypoint(modelzoo::to_json(m.entrypoints[0]), "e");
  CHECK(modelzoo::to_json(again) == modelzoo::to_json(m.entrypoints[0]));
  CHECK(again.variants[0].files.size() == 5);

  auto& files = p["entrypoints"][0]["variants"][0]["files"];
  SECTION("a URL on a moving branch") {
    files[3]["urls"] = {"https://huggingface.co/openai-community/gpt2/resolve/main/vocab.json"};
    CHECK_THAT(error_of(p), Catch::Contains("files[3].urls[0]") &&
                                Catch::Contains("moving revision 'main'") &&
                                Catch::Contains("pin it to a commit"));
  }
  SECTION("a role twice") {
    files[4]["role"] = "vocab";
    CHECK_THAT(error_of(p),
               Catch::Contains("files[4].role") && Catch::Contains("role 'vocab' appears twice"));
  }
  SECTION("a file twice") {
    files[2]["file"] = "model-00001-of-00002.safetensors";
    CHECK_THAT(error_of(p), Catch::Contains("appears twice in the variant"));
  }
  SECTION("no weights") {
    p["entrypoints"][0]["variants"][0]["files"] = {files[3], files[4]};
    CHECK_THAT(error_of(p), Catch::Contains("no file has role \"weights\""));
  }
  SECTION("an index without shards") {
    p["entrypoints"][0]["variants"][0]["files"] = {files[0], files[3]};
    CHECK_THAT(error_of(p), Catch::Contains("no file has role \"weights\""));
  }
  SECTION("an index as weights") {
    files[0]["role"] = "weights";
    CHECK_THAT(error_of(p), Catch::Contains("a shard index has role weights-index"));
  }
  SECTION("a weights file in a data format") {
    files[1]["format"] = "json";
    CHECK_THAT(error_of(p), Catch::Contains("unknown weights format 'json'"));
  }
  SECTION("a file name the cache cannot alias") {
    files[3]["file"] = "vocab file.json";
    CHECK_THAT(error_of(p), Catch::Contains("files[3].file"));
  }
  SECTION("the single-file fields beside files") {
    p["entrypoints"][0]["variants"][0]["file"] = "x.pth";
    CHECK_THAT(error_of(p), Catch::Contains("variants[0].file': unknown field"));
  }
  SECTION("a file without a role") {
    files[3].erase("role");
    CHECK_THAT(error_of(p), Catch::Contains("files[3].role': missing"));
  }
}

TEST_CASE("a metadata table is named once and shared by the variants that refer to it",
          "[manifest]") {
  json p = valid_plugin();
  p["tables"] = {{"imagenet", {"tench", "goldfish"}}};
  for (auto& v : p["entrypoints"][0]["variants"])
    v["meta"]["categories"] = {{"$table", "imagenet"}};
  const auto m = modelzoo::parse_plugin_manifest(p);
  const auto& v1 = m.entrypoints[0].variants[0];
  const auto& v2 = m.entrypoints[0].variants[1];
  REQUIRE(v1.meta_value("categories"));
  CHECK(*v1.meta_value("categories") == json({"tench", "goldfish"}));
  CHECK(v1.meta_value("categories") == v2.meta_value("categories"));  // one copy, shared
  CHECK(v1.meta_value("license") == nullptr);
  CHECK(v2.resolved_meta()["categories"][1] == "goldfish");
  CHECK(v2.resolved_meta()["metrics"]["ImageNet-1K"]["acc@1"] == 80.858);
  // The JSON form is self-contained, and parses again without the tables.
  const auto again = modelzoo::parse_entrypoint(modelzoo::to_json(m.entrypoints[0]), "e");
  CHECK(again.variants[0].meta["categories"] == json({"tench", "goldfish"}));

  SECTION("a reference to no table") {
    p["entrypoints"][0]["variants"][1]["meta"]["categories"] = {{"$table", "imagenet22k"}};
    CHECK_THAT(error_of(p), Catch::Contains("variants[1].meta.categories") &&
                                Catch::Contains("table 'imagenet22k'"));
  }
  SECTION("a reference with more than the name") {
    p["entrypoints"][0]["variants"][0]["meta"]["categories"]["extra"] = 1;
    CHECK_THAT(error_of(p), Catch::Contains("{\"$table\": \"NAME\"} and nothing else"));
  }
  SECTION("a table whose value does not fit the key") {
    p["tables"]["imagenet"] = {"tench", 3};
    CHECK_THAT(error_of(p), Catch::Contains("meta.categories[1]': expected a string (got 3)"));
  }
  SECTION("a reference without tables") {
    p.erase("tables");
    CHECK_THAT(error_of(p), Catch::Contains("which plugin.tables does not define"));
  }
}

TEST_CASE("commands and their options: what parses, and the error each flaw gets",
          "[manifest][commands]") {
  json p = valid_plugin();
  p["commands"] = json::parse(R"([
    {"verb": "run", "task": "image-classification", "summary": "Classify an image",
     "options": [{"name": "image", "short": "i", "type": "path", "required": true, "help": "Image"},
                 {"name": "topk", "short": "k", "type": "int", "default": 5},
                 {"name": "mode", "type": "string", "choices": ["fast", "exact"], "default": "fast"},
                 {"name": "labels", "type": "string", "multiple": true, "default": []},
                 {"name": "no-crop", "type": "bool"}]},
    {"verb": "train", "scope": "family", "summary": "Train from a config",
     "options": [{"name": "config-file", "type": "path", "positional": true, "required": true}]}])");
  const auto m = modelzoo::parse_plugin_manifest(p);
  REQUIRE(m.commands.size() == 2);
  const auto& run = m.commands[0];
  CHECK(run.key() == "run:image-classification");
  CHECK(m.commands[1].key() == "train");
  CHECK(m.commands[1].scope == modelzoo::CommandSpec::Scope::kFamily);
  REQUIRE(run.options.size() == 5);
  CHECK(run.options[0].required);
  CHECK(run.options[0].short_name == "i");
  CHECK(run.options[1].type == modelzoo::CommandOption::Type::kInt);
  CHECK(run.options[1].default_value == 5);
  CHECK(run.options[2].choices == std::vector<std::string>{"fast", "exact"});
  CHECK(run.options[3].multiple);
  CHECK(m.find_command("run", &m.entrypoints[0]) == nullptr);  // resnet50 declares no task here
  CHECK(m.find_command("train", nullptr) == &m.commands[1]);

  auto& options = p["commands"][0]["options"];
  SECTION("an option every command already has") {
    options[1]["name"] = "threads";
    CHECK_THAT(error_of(p), Catch::Contains("options[1].name") &&
                                Catch::Contains("one of the options every command has"));
  }
  SECTION("an unknown type") {
    options[1]["type"] = "float";
    CHECK_THAT(error_of(p), Catch::Contains("unknown option type 'float'"));
  }
  SECTION("a default of the wrong type") {
    options[1]["default"] = "5";
    CHECK_THAT(error_of(p), Catch::Contains("options[1].default': expected type int (got \"5\")"));
  }
  SECTION("a required option with a default") {
    options[0]["default"] = "x.png";
    CHECK_THAT(error_of(p), Catch::Contains("a required option has no default"));
  }
  SECTION("a bool flag that defaults to on") {
    options[4]["default"] = true;
    CHECK_THAT(error_of(p),
               Catch::Contains("options[4].default") && Catch::Contains("a bool option is a flag"));
  }
  SECTION("choices on a number") {
    options[1]["choices"] = {"1", "5"};
    CHECK_THAT(error_of(p), Catch::Contains("options[1].choices"));
  }
  SECTION("a short name twice") {
    options[1]["short"] = "i";
    CHECK_THAT(error_of(p), Catch::Contains("duplicate short name 'i'"));
  }
  SECTION("-h and -c belong to every command") {
    options[1]["short"] = "h";
    CHECK_THAT(error_of(p), Catch::Contains("other than c and h"));
  }
  SECTION("run without a task") {
    p["commands"][0].erase("task");
    CHECK_THAT(error_of(p), Catch::Contains("a run command serves the entrypoints of one task"));
  }
  SECTION("the same command twice") {
    p["commands"].push_back(p["commands"][1]);
    CHECK_THAT(error_of(p), Catch::Contains("duplicate command 'train'"));
  }
  SECTION("a misspelt field") {
    options[1]["defualt"] = 3;
    CHECK_THAT(error_of(p), Catch::Contains("options[1].defualt': unknown field"));
  }
}

TEST_CASE("document-level flaws", "[manifest]") {
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document("{\"format\": 1, "),
                    Catch::Contains("not well-formed JSON"));
  json d = document(valid_plugin());
  d["format"] = 2;
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(d.dump()),
                    Catch::Contains("unsupported manifest format 2"));
  d = document(valid_plugin());
  d["build"]["sdk_abi"] = "one";
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(d.dump()),
                    Catch::Contains("build.sdk_abi") && Catch::Contains("MAJOR.MINOR"));
  d = document(valid_plugin());
  d["build"]["cxx11_abi"] = 2;
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(d.dump()), Catch::Contains("0 or 1"));
  d = document(valid_plugin());
  d.erase("build");
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(d.dump()), Catch::Contains("build"));
}

TEST_CASE("a key given twice in one object is refused, not resolved by order", "[manifest]") {
  const json d = document(valid_plugin());
  std::string text = d.dump();
  REQUIRE(modelzoo::parse_manifest_document(text).build.torch == "1.13.0");
  text.insert(text.size() - 1,
              R"(,"build":{"sdk_abi":"1.0","torch":"9.9.9","cxx11_abi":1,"compiler":"gcc-12"})");
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(text),
                    Catch::Contains("key 'build' appears twice"));
  std::string nested = d.dump();
  const std::string vendor = R"("vendor":"acme")";
  nested.replace(nested.find(vendor), vendor.size(), vendor + R"(,"vendor":"modelzoo")");
  CHECK_THROWS_WITH(modelzoo::parse_manifest_document(nested),
                    Catch::Contains("key 'vendor' appears twice"));
}

TEST_CASE("a variant's config defaults keep the types the entrypoint's config declares",
          "[manifest]") {
  json p = valid_plugin();
  json& variant = p["entrypoints"][0]["variants"][1];
  SECTION("a value of the declared type parses; integers and floats interchange") {
    variant["meta"]["config"] = {{"num_classes", 10.0}, {"zero_init_residual", true}};
    CHECK(error_of(p) == "(no error)");
  }
  SECTION("a string where the entrypoint declares a number") {
    variant["meta"]["config"] = {{"num_classes", "1000"}};
    CHECK_THAT(error_of(p),
               Catch::Contains("'plugin.entrypoints[0].variants[1].meta.config.num_classes'") &&
                   Catch::Contains("entrypoint 'resnet50', variant 'IMAGENET1K_V2'") &&
                   Catch::Contains("declares it a number (default 1000)"));
  }
  SECTION("a number where the entrypoint declares true or false") {
    variant["meta"]["config"] = {{"zero_init_residual", 1}};
    CHECK_THAT(error_of(p), Catch::Contains("meta.config.zero_init_residual") &&
                                Catch::Contains("declares it true or false"));
  }
  SECTION("a key the entrypoint does not declare") {
    variant["meta"]["config"] = {{"num_clases", 10}};
    CHECK_THAT(error_of(p), Catch::Contains("meta.config.num_clases") &&
                                Catch::Contains("does not declare") &&
                                Catch::Contains("known keys: num_classes, zero_init_residual"));
  }
  SECTION("meta.num_classes where the entrypoint's num_classes is not a number") {
    p["entrypoints"][0]["config"]["num_classes"] = "many";
    CHECK_THAT(error_of(p), Catch::Contains("variants[0].meta.num_classes") &&
                                Catch::Contains("declares it a string"));
  }
  SECTION("through a table reference, too") {
    p["tables"] = {{"vit_config", {{"num_classes", "x"}}}};
    variant["meta"]["config"] = {{"$table", "vit_config"}};
    CHECK_THAT(error_of(p), Catch::Contains("meta.config.num_classes"));
  }
}

TEST_CASE("a command option's default is one of its choices", "[manifest]") {
  json p = valid_plugin();
  p["commands"] = json::parse(R"([{"verb": "run", "task": "image-classification", "summary": "Run",
    "options": [{"name": "mode", "type": "string", "choices": ["hard", "soft"],
                 "default": "hrad"}]}])");
  CHECK_THAT(error_of(p), Catch::Contains("options[0].default") &&
                              Catch::Contains("\"hrad\" is not one of the option's choices"));
  p["commands"][0]["options"][0]["default"] = "soft";
  CHECK(error_of(p) == "(no error)");
}
