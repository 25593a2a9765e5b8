// The one reader for JSON that modelzoo did not write itself in this
// process: plugin manifests, signature statements, trust-store files, the
// downgrade ledger, the config file, cache records, the scanner's lines.
//
// Limits are enforced while the text is parsed, so a hostile document never
// becomes a deep DOM: nlohmann::json copies, compares and dumps values
// recursively, and a value nested 200,000 deep overflows the stack in any of
// those. A key that appears twice in one object is refused too (nlohmann
// keeps the last one, so such a document could say two things to two
// readers). The typed accessors treat a wrong type as an error that names
// the field, never as nlohmann's raw type_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo {

struct JsonLimits {
  size_t max_bytes = size_t{64} << 20;  ///< a manifest is a few KB; a trust store, less
  int max_depth = 64;                   ///< the deepest real document (a manifest) nests 8
  bool reject_duplicate_keys = true;
};

/// Why a document was refused.
struct MODELZOO_API JsonRefusal {
  enum class Kind { kMalformed, kTooLarge, kTooDeep, kDuplicateKey };
  Kind kind = Kind::kMalformed;
  std::string detail;  ///< e.g. "nested deeper than 64 levels", the duplicate key
  std::string message() const;
};

/// The document in `text`, or the reason it was refused in `*refusal`.
MODELZOO_API std::optional<nlohmann::json> try_parse_untrusted_json(std::string_view text,
                                                                    JsonRefusal* refusal,
                                                                    const JsonLimits& limits = {});

/// The document in `text`; throws Error("<what>: <reason>") when refused.
MODELZOO_API nlohmann::json parse_untrusted_json(std::string_view text, const std::string& what,
                                                 const JsonLimits& limits = {});

/// Which JSON type a C++ type is read from.
template <class T>
bool json_has_type(const nlohmann::json& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return value.is_string();
  } else if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return value.is_number_integer() &&
           (value.is_number_unsigned() ? value.get<uint64_t>() <= INT64_MAX : true);
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
  } else if constexpr (std::is_same_v<T, double>) {
    return value.is_number();
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return true;
  } else {
    static_assert(sizeof(T) == 0, "no JSON type for this C++ type");
  }
}

namespace detail {
template <class T>
constexpr const char* json_type_name() {
  if constexpr (std::is_same_v<T, std::string>) return "a string";
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  if constexpr (std::is_same_v<T, int64_t>) return "an integer";
  if constexpr (std::is_same_v<T, uint64_t>) return "a non-negative integer";
  if constexpr (std::is_same_v<T, double>) return "a number";
  return "a value";
}
}  // namespace detail

/// `object[key]` as T; nullopt when `object` is not an object or has no
/// `key`; Error "<where>.<key>: expected <type>" when it holds another type.
template <class T>
std::optional<T> optional_field(const nlohmann::json& object, std::string_view key,
                                const std::string& where) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!json_has_type<T>(*it))
    throw Error(where + "." + std::string(key) + ": expected " + detail::json_type_name<T>() +
                ", found " + it->type_name());
  if constexpr (std::is_same_v<T, nlohmann::json>)
    return *it;
  else
    return it->template get<T>();
}

/// As optional_field, with `fallback` when absent.
template <class T>
T field_or(const nlohmann::json& object, std::string_view key, const std::string& where,
           T fallback) {
  auto value = optional_field<T>(object, key, where);
  return value ? std::move(*value) : std::move(fallback);
}

/// As optional_field, and Error "<where>.<key>: missing" when absent.
template <class T>
T required_field(const nlohmann::json& object, std::string_view key, const std::string& where) {
  if (!object.is_object()) throw Error(where + ": expected an object, found " + object.type_name());
  auto value = optional_field<T>(object, key, where);
  if (!value) throw Error(where + "." + std::string(key) + ": missing");
  return std::move(*value);
}

}  // namespace modelzoo
