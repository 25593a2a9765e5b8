// Reading the manifest section straight from plugin files, good and broken.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/manifest.h"
#include "paths.h"
#include "process.h"

using modelzoo::read_elf_section;
using namespace modelzoo::test;

namespace {
const std::string kSection = ".modelzoo_manifest";
std::string error_of(const std::string& path) {
  try {
    read_elf_section(path, kSection);
  } catch (const modelzoo::Error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("the toy plugin's manifest is read without loading it", "[elf]") {
  const std::string text = read_elf_section(plugin_dir("good") + "/toy.so", kSection);
  const auto manifest = modelzoo::parse_manifest_document(text);
  CHECK(manifest.family == "toy");
  CHECK(manifest.entrypoints.size() == 2);
  CHECK(manifest.build.torch == "1.13.0");
  // The build tuple comes after the author's part, so even a last-key-wins
  // reader sees the real one.
  CHECK(text.rfind("\"build\":") > text.find("\"plugin\":"));
}

TEST_CASE("broken files are diagnosed, not crashed on", "[elf]") {
  CHECK_THAT(error_of(plugin_dir("bad") + "/bad_empty.so"), Catch::Contains("empty file"));
  CHECK_THAT(error_of(plugin_dir("bad") + "/bad_not_elf.so"), Catch::Contains("not an ELF file"));
  CHECK_THAT(error_of(plugin_dir("bad") + "/bad_truncated.so"),
             Catch::Contains("truncated or corrupted ELF"));
  CHECK_THAT(error_of(plugin_dir("bad") + "/bad_no_manifest.so"),
             Catch::Contains("no '.modelzoo_manifest' section"));
  CHECK_THAT(error_of("/nonexistent/plugin.so"), Catch::Contains("cannot open"));
  CHECK_THAT(error_of("/tmp"), Catch::Contains("not a regular file"));
}

TEST_CASE("every truncation of a plugin is refused cleanly", "[elf]") {
  // Cut the toy plugin at many lengths, including inside the headers, the
  // section table and the manifest: each must give an error, never a crash
  // or a partial manifest.
  std::ifstream in(plugin_dir("good") + "/toy.so", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 4096);
  TempDir dir;
  const std::string cut = dir.path() + "/cut.so";
  std::vector<size_t> lengths = {1,
                                 4,
                                 16,
                                 63,
                                 64,
                                 65,
                                 200,
                                 1000,
                                 4096,
                                 bytes.size() / 2,
                                 bytes.size() - 1000,
                                 bytes.size() - 1};
  for (size_t length : lengths) {
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(length));
    INFO("length " << length);
    CHECK_THROWS_AS(read_elf_section(cut, kSection), modelzoo::Error);
  }
}
