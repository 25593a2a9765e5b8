// Names, tags, queries, shadowing and suggestions.
#include <catch2/catch.hpp>

#include <algorithm>

#include "modelzoo/registry/registry.h"
#include "modelzoo/sdk/error.h"

using namespace modelzoo;

namespace {

RegisteredEntrypoint make(const std::string& family, const std::string& name,
                          std::vector<std::string> tags = {},
                          const std::string& provider = "a.so") {
  RegisteredEntrypoint e;
  e.family = family;
  e.spec.name = name;
  e.spec.summary = name + " model";
  e.provider = provider;
  for (const auto& t : tags) {
    WeightVariant v;
    v.tag = t;
    VariantFile f;
    f.file = name + "-" + t + ".pth";
    f.format = "pth";
    v.files.push_back(f);
    e.spec.variants.push_back(v);
  }
  if (!tags.empty()) e.spec.default_tag = tags.back();
  return e;
}

std::vector<std::string> names(const std::vector<const RegisteredEntrypoint*>& entries) {
  std::vector<std::string> out;
  for (const auto* e : entries) out.push_back(e->qualified_name());
  return out;
}

Registry sample() {
  Registry r;
  r.add(make("vision", "resnet101", {"IMAGENET1K_V1", "IMAGENET1K_V2"}));
  r.add(make("vision", "resnet18", {"IMAGENET1K_V1"}));
  r.add(make("vision", "resnet50", {"IMAGENET1K_V1", "IMAGENET1K_V2"}));
  r.add(make("vision", "vit_b_16", {"IMAGENET1K_V1", "IMAGENET1K_SWAG_E2E_V1"}));
  r.add(make("lut", "fashion_mnist_small", {"V1"}));
  r.add(make("lut", "tiny", {}));
  r.add(make("toy", "tiny", {}));
  return r;
}

}  // namespace

TEST_CASE("names resolve bare, qualified, with a tag and DEFAULT", "[registry]") {
  const Registry r = sample();
  CHECK(r.resolve("resnet50").entry->qualified_name() == "vision/resnet50");
  CHECK(r.resolve("vision/resnet50").entry->spec.name == "resnet50");
  CHECK(r.resolve("resnet50").variant == nullptr);
  CHECK(r.resolve("resnet50.IMAGENET1K_V1").variant->tag == "IMAGENET1K_V1");
  CHECK(r.resolve("vision/resnet50.DEFAULT").variant->tag == "IMAGENET1K_V2");
  CHECK(r.resolve("vit_b_16.DEFAULT").variant->tag == "IMAGENET1K_SWAG_E2E_V1");
  CHECK(r.resolve("lut/tiny").entry->family == "lut");
}

TEST_CASE("ambiguous, unknown names and tags say what to do", "[registry]") {
  const Registry r = sample();
  CHECK_THROWS_WITH(r.resolve("tiny"), Catch::Contains("ambiguous") &&
                                           Catch::Contains("lut/tiny") &&
                                           Catch::Contains("toy/tiny"));
  CHECK_THROWS_WITH(r.resolve("resnt50"), Catch::Contains("did you mean resnet50"));
  CHECK_THROWS_WITH(r.resolve("vision/resnet5"), Catch::Contains("vision/resnet50"));
  CHECK_THROWS_WITH(r.resolve("resnet50.IMAGENET1K_V3"),
                    Catch::Contains("unknown tag 'IMAGENET1K_V3'") &&
                        Catch::Contains("IMAGENET1K_V1, IMAGENET1K_V2") &&
                        Catch::Contains("DEFAULT (= IMAGENET1K_V2)"));
  CHECK_THROWS_WITH(r.resolve("lut/tiny.V1"), Catch::Contains("has no weight variants"));
  CHECK_THROWS_WITH(r.resolve("resnet50."), Catch::Contains("empty tag"));
  CHECK_THROWS_AS(r.resolve("no_such_model_at_all"), Error);
}

TEST_CASE("names with dots resolve whole first, then with the last dot's tail as the tag",
          "[registry]") {
  Registry r = sample();
  r.add(make("language", "qwen2.5-0.5b-instruct", {"HF"}));
  r.add(make("audio", "whisper-tiny", {"OPENAI"}));
  r.add(make("audio", "whisper-tiny.en", {"OPENAI"}));
  CHECK(r.resolve("qwen2.5-0.5b-instruct").entry->spec.name == "qwen2.5-0.5b-instruct");
  CHECK(r.resolve("qwen2.5-0.5b-instruct").variant == nullptr);
  CHECK(r.resolve("qwen2.5-0.5b-instruct.HF").variant->tag == "HF");
  CHECK(r.resolve("language/qwen2.5-0.5b-instruct.DEFAULT").variant->tag == "HF");
  CHECK(r.resolve("whisper-tiny.en").entry->spec.name == "whisper-tiny.en");
  CHECK(r.resolve("whisper-tiny.en.OPENAI").entry->spec.name == "whisper-tiny.en");
  CHECK(r.resolve("whisper-tiny.OPENAI").entry->spec.name == "whisper-tiny");
  // A misspelt dotted name is reported whole, not as a name and a tag.
  CHECK_THROWS_WITH(r.resolve("qwen2.5-0.5b-instrct"),
                    Catch::Contains("unknown model 'qwen2.5-0.5b-instrct'") &&
                        Catch::Contains("qwen2.5-0.5b-instruct"));
  CHECK_THROWS_WITH(r.resolve("qwen2.5-0.5b-instruct.HG"), Catch::Contains("unknown tag 'HG'"));
}

TEST_CASE("suggestions rank by edit distance", "[registry]") {
  const Registry r = sample();
  const auto s = r.suggest("resnet5");
  REQUIRE_FALSE(s.empty());
  CHECK(s.front() == "resnet50");
  CHECK(r.suggest("vit_b16").front() == "vit_b_16");
  CHECK(r.suggest("completely_different").empty());
}

TEST_CASE("queries filter by pattern, exclusion, family and weights, in natural order",
          "[registry]") {
  const Registry r = sample();
  CHECK(names(r.query({})) == std::vector<std::string>{"lut/fashion_mnist_small", "lut/tiny",
                                                       "toy/tiny", "vision/resnet18",
                                                       "vision/resnet50", "vision/resnet101",
                                                       "vision/vit_b_16"});
  Query q;
  q.include = {"resnet*"};
  CHECK(names(r.query(q)) ==
        std::vector<std::string>{"vision/resnet18", "vision/resnet50", "vision/resnet101"});
  q.exclude = {"*101", "resnet1?"};
  CHECK(names(r.query(q)) == std::vector<std::string>{"vision/resnet50"});
  Query by_family;
  by_family.families = {"lut"};
  CHECK(names(r.query(by_family)) ==
        std::vector<std::string>{"lut/fashion_mnist_small", "lut/tiny"});
  Query pretrained;
  pretrained.pretrained_only = true;
  pretrained.include = {"*tiny*", "lut/*"};
  CHECK(names(r.query(pretrained)) == std::vector<std::string>{"lut/fashion_mnist_small"});
  Query qualified;
  qualified.include = {"vision/vit*"};
  CHECK(names(r.query(qualified)) == std::vector<std::string>{"vision/vit_b_16"});
}

TEST_CASE("the first provider of a name wins and later ones are shadowed", "[registry]") {
  Registry r;
  CHECK(r.add(make("vision", "resnet50", {}, "first.so")));
  CHECK_FALSE(r.add(make("vision", "resnet50", {}, "second.so")));
  CHECK(r.size() == 1);
  CHECK(r.resolve("resnet50").entry->provider == "first.so");
  REQUIRE(r.shadowed().size() == 1);
  CHECK(r.shadowed()[0].provider == "second.so");
  CHECK(r.shadowed()[0].winner == "first.so");
  CHECK(r.find("vision/resnet50") != nullptr);
  CHECK(r.find("vision/resnet5") == nullptr);
}

TEST_CASE("natural order and edit distance", "[registry]") {
  std::vector<std::string> v = {"resnet152", "resnet18", "b0", "resnet101", "a10", "a9", "a09x"};
  std::sort(v.begin(), v.end(), natural_less);
  CHECK(v ==
        std::vector<std::string>{"a9", "a09x", "a10", "b0", "resnet18", "resnet101", "resnet152"});
  CHECK_FALSE(natural_less("x", "x"));
  CHECK(natural_less("x", "x1"));
  CHECK(edit_distance("resnet50", "resnet50") == 0);
  CHECK(edit_distance("resnet50", "resnte50") == 1);  // transposition
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
}
