// Image decoding and preprocessing against PIL and torchvision: PNG pixels
// equal PIL's, JPEG within one level, and the variant preprocessing equals
// torchvision's ImageClassification steps on the same tensor (crop window
// included). Hostile images: refused from the header (pixel limit, a PNG
// too short for its size), truncated files an error as in PIL, and the
// decoder's memory bounded by the result's size (checked in a child under
// an address-space limit).
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <png.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <vector>

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

// Written by the vision_image_reference test (make_image_reference.py).
struct Reference {
  std::string dir = MODELZOO_IMAGE_REFERENCE_DIR;
  bool ok = std::ifstream(dir + "/reference.pth").good();
  std::string path(const std::string& f) const { return dir + "/" + f; }
};

// nullptr, with a warning, when the fixture could not be written (the
// reference Python lacks torchvision or PIL).
const Reference* reference() {
  static const Reference ref;
  if (!ref.ok) WARN("skipped: no image reference (vision_image_reference needs torchvision)");
  return ref.ok ? &ref : nullptr;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// An RGB uint8 [3, H, W] image written by libpng, interlaced (Adam7) or not.
void write_png(const std::string& path, const torch::Tensor& chw, bool interlaced) {
  const torch::Tensor hwc = chw.permute({1, 2, 0}).contiguous();
  const auto h = static_cast<png_uint_32>(hwc.size(0)), w = static_cast<png_uint_32>(hwc.size(1));
  FILE* file = std::fopen(path.c_str(), "wb");
  REQUIRE(file);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, file);
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_bytep> rows(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = hwc.data_ptr<uint8_t>() + size_t{y} * w * 3;
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(file);
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// A PNG chunk with its CRC, so that libpng reads past it to what we test.
std::string chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  const auto crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  return be32(static_cast<uint32_t>(data.size())) + body + be32(crc);
}

// The smallest well-formed PNG that claims width x height gray pixels: a
// valid IHDR, one IDAT of a few compressed zeros, IEND (110 bytes or so).
std::string png_header_only(uint32_t width, uint32_t height) {
  const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
  unsigned char zeros[64] = {};
  unsigned char packed[128];
  uLongf packed_size = sizeof packed;
  compress(packed, &packed_size, zeros, sizeof zeros);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) +
         chunk("IDAT", std::string(reinterpret_cast<char*>(packed), packed_size)) +
         chunk("IEND", "");
}

// A JPEG that declares width x height (one gray component) and ends after
// its scan header: what libjpeg needs to read the header.
std::string jpeg_header_only(uint16_t width, uint16_t height) {
  std::string j("\xff\xd8", 2);
  j += std::string("\xff\xc0\x00\x0b\x08", 5) + char(height >> 8) + char(height) +
       char(width >> 8) + char(width) + std::string("\x01\x01\x11\x00", 4);
  j += std::string("\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10);
  return j + std::string(64, '\0');
}

// Runs `body` in a forked child whose address space may grow by at most
// `extra_bytes` beyond what it has mapped at the fork; returns the child's
// exit code, or -1 when the body threw std::bad_alloc (the budget was
// exceeded). The body runs no parallel LibTorch ops (no thread pools).
int with_address_space_budget(size_t extra_bytes, const std::function<int()>& body) {
#ifdef __SANITIZE_ADDRESS__
  // ASan's allocator maps memory in its own large chunks: no byte budget.
  WARN("address-space budget not checked under ASan");
  return body();
#endif
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    size_t mapped_kb = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmSize:", 0) == 0) mapped_kb = std::stoul(line.substr(7));
    const rlimit limit{mapped_kb * 1024 + extra_bytes, mapped_kb * 1024 + extra_bytes};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(90);
    int code = 91;
    try {
      code = body();
    } catch (const std::bad_alloc&) {
      code = 92;
    } catch (const std::exception& e) {
      // c10 reports an allocation failure as c10::Error ("DefaultCPUAllocator:
      // can't allocate memory").
      code = std::strstr(e.what(), "allocate") ? 92 : 93;
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  const int code = WEXITSTATUS(status);
  return code == 92 ? -1 : code;
}

struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

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
  // A palette with a transparent entry: colours only, as convert("RGB").
  CHECK(torch::equal(image::decode_file(ref.path("palette.png")), want.tensor("palette")));
  // Gray while decoding is PIL's convert("L"), and a gray PNG stays exact.
  image::DecodeOptions gray;
  gray.channels = 1;
  CHECK(torch::equal(image::decode_file(ref.path("rgb.png"), gray), want.tensor("gray_l")));
  CHECK(torch::equal(image::decode_file(ref.path("rgb.png"), gray), image::to_gray(png)));
  CHECK(torch::equal(image::decode_file(ref.path("gray.png"), gray),
                     want.tensor("gray").narrow(0, 0, 1)));
  CHECK(max_diff(image::decode_file(ref.path("rgb.jpg"), gray),
                 image::to_gray(image::decode_file(ref.path("rgb.jpg")))) == 0);
  // The same pixels interlaced (Adam7, placed pass by pass) and from memory.
  TempDir dir;
  write_png(dir.path() + "/interlaced.png", png, true);
  CHECK(torch::equal(image::decode_file(dir.path() + "/interlaced.png"), png));
  CHECK(torch::equal(image::decode_file(dir.path() + "/interlaced.png", gray),
                     want.tensor("gray_l")));
  const std::string bytes = read_bytes(ref.path("rgb.png"));
  CHECK(torch::equal(
      image::decode_bytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "rgb.png"),
      png));
  const image::ImageInfo info = image::probe_file(ref.path("rgb.jpg"));
  CHECK(info.format == "JPEG");
  CHECK(info.width == 173);
  CHECK(info.height == 131);
}

TEST_CASE("center crop rounds half to even, as torchvision: 640x480, 500x375, 333x500",
          "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  const Weights want = Weights::from_file(ref.path("reference.pth"));
  for (const std::string name : {"photo_640x480", "photo_500x375", "photo_333x500"}) {
    INFO(name);
    const torch::Tensor photo = image::decode_file(ref.path(name + ".png"));
    // The window: resized size, then top and left, against torchvision's
    // center_crop run on an image of pixel indices. 341 - 224 = 117 gives
    // 58.5, which Python rounds to 58 (std::round: 59).
    const torch::Tensor window = want.tensor(name + "_window");
    const torch::Tensor resized = image::resize_shorter(photo, 256, "bilinear");
    CHECK(resized.size(1) == window[0].item<int64_t>());
    CHECK(resized.size(2) == window[1].item<int64_t>());
    const int64_t h = resized.size(1), w = resized.size(2);
    const torch::Tensor index = torch::arange(h * w, torch::kLong).view({1, h, w});
    const int64_t first = image::center_crop(index, 224)[0][0][0].item<int64_t>();
    CHECK(first / w == window[2].item<int64_t>());
    CHECK(first % w == window[3].item<int64_t>());
    // The tensors: torch 1.13's kernels on both sides, on the same uint8
    // input; measured bit-identical (difference 0). 1e-5, about 40 float32
    // ulps at |x| = 2.6, leaves room for another build of the same kernels
    // vectorising differently; a crop one pixel off differs by 2.3.
    const torch::Tensor ours = image::preprocess(photo, kBilinear);
    CHECK(ours.sizes() == torch::IntArrayRef({3, 224, 224}));
    CHECK(max_diff(ours, want.tensor(name)) <= 1e-5);
  }
  // Half to even both ways: 1.5 -> 2, 0.5 -> 0, 2.5 -> 2.
  const auto left = [](int64_t width, int64_t size) {
    const torch::Tensor index = torch::arange(width, torch::kLong).view({1, 1, width});
    return image::center_crop(index.expand({1, size, width}).contiguous(), size)[0][0][0]
        .item<int64_t>();
  };
  CHECK(left(5, 2) == 2);
  CHECK(left(3, 2) == 0);
  CHECK(left(7, 2) == 2);
  CHECK(left(8, 2) == 3);
}

TEST_CASE("model_input: gray for one channel, RGB in turn for more", "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  const Weights want = Weights::from_file(ref.path("reference.pth"));
  const std::string path = ref.path("rgb.png");
  // One channel: PIL's convert("L"), torchvision's steps, mean and std
  // averaged over the three given.
  const torch::Tensor one = image::model_input(path, kBilinear, 1);
  CHECK(one.sizes() == torch::IntArrayRef({1, 224, 224}));
  CHECK(max_diff(one, want.tensor("gray_input")) <= 1e-5);
  const torch::Tensor rgb = image::model_input(path, kBilinear, 3);
  CHECK(max_diff(rgb, want.tensor("bilinear")) <= 1e-5);
  // Six: R, G, B, R, G, B (what adapt_input_conv's repeated weights see as
  // the RGB image); two: R, G.
  CHECK(torch::equal(image::model_input(path, kBilinear, 6), torch::cat({rgb, rgb})));
  CHECK(torch::equal(image::model_input(path, kBilinear, 2), rgb.narrow(0, 0, 2)));
  Preprocess two_stats = kBilinear;
  two_stats.mean = {0.5, 0.5};
  CHECK_THROWS_WITH(image::model_input(path, two_stats, 4),
                    Catch::Contains("mean has 2 values") && Catch::Contains("4 input channels"));
}

TEST_CASE("a truncated PNG or JPEG is an error naming the file, as in PIL", "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  const Weights want = Weights::from_file(ref.path("reference.pth"));
  for (const std::string name : {"truncated.png", "truncated.jpg", "truncated_progressive.jpg"}) {
    INFO(name);
    std::string key = "pil_refuses_" + name;
    key[key.rfind('.')] = '_';
    CHECK(want.tensor(key).item<int64_t>() == 1);  // PIL: "image file is truncated"
    CHECK_THROWS_WITH(
        image::decode_file(ref.path(name)),
        Catch::Contains("image file is truncated") && Catch::Contains(ref.path(name)));
    image::DecodeOptions gray;
    gray.channels = 1;
    CHECK_THROWS_WITH(image::decode_file(ref.path(name), gray),
                      Catch::Contains("image file is truncated"));
  }
  // Cut at every tenth of the file: never half an image, never a crash.
  TempDir dir;
  for (const std::string name : {"rgb.png", "rgb.jpg", "progressive.jpg"}) {
    const std::string bytes = read_bytes(ref.path(name));
    for (int tenth = 1; tenth < 10; ++tenth) {
      const std::string cut = dir.path() + "/cut_" + std::to_string(tenth) + "_" + name;
      write_bytes(cut, bytes.substr(0, bytes.size() * tenth / 10));
      INFO(cut);
      CHECK_THROWS_AS(image::decode_file(cut), Error);
    }
  }
}

TEST_CASE("image size limits are checked from the header, before allocating", "[vision][image]") {
  TempDir dir;
  // 16384 x 16384 (268 Mpx) in 110 bytes: more than PIL's 179 Mpx.
  const std::string bomb = dir.path() + "/bomb.png";
  write_bytes(bomb, png_header_only(16384, 16384));
  CHECK(read_bytes(bomb).size() < 120);
  CHECK_THROWS_WITH(image::decode_file(bomb),
                    Catch::Contains(bomb) && Catch::Contains("16384x16384") &&
                        Catch::Contains("more than the limit of 178956970") &&
                        Catch::Contains("MODELZOO_MAX_IMAGE_PIXELS"));
  CHECK_THROWS_WITH(image::probe_file(bomb), Catch::Contains("more than the limit"));
  const std::string jpeg_bomb = dir.path() + "/bomb.jpg";
  write_bytes(jpeg_bomb, jpeg_header_only(65000, 65000));
  CHECK_THROWS_WITH(image::decode_file(jpeg_bomb), Catch::Contains(jpeg_bomb) &&
                                                       Catch::Contains("65000x65000") &&
                                                       Catch::Contains("more than the limit"));
  // 10000 x 10000 is under the limit, but 110 bytes cannot inflate to 100
  // MB of rows (deflate: at most 1032:1): truncated, said before the 300 MB
  // result is allocated. The child may grow by 64 MB only.
  const std::string short_png = dir.path() + "/short.png";
  write_bytes(short_png, png_header_only(10000, 10000));
  CHECK_THROWS_WITH(image::decode_file(short_png),
                    Catch::Contains("image file is truncated") &&
                        Catch::Contains("10000x10000 PNG cannot fit in"));
  CHECK(with_address_space_budget(size_t{64} << 20, [&] {
          try {
            image::decode_file(short_png);
          } catch (const Error& e) {
            return std::strstr(e.what(), "truncated") ? 0 : 1;
          }
          return 2;
        }) == 0);

  // The limit is an option and an environment variable.
  const std::string small = dir.path() + "/small.png";
  write_png(small, torch::zeros({3, 100, 200}, torch::kUInt8), false);
  image::DecodeOptions tight;
  tight.max_pixels = 19999;
  CHECK_THROWS_WITH(image::decode_file(small, tight),
                    Catch::Contains("200x100 = 20000 pixels, more than the limit of 19999"));
  tight.max_pixels = 20000;
  CHECK(image::decode_file(small, tight).sizes() == torch::IntArrayRef({3, 100, 200}));
  {
    ScopedEnv env("MODELZOO_MAX_IMAGE_PIXELS", "19999");
    CHECK(image::max_image_pixels() == 19999);
    CHECK_THROWS_WITH(image::decode_file(small), Catch::Contains("more than the limit of 19999"));
  }
  {
    ScopedEnv env("MODELZOO_MAX_IMAGE_PIXELS", "lots");
    CHECK_THROWS_WITH(image::decode_file(small),
                      Catch::Contains("MODELZOO_MAX_IMAGE_PIXELS='lots'"));
  }
  CHECK(image::max_image_pixels() == image::kDefaultMaxImagePixels);
}

TEST_CASE("decoding needs no full-size buffer beyond the result", "[vision][image]") {
  const Reference* found = reference();
  if (!found) return;
  const Reference& ref = *found;
  // 4096 x 4096: the RGB result is 48 MiB, gray 16 MiB. The budget is the
  // result plus 24 MiB for the libraries' row buffers and tables; a decoder
  // that keeps an RGBA or HWC copy besides needs twice to three times that.
  const size_t pixels = size_t{4096} * 4096, slack = size_t{24} << 20;
  for (const std::string name : {"large.png", "large.jpg"}) {
    INFO(name);
    const std::string path = ref.path(name);
    CHECK(with_address_space_budget(3 * pixels + slack, [&] {
            return image::decode_file(path).sizes() == torch::IntArrayRef({3, 4096, 4096}) ? 0 : 1;
          }) == 0);
    CHECK(with_address_space_budget(pixels + slack, [&] {
            image::DecodeOptions gray;
            gray.channels = 1;
            return image::decode_file(path, gray).size(0) == 1 ? 0 : 1;
          }) == 0);
  }
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
