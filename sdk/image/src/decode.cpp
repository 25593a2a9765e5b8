// PNG through libpng's simplified API, JPEG through libjpeg(-turbo); both
// into RGB uint8 [3, H, W].
#include <csetjmp>
#include <cstddef>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include <jpeglib.h>
#include <png.h>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::image {
namespace {

constexpr int64_t kMaxPixels = int64_t{1} << 28;  // 256 Mpx: refuse absurd headers

torch::Tensor hwc_to_chw(std::vector<uint8_t>&& pixels, int64_t h, int64_t w) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(pixels));
  auto hwc = torch::from_blob(
      owner->data(), {h, w, 3}, [owner](void*) {}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).contiguous();
}

torch::Tensor decode_png(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw Error("cannot read PNG " + path + ": " + image.message);
  // Read as RGBA and drop alpha, as PIL's convert("RGB") does (libpng's
  // RGB output would composite alpha onto black instead).
  image.format = PNG_FORMAT_RGBA;
  const int64_t h = image.height, w = image.width;
  if (h * w > kMaxPixels) {
    png_image_free(&image);
    throw Error("PNG " + path + " is too large (" + std::to_string(w) + "x" + std::to_string(h) +
                ")");
  }
  std::vector<uint8_t> rgba(static_cast<size_t>(PNG_IMAGE_SIZE(image)));
  if (!png_image_finish_read(&image, nullptr, rgba.data(), 0, nullptr))
    throw Error("cannot decode PNG " + path + " (corrupted or incomplete): " + image.message);
  std::vector<uint8_t> pixels(static_cast<size_t>(h * w * 3));
  for (size_t i = 0, n = static_cast<size_t>(h * w); i < n; ++i)
    std::memcpy(&pixels[3 * i], &rgba[4 * i], 3);
  return hwc_to_chw(std::move(pixels), h, w);
}

struct JpegError {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

torch::Tensor decode_jpeg(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw Error("cannot open " + path + ": " + std::strerror(errno));
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = jpeg_fail;
  err.base.output_message = [](j_common_ptr) {};  // warnings: keep stderr clean
  // Everything that must be destroyed after a longjmp lives outside this scope.
  std::vector<uint8_t> pixels;
  int64_t h = 0, w = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw Error("cannot decode JPEG " + path + " (corrupted or incomplete): " + err.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, file.get());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;  // gray and YCbCr both become RGB
  jpeg_start_decompress(&cinfo);
  h = cinfo.output_height;
  w = cinfo.output_width;
  if (h * w > kMaxPixels || cinfo.output_components != 3) {
    jpeg_destroy_decompress(&cinfo);
    throw Error("JPEG " + path + ": unsupported size or color space");
  }
  pixels.resize(static_cast<size_t>(h * w * 3));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels.data() + static_cast<size_t>(cinfo.output_scanline) * w * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return hwc_to_chw(std::move(pixels), h, w);
}

}  // namespace

torch::Tensor decode_file(const std::string& path) {
  unsigned char magic[8] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open image " + path);
    in.read(reinterpret_cast<char*>(magic), sizeof magic);
  }
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (std::memcmp(magic, kPng, 8) == 0) return decode_png(path);
  if (magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff) return decode_jpeg(path);
  throw Error(path + " is neither PNG nor JPEG (convert it, e.g. with ImageMagick's convert)");
}

}  // namespace modelzoo::image
