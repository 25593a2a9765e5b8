// The LUT family's YAML reader on hostile and broken configs: aliases,
// duplicate keys, bytes that are not UTF-8, too many nodes, too deep, too
// large. Each is refused fast, at load, with the file and the fix named.
#include <chrono>
#include <filesystem>
#include <fstream>

#include "error_text.h"
#include "lut_config.h"
#include "modelzoo/sdk/error.h"
#include "process.h"
#include "yaml_bomb.h"
#include "yaml_reader.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using modelzoo::lut::LutConfig;

using modelzoo::test::error_of;

namespace {

const char* kValid = R"(model_type: feedforward
layer_widths: [200, 100]
num_classes: 10
seed: 3
)";

}  // namespace

TEST_CASE("a YAML alias bomb is refused at once, naming the file and the fix",
          "[lut][config][yaml][security]") {
  modelzoo::test::TempDir dir;
  const std::string path = dir.path() + "/bomb.yaml";
  const std::string bomb = modelzoo::lut::test::alias_bomb(kValid);
  REQUIRE(bomb.size() < 1024);
  { std::ofstream(path) << bomb; }
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of([&] { LutConfig::from_yaml_file(path); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_THAT(error, Contains(path + ": line 7, column") &&
                        Contains("YAML aliases (*name) are not accepted") &&
                        Contains("write the value out in full"));
  CHECK(seconds < 1.0);
  // One alias alone is refused too: DiffLUT configs use none.
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("seed: &s 3\nnum_classes: *s\n", "a.yaml"); }),
             Contains("a.yaml: line 2") && Contains("aliases"));
}

TEST_CASE("a key given twice in one mapping is refused, not resolved by order",
          "[lut][config][yaml]") {
  const std::string text = std::string(kValid) + "runtime:\n  temperature: 0.5\nseed: 4\n";
  CHECK_THAT(error_of([&] { LutConfig::from_yaml_text(text, "twice.yaml"); }),
             Contains("twice.yaml: line 7, column 1: duplicate key 'seed' (first at line 4)") &&
                 Contains("remove one of them"));
  // Inside a nested mapping, and in flow style.
  CHECK_THAT(error_of([] {
               LutConfig::from_yaml_text("runtime: {temperature: 1, temperature: 2}\n", "f.yaml");
             }),
             Contains("f.yaml: line 1") && Contains("duplicate key 'temperature'"));
  // The same key in two mappings is fine.
  CHECK_NOTHROW(LutConfig::from_yaml_text(
      std::string(kValid) + "metadata:\n  seed: 1\n  other: {seed: 2}\n", "ok.yaml"));
}

TEST_CASE("strings that are not UTF-8 are refused at load, not when training writes them",
          "[lut][config][yaml]") {
  const std::string raw = std::string(kValid) + "dataset: fashion-\xff\xfe-mnist\n";
  const std::string error = error_of([&] { LutConfig::from_yaml_text(raw, "latin1.yaml"); });
  CHECK_THAT(error, Contains("latin1.yaml: line 5, column 10") &&
                        Contains("in the string 'fashion-', the next byte is not UTF-8 (0xff)") &&
                        Contains("save the file as UTF-8"));
  // An overlong form in a key; an escape for a lone surrogate (which
  // yaml-cpp refuses itself).
  CHECK_THAT(error_of([] {
               LutConfig::from_yaml_text(
                   "se\xc0\xaf"
                   "ed: 1\n",
                   "k.yaml");
             }),
             Contains("k.yaml: line 1") && Contains("not UTF-8"));
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("dataset: \"\\ud800\"\n", "e.yaml"); }),
             Contains("e.yaml: not valid YAML") && Contains("invalid unicode"));
  // Well-formed UTF-8 is kept as it is.
  const auto ok = LutConfig::from_yaml_text(std::string(kValid) + "dataset: \"Mode – 時尚\"\n");
  CHECK(ok.dataset == "Mode – 時尚");
}

TEST_CASE("a config's size, node count and depth are bounded", "[lut][config][yaml][security]") {
  std::string many = std::string(kValid) + "metadata:\n  values: [";
  for (size_t i = 0; i <= modelzoo::lut::kMaxYamlNodes; ++i) many += "1,";
  many += "1]\n";
  CHECK_THAT(error_of([&] { LutConfig::from_yaml_text(many, "many.yaml"); }),
             Contains("many.yaml: line 6") && Contains("more than 100000 YAML nodes"));

  std::string deep = std::string(kValid) + "metadata: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  CHECK_THAT(error_of([&] { LutConfig::from_yaml_text(deep + "\n", "deep.yaml"); }),
             Contains("deep.yaml: line 5") && Contains("nested more than 32 levels deep"));

  modelzoo::test::TempDir dir;
  const std::string big = dir.path() + "/big.yaml";
  {
    std::ofstream out(big);
    out << kValid << "# " << std::string(modelzoo::lut::kMaxYamlBytes, 'x') << "\n";
  }
  CHECK_THAT(error_of([&] { LutConfig::from_yaml_file(big); }),
             Contains(big + " is 1048") && Contains("a LUT config is at most 1048576"));
}

TEST_CASE("what a config cannot mean is refused with its line", "[lut][config][yaml]") {
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("{[1]: 2}\n", "c.yaml"); }),
             Contains("c.yaml: line 1") && Contains("keys must be plain names"));
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("~: 2\n", "n.yaml"); }),
             Contains("n.yaml: line 1") && Contains("mapping key is empty or null"));
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("seed: 1\n---\nseed: 2\n", "d.yaml"); }),
             Contains("d.yaml: line 2") && Contains("a second YAML document"));
  CHECK_THAT(error_of([] { LutConfig::from_yaml_text("seed: [1\n", "u.yaml"); }),
             Contains("u.yaml: not valid YAML"));
}

TEST_CASE("scalars are typed as before: quoted strings stay strings", "[lut][config][yaml]") {
  const auto j = modelzoo::lut::read_yaml_as_json(
      "a: 1\nb: 2.5\nc: yes\nd: False\ne: ~\nf:\ng: '7'\nh: text\ni: [1, x]\n", "t.yaml");
  CHECK(j == nlohmann::json::parse(
                 R"({"a": 1, "b": 2.5, "c": true, "d": false, "e": null, "f": null, "g": "7",
                     "h": "text", "i": [1, "x"]})"));
  CHECK(modelzoo::lut::read_yaml_as_json("", "empty.yaml").is_null());
}

TEST_CASE("strings that read like numbers, booleans or null survive save → load",
          "[lut][config][yaml]") {
  // Found by fuzz_lut_config: the string "no" was written unquoted and read
  // back as false (a quoted `dataset: "1"` came back as a number, and a run
  // could not resume from its own checkpoint).
  const auto c = LutConfig::from_yaml_text(std::string(kValid) +
                                           "dataset: \"1\"\n"
                                           "metadata: {a: 'no', b: '~', c: '', d: 'True', "
                                           "e: '2.5e3', '~': key, f: [yes, 'yes']}\n");
  const auto again = LutConfig::from_yaml_text(c.to_yaml(), "written");
  CHECK(again.dataset == "1");
  CHECK(again.to_json() == c.to_json());
  CHECK(again.metadata["a"] == "no");
  CHECK(again.metadata["f"] == nlohmann::json::parse(R"([true, "yes"])"));
  // Also found by it: control characters and edge spaces were written
  // plain, and a trailing "\r" was lost on reading back.
  const auto odd = LutConfig::from_yaml_text(std::string(kValid) +
                                             "metadata: {a: \"89.50   \\r\\rde\\r\", "
                                             "b: \" lead\", c: \"tab\\there\\x01\"}\n");
  CHECK(odd.metadata["a"] == "89.50   \r\rde\r");
  CHECK(LutConfig::from_yaml_text(odd.to_yaml(), "written").to_json() == odd.to_json());
}
