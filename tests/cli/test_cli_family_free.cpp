// The CLI knows no family: nothing under tools/ names a family of this
// repository (a folder of plugins/) or includes a header from plugins/.
// A family's commands belong to the family (see DESIGN.md).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("tools/ names no family and includes nothing from plugins/", "[cli][families]") {
  const fs::path source = MODELZOO_SOURCE_DIR;
  std::vector<std::string> families;
  for (const auto& entry : fs::directory_iterator(source / "plugins"))
    if (entry.is_directory() && fs::exists(entry.path() / "CMakeLists.txt"))
      families.push_back(entry.path().filename().string());
  REQUIRE(families.size() >= 2);  // vision and lut at least

  // Also the family's private headers, by name (lut_config.h, resnet.h, …).
  std::vector<std::string> family_headers;
  for (const auto& family : families)
    for (const auto& entry : fs::recursive_directory_iterator(source / "plugins" / family))
      if (entry.path().extension() == ".h")
        family_headers.push_back(entry.path().filename().string());

  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source / "tools")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string text = read(entry.path());
    INFO(entry.path().string());
    for (const auto& family : families) {
      const std::regex word("\\b" + family + "\\b", std::regex::icase);
      CHECK_FALSE(std::regex_search(text, word));
    }
    CHECK(text.find("plugins/") == std::string::npos);
    for (const auto& header : family_headers)
      CHECK(text.find("\"" + header + "\"") == std::string::npos);
  }
  CHECK(files > 10);
}
