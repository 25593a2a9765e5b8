#include "modelzoo/sdk/untrusted_json.h"

#include <set>
#include <vector>

namespace modelzoo {

namespace {

// Thrown from the parser callback to stop at the first violation: the
// partial DOM is at most max_depth deep, so unwinding it is safe.
struct Stop {
  JsonRefusal refusal;
};

}  // namespace

std::string JsonRefusal::message() const {
  switch (kind) {
    case Kind::kTooLarge:
      return "too large (" + detail + ")";
    case Kind::kTooDeep:
      return "nested too deeply (" + detail + ")";
    case Kind::kDuplicateKey:
      return "ambiguous: key '" + detail + "' appears twice in one object";
    case Kind::kMalformed:
      break;
  }
  return "not well-formed JSON" + (detail.empty() ? std::string() : " (" + detail + ")");
}

std::optional<nlohmann::json> try_parse_untrusted_json(std::string_view text, JsonRefusal* refusal,
                                                       const JsonLimits& limits) {
  auto refuse = [&](JsonRefusal::Kind kind, std::string detail) -> std::optional<nlohmann::json> {
    if (refusal) *refusal = {kind, std::move(detail)};
    return std::nullopt;
  };
  if (text.size() > limits.max_bytes)
    return refuse(JsonRefusal::Kind::kTooLarge, std::to_string(text.size()) + " bytes, at most " +
                                                    std::to_string(limits.max_bytes));
  // The keys seen in each object still open; only kept when duplicates are
  // refused.
  std::vector<std::set<std::string>> open_objects;
  const nlohmann::json::parser_callback_t check =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        switch (event) {
          case Event::object_start:
          case Event::array_start:
            // `depth` counts the containers already open around this one.
            if (depth >= limits.max_depth)
              throw Stop{{JsonRefusal::Kind::kTooDeep,
                          "more than " + std::to_string(limits.max_depth) + " levels"}};
            if (event == Event::object_start && limits.reject_duplicate_keys)
              open_objects.emplace_back();
            break;
          case Event::object_end:
            if (limits.reject_duplicate_keys && !open_objects.empty()) open_objects.pop_back();
            break;
          case Event::key:
            if (limits.reject_duplicate_keys && !open_objects.empty() &&
                !open_objects.back().insert(parsed.get<std::string>()).second)
              throw Stop{{JsonRefusal::Kind::kDuplicateKey, parsed.get<std::string>()}};
            break;
          default:
            break;
        }
        return true;
      };
  try {
    nlohmann::json document =
        nlohmann::json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
    if (document.is_discarded()) return refuse(JsonRefusal::Kind::kMalformed, "");
    return document;
  } catch (const Stop& stop) {
    return refuse(stop.refusal.kind, stop.refusal.detail);
  }
}

nlohmann::json parse_untrusted_json(std::string_view text, const std::string& what,
                                    const JsonLimits& limits) {
  JsonRefusal refusal;
  auto document = try_parse_untrusted_json(text, &refusal, limits);
  if (!document) throw Error(what + ": " + refusal.message());
  return std::move(*document);
}

}  // namespace modelzoo
