// safetensors: round trips, interoperability with an independent writer and
// reader (Python's struct + json + numpy), and every kind of broken header
// refused with a clear error.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "modelzoo/formats/safetensors.h"
#include "modelzoo/sdk/error.h"
#include "process.h"

using namespace modelzoo::formats;
using modelzoo::test::TempDir;
using nlohmann::json;

namespace {

// Raw safetensors bytes from a header text and data, for crafted files.
std::string raw_file(const std::string& header, const std::string& data, uint64_t claimed = 0) {
  std::string out;
  const uint64_t n = claimed ? claimed : header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string write_bytes(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string error_of(const std::string& path) {
  try {
    read_safetensors(MappedFile::open(path));
  } catch (const modelzoo::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TensorView view_of(const std::string& name, DType dtype, std::vector<int64_t> shape,
                   std::vector<int64_t> strides, const std::string& storage, int64_t offset = 0) {
  TensorView v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.strides = std::move(strides);
  v.storage_offset = offset;
  v.storage = reinterpret_cast<const uint8_t*>(storage.data());
  v.storage_bytes = storage.size();
  return v;
}

}  // namespace

TEST_CASE("written safetensors read back equal, sorted and aligned", "[safetensors]") {
  TempDir dir;
  std::string floats(6 * 4, '\0');
  for (int i = 0; i < 6; ++i) {
    const float f = 0.5f * static_cast<float>(i) - 1.0f;
    std::memcpy(&floats[static_cast<size_t>(i) * 4], &f, 4);
  }
  const std::string longs("\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0", 16);
  const std::string bools("\x01\x00\x01", 3);
  // A transposed (non-contiguous) 2x3 view of the 6 floats, a 3-element
  // slice starting at element 2, an int64 pair, bools, a scalar and an
  // empty tensor.
  std::vector<TensorView> views = {
      view_of("z.transposed", DType::kF32, {3, 2}, {1, 3}, floats),
      view_of("a.slice", DType::kF32, {3}, {1}, floats, 2),
      view_of("m.longs", DType::kI64, {2}, {1}, longs),
      view_of("b.flags", DType::kBool, {3}, {1}, bools),
      view_of("s.scalar", DType::kF32, {}, {}, floats, 1),
      view_of("e.empty", DType::kF16, {0, 4}, {4, 1}, floats),
  };
  const std::string path = dir.path() + "/out.safetensors";
  write_safetensors(path, views, {{"format", "pt"}, {"source", "test"}});
  const TensorFile file = read_safetensors(MappedFile::open(path));
  CHECK(file.metadata.at("source") == "test");
  REQUIRE(file.tensors.size() == views.size());
  for (const auto& v : views) {
    INFO(v.name);
    const TensorView* r = file.find(v.name);
    REQUIRE(r != nullptr);
    CHECK(r->dtype == v.dtype);
    CHECK(r->shape == v.shape);
    CHECK(r->is_contiguous());
    CHECK(r->contiguous_bytes() == v.contiguous_bytes());
    CHECK((r->storage - file.file->data()) % static_cast<long>(dtype_size(r->dtype)) == 0);
  }
  // The transposed view was written in row-major order of the view.
  const std::string t = file.find("z.transposed")->contiguous_bytes();
  float first_row[2];
  std::memcpy(first_row, t.data(), 8);
  CHECK(first_row[0] == -1.0f);  // element (0,0) = floats[0]
  CHECK(first_row[1] == 0.5f);   // element (0,1) = floats[3]
  // Data: 8-byte elements first, then by name; the data section is aligned.
  CHECK(file.tensors.front().name == "m.longs");
  CHECK((file.tensors.front().storage - file.file->data()) % 8 == 0);
  CHECK_THROWS_WITH(write_safetensors(path, {views[0], views[0]}), Catch::Contains("two tensors"));
}

TEST_CASE("safetensors interoperate with an independent Python implementation",
          "[safetensors][python]") {
  if (modelzoo::test::run_process({"/usr/bin/python3", "-c", "import numpy"}).exit_code != 0) {
    WARN("skipped: /usr/bin/python3 with numpy is not installed (scripts/install-deps.sh adds it)");
    return;
  }
  TempDir dir;
  const std::string script =
      std::string(MODELZOO_SOURCE_DIR) + "/tests/formats/safetensors_peer.py";
  // Python writes; modelzoo reads and checks the values.
  const std::string py_file = dir.path() + "/py.safetensors";
  auto r = modelzoo::test::run_process({"/usr/bin/python3", script, "write", py_file});
  REQUIRE(r.exit_code == 0);
  const json expected = json::parse(r.out);
  const TensorFile file = read_safetensors(MappedFile::open(py_file));
  CHECK(file.metadata.at("writer") == "python");
  REQUIRE(file.tensors.size() == expected.size());
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    INFO(it.key());
    const TensorView* t = file.find(it.key());
    REQUIRE(t != nullptr);
    CHECK(dtype_name(t->dtype) == it.value()["dtype"].get<std::string>());
    CHECK(t->shape == it.value()["shape"].get<std::vector<int64_t>>());
    CHECK(modelzoo::test::sha256_of_bytes(t->contiguous_bytes()) == it.value()["sha256"]);
  }
  // modelzoo writes (re-packing Python's file); Python reads and checks.
  const std::string mz_file = dir.path() + "/mz.safetensors";
  write_safetensors(mz_file, file.tensors, file.metadata);
  r = modelzoo::test::run_process({"/usr/bin/python3", script, "check", mz_file});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok\n");
  CHECK(r.err.empty());
}

TEST_CASE("broken safetensors are refused with a clear error", "[safetensors]") {
  TempDir dir;
  const std::string data(16, '\x11');
  const std::string good = R"({"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  REQUIRE(error_of(write_bytes(dir, "good", raw_file(good, data))) == "(no error)");
  CHECK_THAT(error_of(write_bytes(dir, "tiny", "abc")), Catch::Contains("corrupted or incomplete"));
  CHECK_THAT(error_of(write_bytes(dir, "long", raw_file(good, data, 1u << 20))),
             Catch::Contains("header length 1048576 exceeds the file"));
  CHECK_THAT(error_of(write_bytes(dir, "notjson", raw_file("{not json}", data))),
             Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(write_bytes(
                 dir, "dtype",
                 raw_file(R"({"t":{"dtype":"F8","shape":[4],"data_offsets":[0,4]}})", data))),
             Catch::Contains("unknown dtype 'F8'"));
  CHECK_THAT(error_of(write_bytes(
                 dir, "oob",
                 raw_file(R"({"t":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", data))),
             Catch::Contains("outside the data"));
  CHECK_THAT(error_of(write_bytes(
                 dir, "size",
                 raw_file(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data))),
             Catch::Contains("need 12"));
  CHECK_THAT(
      error_of(write_bytes(dir, "overlap",
                           raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                    data))),
      Catch::Contains("overlap"));
  CHECK_THAT(error_of(write_bytes(
                 dir, "reversed",
                 raw_file(R"({"t":{"dtype":"U8","shape":[0],"data_offsets":[9,8]}})", data))),
             Catch::Contains("outside the data"));
  CHECK_THAT(error_of(write_bytes(
                 dir, "negative",
                 raw_file(R"({"t":{"dtype":"U8","shape":[-4],"data_offsets":[0,4]}})", data))),
             Catch::Contains("negative"));
  CHECK_THAT(error_of(write_bytes(dir, "overflow",
                                  raw_file(R"({"t":{"dtype":"F64","shape":[4294967296,4294967296],)"
                                           R"("data_offsets":[0,16]}})",
                                           data))),
             Catch::Contains("overflow"));
  const std::string bad_utf8 =
      "{\"\xff\xfe\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
  CHECK_THAT(error_of(write_bytes(dir, "utf8", raw_file(bad_utf8, data))),
             Catch::Contains("UTF-8") || Catch::Contains("JSON"));
  CHECK_THAT(error_of(write_bytes(dir, "meta", raw_file(R"({"__metadata__":{"k":1}})", ""))),
             Catch::Contains("not a string"));
  // Every truncation of a good file is refused, none crashes.
  const std::string whole = raw_file(good, data);
  for (size_t n = 0; n < whole.size(); ++n) {
    INFO("truncated to " << n);
    CHECK_THAT(error_of(write_bytes(dir, "cut", whole.substr(0, n))),
               Catch::Contains("safetensors") || Catch::Contains("empty"));
  }
}
