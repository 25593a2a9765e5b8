// PNG through libpng's progressive-row API, JPEG through libjpeg(-turbo);
// both row by row into the planes of the uint8 [C, H, W] result.
//
// Order of work, so that a hostile file costs little: magic bytes, then the
// header (dimensions checked against the pixel limit, and for PNG against
// the file's size: deflate cannot expand more than 1032:1), and only then
// the one allocation of the result. Both libraries report errors through a
// longjmp; the state a longjmp must not clobber lives in a struct owned by
// the caller of the function that calls setjmp, and no C++ exception is
// thrown through their C frames.
//
// Memory: the result (C bytes a pixel) plus row buffers; a progressive JPEG
// also needs libjpeg's whole-image coefficient buffer (2 bytes a sample),
// which the pixel limit bounds as well. A truncated file stops at the end
// of its data, before the rest of the result is touched.
#include <sys/stat.h>

#include <cerrno>
#include <csetjmp>
#include <cstddef>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::image {
namespace {

// Bytes from a file or from memory; `size` is the whole input's length.
struct Input {
  std::string name;
  FILE* file = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t position = 0;

  size_t read(void* out, size_t n) {
    if (file) return std::fread(out, 1, n, file);
    const size_t got = std::min(n, size - position);
    std::memcpy(out, data + position, got);
    position += got;
    return got;
  }
};

// PIL's convert("L"): L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, the
// ITU-R 601-2 luma weights in 16-bit fixed point; exact for gray pixels.
inline uint8_t luma(const uint8_t* rgb) {
  return static_cast<uint8_t>((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

// The result being filled: `channels` planes of height x width.
struct Planes {
  uint8_t* data = nullptr;
  int64_t width = 0, height = 0, channels = 0;

  // Stores `count` pixels of `row` (`in_channels` samples each, 1 or 3) at
  // row y, columns x0, x0 + dx, ... (dx > 1 for a PNG's interlaced passes).
  void put(const uint8_t* row, int in_channels, int64_t y, int64_t x0, int64_t dx,
           int64_t count) const {
    const size_t plane = static_cast<size_t>(width * height);
    uint8_t* out = data + static_cast<size_t>(y * width + x0);
    if (channels == 1 && in_channels == 1) {
      for (int64_t i = 0; i < count; ++i) out[i * dx] = row[i];
    } else if (channels == 1) {
      for (int64_t i = 0; i < count; ++i) out[i * dx] = luma(row + 3 * i);
    } else if (in_channels == 1) {
      for (int64_t i = 0; i < count; ++i)
        out[i * dx] = out[plane + i * dx] = out[2 * plane + i * dx] = row[i];
    } else {
      for (int64_t i = 0; i < count; ++i) {
        out[i * dx] = row[3 * i];
        out[plane + i * dx] = row[3 * i + 1];
        out[2 * plane + i * dx] = row[3 * i + 2];
      }
    }
  }
};

std::string dimensions(int64_t w, int64_t h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

void check_pixels(const Input& in, const char* format, int64_t w, int64_t h, int64_t limit) {
  if (w <= 0 || h <= 0)
    throw Error("cannot decode " + std::string(format) + " " + in.name + ": its header gives " +
                dimensions(w, h) + " pixels (corrupted)");
  // w, h < 2^32 each: the product fits in int64_t.
  if (w * h > limit)
    throw Error(std::string(format) + " " + in.name + " is " + dimensions(w, h) + " = " +
                std::to_string(w * h) + " pixels, more than the limit of " + std::to_string(limit) +
                " (refused as a possible decompression bomb before decoding; a genuine image "
                "this large: set MODELZOO_MAX_IMAGE_PIXELS, or scale it down first)");
}

[[noreturn]] void truncated(const Input& in, const char* format, const std::string& detail) {
  throw Error("cannot decode " + std::string(format) + " " + in.name +
              ": image file is truncated (" + detail + "; re-download or re-export it)");
}

Planes allocate(torch::Tensor& out, int64_t channels, int64_t h, int64_t w) {
  out = torch::empty({channels, h, w}, torch::kUInt8);
  return {out.data_ptr<uint8_t>(), w, h, channels};
}

// ---------------------------------------------------------------- PNG

struct PngState {
  Input* in = nullptr;
  int64_t channels = 3, max_pixels = 0;
  bool header_only = false;
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool input_ended = false;
  char message[200] = {};
  int64_t width = 0, height = 0;
  torch::Tensor* out = nullptr;
  std::vector<uint8_t> row;
  std::string refusal;  // set by the checks inside the protected region
};

void png_fail(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

// Warnings (a known-incorrect sRGB profile, a bad ancillary CRC) do not
// stop PIL either; stderr stays clean.
void png_warn(png_structp, png_const_charp) {}

void png_read_input(png_structp png, png_bytep out, size_t n) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (state->in->read(out, n) != n) {
    state->input_ended = true;
    png_error(png, "the data ends early");
  }
}

// The protected region: returns false after a libpng error (state->message
// says which) or a refusal (state->refusal).
bool run_png(PngState* state) {
  if (setjmp(png_jmpbuf(state->png))) return false;
  png_structp png = state->png;
  png_infop info = state->info;
  png_set_read_fn(png, state, png_read_input);
  // The pixel limit below is the one that decides; libpng's own default
  // (1,000,000 per side) would refuse a 1 x 2,000,000 strip we accept.
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_read_info(png, info);
  const int64_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  state->width = w;
  state->height = h;
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  const bool interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
  if (w * h > state->max_pixels || w <= 0 || h <= 0) {
    state->refusal = "size";
    return false;
  }
  // A stream of fewer bytes than raw / 1032 cannot inflate to the image's
  // rows (deflate's best case: a 258-byte match in 2 bits), so such a file
  // is truncated whatever it holds: say so before allocating the result.
  const int64_t file_channels = png_get_channels(png, info);
  const int64_t raw = h * ((w * file_channels * bit_depth + 7) / 8 + (interlaced ? 0 : 1));
  if (static_cast<int64_t>(state->in->size) < raw / 1032) {
    state->refusal = "short";
    return false;
  }
  if (state->header_only) return true;

  // PIL's convert("RGB") / convert("L"): palette expanded, tRNS and alpha
  // dropped, low bit depths widened, 16-bit samples cut to the high byte.
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_strip_16(png);
  // (palette_to_rgb turns a tRNS chunk into alpha, stripped with the rest.)
  if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_strip_alpha(png);
  png_read_update_info(png, info);
  const int in_channels = png_get_channels(png, info);
  if ((in_channels != 1 && in_channels != 3) || png_get_bit_depth(png, info) != 8) {
    std::snprintf(state->message, sizeof state->message,
                  "unexpected layout after conversion (%d channels)", in_channels);
    return false;
  }
  state->row.resize(png_get_rowbytes(png, info));
  const Planes planes = allocate(*state->out, state->channels, h, w);
  // An interlaced image arrives as 7 reduced images (Adam7); each pass's
  // pixels go to their places in the result directly, so no full-size
  // buffer is needed for de-interlacing either. libpng skips empty passes.
  const int passes = interlaced ? 7 : 1;
  for (int pass = 0; pass < passes; ++pass) {
    const int64_t rows = interlaced ? PNG_PASS_ROWS(h, pass) : h;
    const int64_t cols = interlaced ? PNG_PASS_COLS(w, pass) : w;
    if (rows == 0 || cols == 0) continue;
    const int64_t y0 = interlaced ? PNG_PASS_START_ROW(pass) : 0;
    const int64_t x0 = interlaced ? PNG_PASS_START_COL(pass) : 0;
    const int64_t dy = interlaced ? PNG_PASS_ROW_OFFSET(pass) : 1;
    const int64_t dx = interlaced ? PNG_PASS_COL_OFFSET(pass) : 1;
    for (int64_t r = 0; r < rows; ++r) {
      png_read_row(png, state->row.data(), nullptr);
      planes.put(state->row.data(), in_channels, y0 + r * dy, x0, dx, cols);
    }
  }
  // The chunks after the image (png_read_end) are not needed; PIL does not
  // require them either.
  return true;
}

torch::Tensor decode_png(Input& in, const DecodeOptions& options, int64_t max_pixels,
                         bool header_only, ImageInfo* header) {
  torch::Tensor out;
  PngState state;
  state.in = &in;
  state.channels = options.channels;
  state.max_pixels = max_pixels;
  state.header_only = header_only;
  state.out = &out;
  state.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, png_fail, png_warn);
  if (!state.png) throw Error("cannot decode PNG " + in.name + ": out of memory");
  state.info = png_create_info_struct(state.png);
  if (!state.info) {
    png_destroy_read_struct(&state.png, nullptr, nullptr);
    throw Error("cannot decode PNG " + in.name + ": out of memory");
  }
  bool ok = false;
  try {  // torch::empty may throw (out of memory): from our frame, not libpng's
    ok = run_png(&state);
  } catch (...) {
    png_destroy_read_struct(&state.png, &state.info, nullptr);
    throw;
  }
  png_destroy_read_struct(&state.png, &state.info, nullptr);
  if (state.refusal == "size") check_pixels(in, "PNG", state.width, state.height, max_pixels);
  if (state.refusal == "short")
    truncated(in, "PNG",
              "a " + dimensions(state.width, state.height) + " PNG cannot fit in " +
                  std::to_string(in.size) + " bytes");
  // libpng says "Not enough image data" when the IDAT chunks end before
  // the last row although the file goes on.
  if (!ok && (state.input_ended || std::strstr(state.message, "Not enough image data")))
    truncated(in, "PNG", "the data ends before the last row");
  if (!ok)
    throw Error("cannot decode PNG " + in.name + " (corrupted or incomplete): " + state.message);
  if (header) *header = {"PNG", state.width, state.height};
  return out;
}

// ---------------------------------------------------------------- JPEG

struct JpegState {
  jpeg_error_mgr err;
  std::jmp_buf jump;
  jpeg_decompress_struct cinfo;
  bool created = false;
  Input* in = nullptr;
  int64_t channels = 3, max_pixels = 0;
  bool header_only = false;
  bool input_ended = false;
  char message[JMSG_LENGTH_MAX] = {};
  int64_t width = 0, height = 0;
  torch::Tensor* out = nullptr;
  std::vector<uint8_t> row;
  std::string refusal;
};

JpegState* jpeg_state(j_common_ptr cinfo) {
  // err is JpegState's first member.
  return reinterpret_cast<JpegState*>(cinfo->err);
}

void jpeg_fail(j_common_ptr cinfo) {
  JpegState* state = jpeg_state(cinfo);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

// libjpeg's answer to a file that ends early is a warning and gray rows
// (it inserts an EOI marker); PIL's is "image file is truncated". The end
// of the data stops the decode at once, before the rest of the rows are
// filled in. Other warnings (corrupt data, extraneous bytes) are what PIL
// tolerates too.
void jpeg_message(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    JpegState* state = jpeg_state(cinfo);
    state->input_ended = true;
    std::longjmp(state->jump, 1);
  }
}

bool run_jpeg(JpegState* state) {
  if (setjmp(state->jump)) return false;
  j_decompress_ptr cinfo = &state->cinfo;
  jpeg_create_decompress(cinfo);
  state->created = true;
  if (state->in->file)
    jpeg_stdio_src(cinfo, state->in->file);
  else
    jpeg_mem_src(cinfo, state->in->data, static_cast<unsigned long>(state->in->size));
  jpeg_read_header(cinfo, TRUE);
  state->width = cinfo->image_width;
  state->height = cinfo->image_height;
  if (state->width * state->height > state->max_pixels) {
    state->refusal = "size";
    return false;
  }
  const bool gray = cinfo->jpeg_color_space == JCS_GRAYSCALE;
  if (!gray && cinfo->jpeg_color_space != JCS_YCbCr && cinfo->jpeg_color_space != JCS_RGB) {
    state->refusal = "color";
    return false;
  }
  if (state->header_only) return true;
  // A gray image is read as gray (exact); RGB output otherwise, reduced to
  // gray here when one channel is asked for, as PIL converts.
  cinfo->out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(cinfo);
  const int in_channels = cinfo->output_components;
  const int64_t w = cinfo->output_width, h = cinfo->output_height;
  state->row.resize(static_cast<size_t>(w * in_channels));
  const Planes planes = allocate(*state->out, state->channels, h, w);
  while (cinfo->output_scanline < cinfo->output_height) {
    const int64_t y = cinfo->output_scanline;
    JSAMPROW row = state->row.data();
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      std::snprintf(state->message, sizeof state->message, "no data for row %lld",
                    static_cast<long long>(y));
      return false;
    }
    planes.put(row, in_channels, y, 0, 1, w);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

torch::Tensor decode_jpeg(Input& in, const DecodeOptions& options, int64_t max_pixels,
                          bool header_only, ImageInfo* header) {
  torch::Tensor out;
  auto state = std::make_unique<JpegState>();
  state->cinfo.err = jpeg_std_error(&state->err);
  state->err.error_exit = jpeg_fail;
  state->err.emit_message = jpeg_message;
  state->in = &in;
  state->channels = options.channels;
  state->max_pixels = max_pixels;
  state->header_only = header_only;
  state->out = &out;
  bool ok = false;
  try {  // torch::empty may throw (out of memory): from our frame, not libjpeg's
    ok = run_jpeg(state.get());
  } catch (...) {
    if (state->created) jpeg_destroy_decompress(&state->cinfo);
    throw;
  }
  if (state->created) jpeg_destroy_decompress(&state->cinfo);
  if (state->refusal == "size") check_pixels(in, "JPEG", state->width, state->height, max_pixels);
  if (state->refusal == "color")
    throw Error("cannot decode JPEG " + in.name +
                ": CMYK and YCCK JPEGs are not supported (convert it to RGB, e.g. with "
                "ImageMagick's convert -colorspace sRGB)");
  if (!ok && state->input_ended) truncated(in, "JPEG", "the data ends before the last row");
  if (!ok)
    throw Error("cannot decode JPEG " + in.name + " (corrupted or incomplete): " + state->message);
  if (header) *header = {"JPEG", state->width, state->height};
  return out;
}

// ---------------------------------------------------------------- dispatch

torch::Tensor decode(Input& in, const DecodeOptions& options, bool header_only, ImageInfo* header) {
  if (options.channels != 1 && options.channels != 3)
    throw Error("decoding " + in.name + ": " + std::to_string(options.channels) +
                " channels asked for (1 for gray or 3 for RGB; model_input makes other counts)");
  const int64_t max_pixels = options.max_pixels ? *options.max_pixels : max_image_pixels();
  unsigned char magic[8] = {};
  const size_t got = in.read(magic, sizeof magic);
  in.position = 0;
  if (in.file && std::fseek(in.file, 0, SEEK_SET) != 0)
    throw Error("cannot read image " + in.name + ": " + std::strerror(errno));
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (got == 8 && std::memcmp(magic, kPng, 8) == 0)
    return decode_png(in, options, max_pixels, header_only, header);
  if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
    return decode_jpeg(in, options, max_pixels, header_only, header);
  throw Error(in.name + " is neither PNG nor JPEG (convert it, e.g. with ImageMagick's convert)");
}

torch::Tensor decode_path(const std::string& path, const DecodeOptions& options, bool header_only,
                          ImageInfo* header) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw Error("cannot open image " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(::fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error("cannot read image " + path + ": not a regular file");
  Input in;
  in.name = path;
  in.file = file.get();
  in.size = static_cast<size_t>(st.st_size);
  return decode(in, options, header_only, header);
}

}  // namespace

int64_t max_image_pixels() {
  const char* env = std::getenv("MODELZOO_MAX_IMAGE_PIXELS");
  if (!env || !*env) return kDefaultMaxImagePixels;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(env, &end, 10);
  if (errno != 0 || *end != '\0' || value <= 0)
    throw Error("MODELZOO_MAX_IMAGE_PIXELS='" + std::string(env) +
                "' is not a positive number of pixels (the default, PIL's limit, is " +
                std::to_string(kDefaultMaxImagePixels) + ")");
  return value;
}

torch::Tensor decode_file(const std::string& path, const DecodeOptions& options) {
  return decode_path(path, options, false, nullptr);
}

torch::Tensor decode_bytes(const uint8_t* data, size_t size, const std::string& name,
                           const DecodeOptions& options) {
  Input in;
  in.name = name;
  in.data = data;
  in.size = size;
  return decode(in, options, false, nullptr);
}

ImageInfo probe_file(const std::string& path, const DecodeOptions& options) {
  ImageInfo info;
  decode_path(path, options, true, &info);
  return info;
}

}  // namespace modelzoo::image
