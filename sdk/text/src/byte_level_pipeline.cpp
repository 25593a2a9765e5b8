#include "byte_level_pipeline.h"

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "pretokenizer_regex.h"

namespace modelzoo::text {

namespace {

// Nested Sequences deeper than this are no real tokenizer's.
constexpr int kMaxSequenceDepth = 8;
// Special tokens a post-processor may put around a text.
constexpr size_t kMaxTemplateIds = 16;

std::string type_of(const nlohmann::json& step, const std::string& where) {
  if (!step.is_object())
    throw Error(where + ": expected an object with a \"type\", found " + step.type_name() +
                ": the file is damaged; download it again");
  return required_field<std::string>(step, "type", where);
}

const nlohmann::json& sequence_items(const nlohmann::json& step, const char* key,
                                     const std::string& where, int depth) {
  if (depth >= kMaxSequenceDepth)
    throw Error(where + ": Sequences nested more than " + std::to_string(kMaxSequenceDepth) +
                " deep: the file is damaged; download it again");
  const auto it = step.find(key);
  if (it == step.end() || !it->is_array())
    throw Error(where + "." + key + ": expected an array: the file is damaged; download it again");
  return *it;
}

SplitBehavior behavior_named(const std::string& name, const std::string& where) {
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw Error(where + ": the Split behavior \"" + name +
              "\" is not one of Hugging Face's (Isolated, Removed, MergedWithPrevious, "
              "MergedWithNext, Contiguous): the file is damaged or from a newer tokenizers; "
              "report it");
}

void add_split(const nlohmann::json& step, const std::string& where, PreTokenizer* out) {
  const auto pattern = required_field<nlohmann::json>(step, "pattern", where);
  const SplitBehavior behavior =
      behavior_named(required_field<std::string>(step, "behavior", where), where + ".behavior");
  const bool invert = field_or<bool>(step, "invert", where, false);
  if (auto regex = optional_field<std::string>(pattern, "Regex", where + ".pattern"))
    out->add_split(*regex, behavior, invert);
  else if (auto literal = optional_field<std::string>(pattern, "String", where + ".pattern"))
    out->add_literal_split(*literal, behavior, invert);
  else
    throw Error(where + ".pattern: expected {\"Regex\": …} or {\"String\": …}, found " +
                pattern.dump().substr(0, 80) + ": the file is damaged; download it again");
}

// Appends the steps of `step` to *out; *byte_level is set once ByteLevel
// has been read (nothing may follow it: it maps bytes to characters).
void add_steps(const nlohmann::json& step, const std::string& where, int depth, bool* byte_level,
               PreTokenizer* out) {
  const std::string type = type_of(step, where);
  if (type == "Sequence") {
    const auto& steps = sequence_items(step, "pretokenizers", where, depth);
    for (size_t i = 0; i < steps.size(); ++i)
      add_steps(steps[i], where + ".pretokenizers[" + std::to_string(i) + "]", depth + 1,
                byte_level, out);
    return;
  }
  if (*byte_level)
    throw Error(where + ": a " + type +
                " step after ByteLevel is not supported by modelzoo's byte-level BPE (it would "
                "cut byte-level characters); no published byte-level tokenizer has one");
  if (type == "ByteLevel") {
    *byte_level = true;
    if (field_or<bool>(step, "add_prefix_space", where, true)) out->add_prefix_space();
    if (field_or<bool>(step, "use_regex", where, true))
      out->add_split(kGpt2SplitPattern, SplitBehavior::kIsolated, false);
  } else if (type == "Digits") {
    // Rust's char::is_numeric is \p{N}; one match a character, as Hugging
    // Face's char-predicate split makes them.
    out->add_split("\\p{N}",
                   field_or<bool>(step, "individual_digits", where, false)
                       ? SplitBehavior::kIsolated
                       : SplitBehavior::kContiguous,
                   false);
  } else if (type == "Split") {
    add_split(step, where, out);
  } else {
    throw Error(where + ": the pre-tokenizer \"" + type +
                "\" is not supported by modelzoo's byte-level BPE (ByteLevel, Digits, Split and "
                "Sequences of them are); this tokenizer cannot be used as it is");
  }
}

bool add_normalizer(const nlohmann::json& normalizer, const std::string& where, int depth) {
  const std::string type = type_of(normalizer, where);
  if (type == "NFC") return true;
  if (type == "Sequence") {
    bool nfc = false;
    const auto& steps = sequence_items(normalizer, "normalizers", where, depth);
    for (size_t i = 0; i < steps.size(); ++i)
      nfc =
          add_normalizer(steps[i], where + ".normalizers[" + std::to_string(i) + "]", depth + 1) ||
          nfc;
    return nfc;
  }
  throw Error(where + ": the normalizer \"" + type +
              "\" is not supported by modelzoo's byte-level BPE (none, NFC and Sequences of NFC "
              "are); this tokenizer cannot be used as it is");
}

void check_decoder(const nlohmann::json& decoder, const std::string& where, int depth) {
  const std::string type = type_of(decoder, where);
  if (type == "ByteLevel") return;
  if (type == "Sequence") {
    const auto& steps = sequence_items(decoder, "decoders", where, depth);
    for (size_t i = 0; i < steps.size(); ++i)
      check_decoder(steps[i], where + ".decoders[" + std::to_string(i) + "]", depth + 1);
    return;
  }
  throw Error(where + ": the decoder \"" + type +
              "\" is not supported by modelzoo's byte-level BPE (ByteLevel is); this tokenizer "
              "cannot be used as it is");
}

// TemplateProcessing's "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, …]
void read_template(const nlohmann::json& processor, const std::string& where,
                   PostProcessorIds* out) {
  const auto single = required_field<nlohmann::json>(processor, "single", where);
  const auto specials = field_or<nlohmann::json>(processor, "special_tokens", where, nullptr);
  if (!single.is_array()) throw Error(where + ".single: expected an array");
  bool seen_text = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string at = where + ".single[" + std::to_string(i) + "]";
    const auto& item = single[i];
    if (item.is_object() && item.contains("Sequence")) {
      const auto id = required_field<std::string>(item["Sequence"], "id", at + ".Sequence");
      if (id != "A" || seen_text)
        throw Error(at + ": a single-text template must hold the sequence A once, found " +
                    item.dump().substr(0, 80) + ": the file is damaged; download it again");
      seen_text = true;
      continue;
    }
    if (!item.is_object() || !item.contains("SpecialToken"))
      throw Error(at + ": expected a SpecialToken or the Sequence A, found " +
                  item.dump().substr(0, 80) + ": the file is damaged; download it again");
    const auto name = required_field<std::string>(item["SpecialToken"], "id", at + ".SpecialToken");
    if (!specials.is_object() || !specials.contains(name))
      throw Error(at + ": the special token \"" + name + "\" is not in " + where +
                  ".special_tokens: the file is damaged; download it again");
    const std::string token_where = where + ".special_tokens." + name;
    const auto ids = required_field<nlohmann::json>(specials[name], "ids", token_where);
    if (!ids.is_array()) throw Error(token_where + ".ids: expected an array of ids");
    auto& side = seen_text ? out->suffix : out->prefix;
    for (const auto& id : ids) {
      if (!json_has_type<int64_t>(id) || id.get<int64_t>() < 0)
        throw Error(token_where + ".ids: " + id.dump().substr(0, 40) +
                    " is not a token id: the file is damaged; download it again");
      side.push_back(id.get<int64_t>());
    }
    if (side.size() > kMaxTemplateIds)
      throw Error(where + ": the template puts more than " + std::to_string(kMaxTemplateIds) +
                  " special tokens around a text: the file is damaged; download it again");
  }
  if (!seen_text)
    throw Error(where +
                ".single: the template has no Sequence A, so the text would vanish: the "
                "file is damaged; download it again");
}

void add_post_processor(const nlohmann::json& processor, const std::string& where, int depth,
                        bool* template_seen, PostProcessorIds* out) {
  const std::string type = type_of(processor, where);
  if (type == "ByteLevel") return;  // offsets only
  if (type == "Sequence") {
    const auto& steps = sequence_items(processor, "processors", where, depth);
    for (size_t i = 0; i < steps.size(); ++i)
      add_post_processor(steps[i], where + ".processors[" + std::to_string(i) + "]", depth + 1,
                         template_seen, out);
    return;
  }
  if (type == "TemplateProcessing") {
    if (*template_seen)
      throw Error(where +
                  ": a second TemplateProcessing is not supported (no published "
                  "tokenizer has two)");
    *template_seen = true;
    read_template(processor, where, out);
    return;
  }
  throw Error(where + ": the post-processor \"" + type +
              "\" is not supported by modelzoo's byte-level BPE (ByteLevel and "
              "TemplateProcessing are); this tokenizer cannot be used as it is");
}

}  // namespace

bool read_byte_level_normalizer(const nlohmann::json& normalizer, const std::string& where) {
  if (normalizer.is_null()) return false;
  return add_normalizer(normalizer, where, 0);
}

PreTokenizer read_byte_level_pre_tokenizer(const nlohmann::json& pre_tokenizer,
                                           const std::string& where) {
  PreTokenizer out;
  bool byte_level = false;
  add_steps(pre_tokenizer, where, 0, &byte_level, &out);
  if (!byte_level)
    throw Error(where +
                ": no ByteLevel step, so this tokenizer is not byte-level BPE (GPT-2 "
                "style); a SentencePiece-style tokenizer is read from its tokenizer.model");
  return out;
}

void check_byte_level_decoder(const nlohmann::json& decoder, const std::string& where) {
  // Without a decoder, Hugging Face would join the tokens' spellings with
  // spaces; a byte-level vocabulary is never published so, and ByteLevelBpe
  // decodes bytes whatever the file says.
  if (decoder.is_null()) return;
  check_decoder(decoder, where, 0);
}

PostProcessorIds read_post_processor(const nlohmann::json& post_processor,
                                     const std::string& where) {
  PostProcessorIds out;
  if (post_processor.is_null()) return out;
  bool template_seen = false;
  add_post_processor(post_processor, where, 0, &template_seen, &out);
  return out;
}

}  // namespace modelzoo::text
