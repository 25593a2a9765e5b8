// Image decoding and preprocessing against PIL and torchvision: PNG pixels
// equal PIL's, JPEG within one level, and the variant preprocessing equals
// torchvision's ImageClassification steps on the same tensor.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"
#include "process.h"

using namespace modelzoo;
using modelzoo::test::TempDir;

namespace {

const Preprocess kBilinear{256, 224, "bilinear", {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
const Preprocess kBicubic{255, 240, "bicubic", {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

struct Reference {
  TempDir dir;
  bool ok = false;
  Reference() {
    const std::string script = std::string(MODELZOO_TEST_SOURCE_DIR) + "/make_image_reference.py";
    ok = test::run_process({"/usr/bin/python3", script, dir.path()}).exit_code == 0;
  }
  std::string path(const std::string& f) const { return dir.path() + "/" + f; }
};

// Written once for all cases; nullptr, with a warning, when the reference
// Python lacks what it needs.
const Reference* reference() {
  static const Reference ref;
  if (!ref.ok) WARN("skipped: /usr/bin/python3 lacks torchvision or PIL");
  return ref.ok ? &ref : nullptr;
}

}  // namespace

TEST_CASE("PNG and JPEG decode to PIL's pixels", "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  const Weights want = Weights::from_file(ref.path("reference.pth"));
  const torch::Tensor png = image::decode_file(ref.path("rgb.png"));
  CHECK(png.scalar_type() == torch::kUInt8);
  CHECK(png.sizes() == torch::IntArrayRef({3, 131, 173}));
  CHECK(torch::equal(png, want.tensor("png")));
  CHECK(max_diff(image::decode_file(ref.path("rgb.jpg")), want.tensor("jpg")) <= 1.0);
  CHECK(torch::equal(image::decode_file(ref.path("gray.png")), want.tensor("gray")));
  CHECK(torch::equal(image::decode_file(ref.path("rgba.png")), want.tensor("png")));
}

TEST_CASE("preprocessing equals torchvision's ImageClassification steps", "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  const Weights want = Weights::from_file(ref.path("reference.pth"));
  const torch::Tensor png = image::decode_file(ref.path("rgb.png"));
  const torch::Tensor bilinear = image::preprocess(png, kBilinear);
  CHECK(bilinear.sizes() == torch::IntArrayRef({3, 224, 224}));
  CHECK(max_diff(bilinear, want.tensor("bilinear")) <= 1e-5);
  CHECK(max_diff(image::preprocess(png, kBicubic), want.tensor("bicubic")) <= 1e-5);
  // PIL's own resampling (what torchvision does to a PIL image) rounds
  // differently; the difference stays within a couple of grey levels.
  const torch::Tensor pil = want.tensor("bilinear_pil");
  CHECK(max_diff(bilinear, pil) <= 3.0 / 255 / 0.224);
  CHECK((bilinear - pil).abs().mean().item<double>() <= 0.5 / 255 / 0.224);
}

TEST_CASE("preprocessing from a variant's metadata, and its errors", "[vision][image]") {
  const nlohmann::json meta = {{"resize", 232}, {"crop", 224}, {"interpolation", "bilinear"}};
  const Preprocess p = image::preprocess_from_json(meta, kBicubic);
  CHECK(*p.resize == 232);
  CHECK(p.interpolation == "bilinear");
  CHECK(p.mean == kBicubic.mean);  // from the fallback
  const torch::Tensor wide = torch::zeros({3, 100, 300}, torch::kUInt8);
  CHECK(image::resize_shorter(wide, 50, "bilinear").sizes() == torch::IntArrayRef({3, 50, 150}));
  CHECK(image::center_crop(torch::zeros({3, 7, 9}), 5).sizes() == torch::IntArrayRef({3, 5, 5}));
  CHECK_THROWS_WITH(image::center_crop(torch::zeros({3, 7, 9}), 8),
                    Catch::Contains("center crop of 8 from an image of 7x9"));
  CHECK_THROWS_WITH(image::resize_shorter(wide, 50, "lanczos"),
                    Catch::Contains("unknown interpolation 'lanczos'"));
  Preprocess gray_norm;
  gray_norm.mean = {0.5, 0.5, 0.5};
  CHECK_THROWS_WITH(image::preprocess(torch::zeros({1, 8, 8}), gray_norm),
                    Catch::Contains("mean has 3 values for an image of 1 channels"));

  TempDir dir;
  const std::string text = dir.path() + "/not_an_image.png";
  std::ofstream(text) << "hello";
  CHECK_THROWS_WITH(image::decode_file(text), Catch::Contains("is neither PNG nor JPEG"));
  const std::string truncated = dir.path() + "/truncated.png";
  {
    std::ofstream out(truncated, std::ios::binary);
    const unsigned char header[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  CHECK_THROWS_WITH(image::decode_file(truncated), Catch::Contains(truncated));
  const std::string bad_jpeg = dir.path() + "/bad.jpg";
  {
    std::ofstream out(bad_jpeg, std::ios::binary);
    const unsigned char header[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  CHECK_THROWS_WITH(image::decode_file(bad_jpeg),
                    Catch::Contains("cannot decode JPEG") && Catch::Contains("bad.jpg"));
}

TEST_CASE("to_gray is PIL's integer luma: fit_into_square centres on black", "[vision][image]") {
  auto rgb = torch::zeros({3, 1, 4}, torch::kUInt8);
  rgb.select(2, 0).fill_(200);  // gray stays exact
  rgb[0][0][1] = 255;           // pure red, green, blue
  rgb[1][0][2] = 255;
  rgb[2][0][3] = 255;
  const auto gray = image::to_gray(rgb);
  REQUIRE(gray.sizes() == torch::IntArrayRef({1, 1, 4}));
  // (w · 255 + 2^15) >> 16 for w = 19595, 38470, 7471.
  CHECK(gray[0][0][0].item<uint8_t>() == 200);
  CHECK(gray[0][0][1].item<uint8_t>() == 76);
  CHECK(gray[0][0][2].item<uint8_t>() == 150);
  CHECK(gray[0][0][3].item<uint8_t>() == 29);
  CHECK_THROWS_AS(image::to_gray(gray), Error);

  // A wide 2x4 white image in a 4x4 square: rows 1-2 white, the rest black.
  const auto wide = image::fit_into_square(torch::full({1, 2, 4}, 255, torch::kUInt8), 4);
  REQUIRE(wide.sizes() == torch::IntArrayRef({1, 4, 4}));
  CHECK(wide.slice(1, 1, 3).eq(255).all().item<bool>());
  CHECK(wide.slice(1, 0, 1).eq(0).all().item<bool>());
  CHECK(wide.slice(1, 3, 4).eq(0).all().item<bool>());
  // A tall 8x4 image is halved to 4x2 and centred: columns 1-2.
  const auto tall = image::fit_into_square(torch::full({3, 8, 4}, 90, torch::kUInt8), 4);
  REQUIRE(tall.sizes() == torch::IntArrayRef({3, 4, 4}));
  CHECK(tall.slice(2, 1, 3).eq(90).all().item<bool>());
  CHECK(tall.slice(2, 0, 1).eq(0).all().item<bool>());
  CHECK(tall.slice(2, 3, 4).eq(0).all().item<bool>());
  // The right size is used pixel for pixel.
  const auto exact = torch::randint(0, 256, {1, 4, 4}, torch::kUInt8);
  CHECK(torch::equal(image::fit_into_square(exact, 4), exact));
}
