#include "modelzoo/sdk/manifest.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "modelzoo/sdk/byte_record.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error("manifest field '" + path + "': " + what);
}

std::string type_name(const json& value) {
  return value.type_name();
}

const json& require(const json& object, const std::string& path, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) fail(path + "." + key, "missing (required)");
  return *it;
}

std::string read_string(const json& value, const std::string& path, bool allow_empty = false) {
  if (!value.is_string()) fail(path, "expected a string (got " + type_name(value) + ")");
  std::string text = value.get<std::string>();
  if (!allow_empty && text.empty()) fail(path, "must not be empty");
  return text;
}

std::string required_string(const json& object, const std::string& path, const char* key) {
  return read_string(require(object, path, key), path + "." + key);
}

std::string optional_string(const json& object, const std::string& path, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? std::string() : read_string(*it, path + "." + key, true);
}

int64_t read_positive_int(const json& value, const std::string& path) {
  if (!value.is_number_integer() || value.get<int64_t>() <= 0)
    fail(path, "expected a positive integer (got " + value.dump() + ")");
  return value.get<int64_t>();
}

bool is_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Entrypoint names also take '-', as Hugging Face names models
// (gpt2-medium, all-MiniLM-L6-v2); '.' stays the tag separator and '/'
// the family's.
// Dots are allowed inside a name (qwen2.5-0.5b-instruct, whisper-tiny.en),
// not at its end nor two in a row, so "NAME.TAG" still splits at the last dot
// when NAME.TAG is not itself a name.
bool is_entrypoint_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  if (name.back() == '.' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool is_lower_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<double> read_number_list(const json& value, const std::string& path) {
  if (!value.is_array()) fail(path, "expected an array of numbers (got " + type_name(value) + ")");
  std::vector<double> numbers;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number()) fail(path + "[" + std::to_string(i) + "]", "expected a number");
    numbers.push_back(value[i].get<double>());
  }
  return numbers;
}

void check_known_keys(const json& object, const std::string& path,
                      std::initializer_list<const char*> known);

Preprocess parse_preprocess(const json& object, const std::string& path) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  check_known_keys(object, path, {"resize", "crop", "interpolation", "mean", "std"});
  Preprocess p;
  if (auto it = object.find("resize"); it != object.end())
    p.resize = read_positive_int(*it, path + ".resize");
  if (auto it = object.find("crop"); it != object.end())
    p.crop = read_positive_int(*it, path + ".crop");
  p.interpolation = optional_string(object, path, "interpolation");
  static const std::set<std::string> kInterpolations = {"", "nearest", "bilinear", "bicubic"};
  if (!kInterpolations.count(p.interpolation))
    fail(path + ".interpolation",
         "unknown mode '" + p.interpolation + "' (expected nearest, bilinear or bicubic)");
  if (auto it = object.find("mean"); it != object.end())
    p.mean = read_number_list(*it, path + ".mean");
  if (auto it = object.find("std"); it != object.end())
    p.std = read_number_list(*it, path + ".std");
  if (p.mean.size() != p.std.size())
    fail(path, "mean and std must have one value per channel each (got " +
                   std::to_string(p.mean.size()) + " and " + std::to_string(p.std.size()) + ")");
  for (double s : p.std)
    if (s <= 0) fail(path + ".std", "every std must be positive");
  return p;
}

bool is_option_name(const std::string& name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::vector<Dim> parse_shape(const json& shape, const std::string& path) {
  if (!shape.is_array() || shape.empty()) fail(path, "expected a non-empty array");
  std::vector<Dim> dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    const std::string dim_path = path + "[" + std::to_string(i) + "]";
    Dim dim;
    if (shape[i].is_string()) {
      dim.name = read_string(shape[i], dim_path);
    } else {
      dim.size = read_positive_int(shape[i], dim_path);
    }
    dims.push_back(dim);
  }
  return dims;
}

InputSpec parse_input(const json& object, const std::string& path) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  check_known_keys(object, path,
                   {"name", "kind", "shape", "dtype", "preprocess", "sample_rate", "channels"});
  InputSpec input;
  if (object.contains("name")) {
    input.name = required_string(object, path, "name");
    if (!is_identifier(input.name))
      fail(path + ".name", "'" + input.name + "' is not a valid name (letters, digits and '_')");
  }
  if (object.contains("kind")) {
    input.kind = required_string(object, path, "kind");
    static const std::set<std::string> kKinds = {"tensor", "image", "text", "tokens", "audio"};
    if (!kKinds.count(input.kind))
      fail(path + ".kind",
           "unknown kind '" + input.kind + "' (expected tensor, image, text, tokens or audio)");
  }
  input.shape = parse_shape(require(object, path, "shape"), path + ".shape");
  if (auto it = object.find("dtype"); it != object.end()) {
    input.dtype = read_string(*it, path + ".dtype");
    static const std::set<std::string> kDtypes = {"float32", "float16", "bfloat16", "float64",
                                                  "int64",   "int32",   "uint8",    "bool"};
    if (!kDtypes.count(input.dtype)) fail(path + ".dtype", "unknown dtype '" + input.dtype + "'");
  }
  if (input.kind == "tokens" && input.dtype != "int64" && input.dtype != "int32")
    fail(path + ".dtype", "token ids are int64 or int32 (got " + input.dtype + ")");
  if (auto it = object.find("preprocess"); it != object.end())
    input.preprocess = parse_preprocess(*it, path + ".preprocess");
  if (auto it = object.find("sample_rate"); it != object.end())
    input.sample_rate = read_positive_int(*it, path + ".sample_rate");
  if (auto it = object.find("channels"); it != object.end())
    input.channels = read_positive_int(*it, path + ".channels");
  if ((input.sample_rate || input.channels) && input.kind != "audio")
    fail(path, "sample_rate and channels describe audio inputs (set \"kind\": \"audio\")");
  if (input.kind == "audio") {
    // A command resamples and remixes a user's file to what the model was
    // trained on; a rate it would have to guess is no spec.
    if (!input.sample_rate)
      fail(path + ".sample_rate",
           "missing: an audio input says the rate its model takes (e.g. 16000)");
    if (!input.channels) input.channels = 1;
  }
  return input;
}

std::vector<InputSpec> parse_inputs(const json& object, const std::string& path) {
  const bool one = object.contains("input"), many = object.contains("inputs");
  if (one == many)
    fail(path,
         "give exactly one of 'input' (the model's one input) or 'inputs' (an array of "
         "named inputs)");
  if (one) return {parse_input(object.at("input"), path + ".input")};
  const json& list = object.at("inputs");
  if (!list.is_array() || list.empty()) fail(path + ".inputs", "expected a non-empty array");
  std::vector<InputSpec> inputs;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string input_path = path + ".inputs[" + std::to_string(i) + "]";
    if (!list[i].is_object() || !list[i].contains("name"))
      fail(input_path + ".name", "missing (required: each of several inputs is named)");
    inputs.push_back(parse_input(list[i], input_path));
    if (!names.insert(inputs.back().name).second)
      fail(input_path + ".name", "duplicate input '" + inputs.back().name + "'");
  }
  return inputs;
}

bool is_task_name(const std::string& task) {
  if (task.empty() || !std::islower(static_cast<unsigned char>(task[0]))) return false;
  return std::all_of(task.begin(), task.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

CommandOption::Type parse_option_type(const std::string& text, const std::string& path) {
  using Type = CommandOption::Type;
  static const std::pair<const char*, Type> kTypes[] = {{"string", Type::kString},
                                                        {"path", Type::kPath},
                                                        {"int", Type::kInt},
                                                        {"number", Type::kNumber},
                                                        {"bool", Type::kBool}};
  for (const auto& [name, type] : kTypes)
    if (text == name) return type;
  fail(path, "unknown option type '" + text + "' (expected string, path, int, number or bool)");
}

bool fits_type(const json& value, CommandOption::Type type) {
  using Type = CommandOption::Type;
  switch (type) {
    case Type::kString:
    case Type::kPath:
      return value.is_string();
    case Type::kInt:
      return value.is_number_integer();
    case Type::kNumber:
      return value.is_number();
    case Type::kBool:
      return value.is_boolean();
  }
  return false;
}

CommandOption parse_option(const json& object, const std::string& path) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  check_known_keys(object, path,
                   {"name", "type", "help", "default", "required", "multiple", "positional",
                    "choices", "short"});
  CommandOption o;
  o.name = required_string(object, path, "name");
  if (!is_option_name(o.name))
    fail(path + ".name", "'" + o.name +
                             "' is not a valid option name (lower-case letters, "
                             "digits and '-', starting with a letter)");
  if (is_reserved_option_name(o.name))
    fail(path + ".name",
         "'" + o.name +
             "' is one of the options every command has (config, "
             "weights, random-init, verify, offline, verbose, threads, json, help); rename it");
  o.type = parse_option_type(required_string(object, path, "type"), path + ".type");
  o.help = optional_string(object, path, "help");
  auto flag = [&](const char* key) {
    auto it = object.find(key);
    if (it == object.end()) return false;
    if (!it->is_boolean()) fail(path + "." + key, "expected true or false");
    return it->get<bool>();
  };
  o.required = flag("required");
  o.multiple = flag("multiple");
  o.positional = flag("positional");
  if (o.positional && o.type == CommandOption::Type::kBool)
    fail(path + ".positional", "a bool option is a flag and cannot be positional");
  if (auto it = object.find("choices"); it != object.end()) {
    if (o.type != CommandOption::Type::kString || !it->is_array() || it->empty())
      fail(path + ".choices", "expected a non-empty array of strings, on a string option");
    for (size_t i = 0; i < it->size(); ++i)
      o.choices.push_back(read_string((*it)[i], path + ".choices[" + std::to_string(i) + "]"));
  }
  if (auto it = object.find("short"); it != object.end()) {
    o.short_name = read_string(*it, path + ".short");
    if (o.short_name.size() != 1 || !std::isalpha(static_cast<unsigned char>(o.short_name[0])) ||
        o.short_name == "c" || o.short_name == "h")
      fail(path + ".short", "expected one letter other than c and h (got '" + o.short_name + "')");
  }
  if (auto it = object.find("default"); it != object.end()) {
    const bool ok =
        o.multiple
            ? it->is_array() && std::all_of(it->begin(), it->end(),
                                            [&](const json& v) { return fits_type(v, o.type); })
            : fits_type(*it, o.type);
    if (!ok)
      fail(path + ".default", "expected " + std::string(o.multiple ? "an array of " : "type ") +
                                  to_string(o.type) + " (got " + it->dump() + ")");
    if (o.required) fail(path + ".default", "a required option has no default");
    if (!o.choices.empty()) {
      const std::vector<json> given = o.multiple ? it->get<std::vector<json>>() : std::vector{*it};
      for (const json& v : given)
        if (std::find(o.choices.begin(), o.choices.end(), v.get<std::string>()) == o.choices.end())
          fail(path + ".default", v.dump() + " is not one of the option's choices");
    }
    o.default_value = *it;
  }
  if (o.type == CommandOption::Type::kBool && o.default_value == true)
    fail(path + ".default",
         "a bool option is a flag, off unless given; name it for what turning it on does "
         "(\"no-" +
             o.name + "\") rather than default it to true");
  return o;
}

CommandSpec parse_command(const json& object, const std::string& path) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  check_known_keys(object, path, {"verb", "task", "scope", "summary", "options"});
  CommandSpec c;
  c.verb = required_string(object, path, "verb");
  if (!is_option_name(c.verb))
    fail(path + ".verb", "'" + c.verb + "' is not a valid verb (lower-case letters, digits, '-')");
  c.task = optional_string(object, path, "task");
  if (!c.task.empty() && !is_task_name(c.task))
    fail(path + ".task", "'" + c.task + "' is not a task name (lower-case, '-': text-generation)");
  const std::string scope =
      object.contains("scope") ? required_string(object, path, "scope") : "model";
  if (scope == "model")
    c.scope = CommandSpec::Scope::kModel;
  else if (scope == "family")
    c.scope = CommandSpec::Scope::kFamily;
  else
    fail(path + ".scope", "expected model or family (got '" + scope + "')");
  if (c.verb == "run" && (c.task.empty() || c.scope != CommandSpec::Scope::kModel))
    fail(path,
         "a run command serves the entrypoints of one task: give its \"task\" (and no "
         "family scope)");
  if (c.scope == CommandSpec::Scope::kFamily && !c.task.empty())
    fail(path + ".task", "a family-scope command takes a family, not a model of a task");
  c.summary = required_string(object, path, "summary");
  if (auto it = object.find("options"); it != object.end()) {
    if (!it->is_array()) fail(path + ".options", "expected an array");
    std::set<std::string> names, shorts;
    bool optional_positional = false;
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string option_path = path + ".options[" + std::to_string(i) + "]";
      CommandOption o = parse_option((*it)[i], option_path);
      if (!names.insert(o.name).second)
        fail(option_path + ".name", "duplicate option '" + o.name + "'");
      if (!o.short_name.empty() && !shorts.insert(o.short_name).second)
        fail(option_path + ".short", "duplicate short name '" + o.short_name + "'");
      if (o.positional) {
        if (optional_positional && o.required)
          fail(option_path, "a required positional option cannot follow an optional one");
        if (!o.required) optional_positional = true;
      }
      c.options.push_back(std::move(o));
    }
  }
  return c;
}

// Manifests name a metadata table once (1000 ImageNet categories) and
// refer to it from each variant's meta: {"categories": {"$table": "imagenet"}}.
// The reference stays in memory too (WeightVariant::tables is shared), so a
// table costs one copy per plugin, not one per variant.
bool is_table_reference(const json& value) {
  return value.is_object() && value.contains("$table");
}

// The table `value` refers to; fails with the reference's path when it is
// malformed or names no table.
const json& follow_table_reference(const json& value, const json* tables, const std::string& path) {
  if (value.size() != 1 || !value["$table"].is_string())
    fail(path, "a table reference is {\"$table\": \"NAME\"} and nothing else");
  const std::string name = value["$table"].get<std::string>();
  auto table = tables ? tables->find(name) : json::const_iterator();
  if (!tables || table == tables->end())
    fail(path, "refers to table '" + name + "', which plugin.tables does not define");
  return *table;
}

Digest parse_digest(const json& object, const std::string& path) {
  const bool has_full = object.contains("sha256");
  const bool has_prefix = object.contains("sha256_prefix");
  if (has_full == has_prefix)
    fail(path, "give exactly one of 'sha256' (64 hex digits) or 'sha256_prefix' (8+ hex digits)");
  Digest digest;
  digest.is_prefix = has_prefix;
  const std::string key = has_full ? "sha256" : "sha256_prefix";
  digest.hex = read_string(object.at(key), path + "." + key);
  std::transform(digest.hex.begin(), digest.hex.end(), digest.hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!is_lower_hex(digest.hex)) fail(path + "." + key, "expected hexadecimal digits");
  if (has_full && digest.hex.size() != 64)
    fail(path + ".sha256", "expected 64 hex digits (got " + std::to_string(digest.hex.size()) +
                               "); for a torch.hub-style short hash use 'sha256_prefix'");
  if (has_prefix && (digest.hex.size() < 8 || digest.hex.size() > 64))
    fail(path + ".sha256_prefix",
         "expected 8 to 64 hex digits (got " + std::to_string(digest.hex.size()) + ")");
  return digest;
}

// The metadata fields the SDK gives a meaning to are typed; others are free.
// `where` names the entrypoint and variant, for errors a user can place.
void check_meta(const json& meta, const std::string& path, const std::string& where,
                const json* tables) {
  auto bad = [&](const std::string& key, const std::string& expected, const json& got) {
    std::string text = got.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    fail(path + "." + key, "expected " + expected + " (got " + text + ") in " + where);
  };
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    const std::string& key = it.key();
    const json& value = is_table_reference(it.value())
                            ? follow_table_reference(it.value(), tables, path + "." + key)
                            : it.value();
    if (key == "num_classes" || key == "num_params") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0)
        bad(key, "a non-negative integer", value);
    } else if (key == "categories") {
      if (!value.is_array()) bad(key, "an array of strings", value);
      for (size_t i = 0; i < value.size(); ++i)
        if (!value[i].is_string()) bad(key + "[" + std::to_string(i) + "]", "a string", value[i]);
    } else if (key == "metrics") {
      if (!value.is_object())
        bad(key,
            "an object of numbers or of objects of numbers ({\"ImageNet-1K\": {\"acc@1\": …}})",
            value);
      for (auto m = value.begin(); m != value.end(); ++m) {
        if (m->is_number()) continue;
        if (!m->is_object()) bad(key + "." + m.key(), "a number or an object of numbers", *m);
        for (auto n = m->begin(); n != m->end(); ++n)
          if (!n->is_number()) bad(key + "." + m.key() + "." + n.key(), "a number", *n);
      }
    } else if (key == "license" || key == "recipe") {
      if (!value.is_string()) bad(key, "a string", value);
    } else if (key == "config") {
      // Applied over the entrypoint's config, under the user's overrides.
      if (!value.is_object()) bad(key, "an object of config keys", value);
    } else if (key == "transforms") {
      // The variant's own preprocessing, over the input's declared one.
      if (!value.is_object()) bad(key, "an object like input.preprocess", value);
      parse_preprocess(value, path + "." + key);
    }
  }
}

// A Hugging Face URL on a branch ("resolve/main/") serves whatever the
// branch holds today, so the pinned digest breaks the day the repository
// changes; only a commit ("resolve/<40 hex>/") serves these bytes forever.
void check_pinned_url(const std::string& url, const std::string& path) {
  static const std::string kHosts[] = {"https://huggingface.co/", "https://hf.co/"};
  bool on_hub = false;
  for (const auto& host : kHosts) on_hub = on_hub || url.rfind(host, 0) == 0;
  if (!on_hub) return;
  const auto resolve = url.find("/resolve/");
  if (resolve == std::string::npos) return;
  const auto rev_start = resolve + std::string("/resolve/").size();
  const auto rev_end = url.find('/', rev_start);
  const std::string rev = url.substr(rev_start, rev_end - rev_start);
  if (rev.size() != 40 || !is_lower_hex(rev))
    fail(path, "'" + url + "' follows the moving revision '" + rev +
                   "'; pin it to a commit (…/resolve/<40-hex commit>/…) so the file can never "
                   "change under its digest");
}

// A shipped file lies inside the install's share/modelzoo/: a relative
// path without '..', so no manifest can point the host elsewhere.
void check_shipped_path(const std::string& relative, const std::string& path) {
  bool escapes = relative.empty() || relative.front() == '/';
  for (size_t start = 0; !escapes && start <= relative.size();) {
    const size_t end = std::min(relative.find('/', start), relative.size());
    const std::string part = relative.substr(start, end - start);
    escapes = part.empty() || part == "." || part == "..";
    start = end + 1;
  }
  if (escapes)
    fail(path, "'shipped://" + relative +
                   "': give the file's path under share/modelzoo/ (like shipped://weights/"
                   "FAMILY/FILE), without '.', '..' or empty parts");
}

bool is_weights_format(const std::string& format) {
  return format == "pth" || format == "safetensors" || format == "torchscript";
}

// One file: the single-file variant's own fields, or one of `files`.
VariantFile parse_variant_file(const json& object, const std::string& path, bool with_role) {
  VariantFile f;
  if (with_role) {
    f.role = required_string(object, path, "role");
    if (!is_task_name(f.role))
      fail(path + ".role",
           "'" + f.role + "' is not a valid role (lower-case letters, digits, '-')");
  }
  f.file = required_string(object, path, "file");
  if (f.file.find('/') != std::string::npos || f.file == "." || f.file == "..")
    fail(path + ".file", "must be a plain file name, not a path");
  // The cache names files' aliases after them (family/entry.TAG/<file>).
  for (char c : f.file)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '+'))
      fail(path + ".file", "'" + f.file + "': use letters, digits, '.', '_', '-' or '+'");
  f.format = required_string(object, path, "format");
  if (f.role == "weights" && !is_weights_format(f.format))
    fail(path + ".format",
         "unknown weights format '" + f.format + "' (expected pth, safetensors or torchscript" +
             (f.format == "safetensors-index" ? "; a shard index has role weights-index)" : ")"));
  if (f.role == "weights-index" && f.format != "safetensors-index")
    fail(path + ".format", "a weights-index is a safetensors-index (got '" + f.format + "')");
  if (f.role != "weights" && !is_task_name(f.format))
    fail(path + ".format", "'" + f.format + "' is not a format name (lower-case, as \"json\")");
  const json& urls = require(object, path, "urls");
  if (!urls.is_array()) fail(path + ".urls", "expected an array of URLs");
  for (size_t i = 0; i < urls.size(); ++i) {
    const std::string url_path = path + ".urls[" + std::to_string(i) + "]";
    std::string url = read_string(urls[i], url_path);
    if (url.find("://") == std::string::npos) fail(url_path, "'" + url + "' is not a URL");
    check_pinned_url(url, url_path);
    if (auto relative = shipped_path(url)) check_shipped_path(*relative, url_path);
    f.urls.push_back(std::move(url));
  }
  f.sha256 = parse_digest(object, path);
  if (auto it = object.find("size"); it != object.end())
    f.size = static_cast<uint64_t>(read_positive_int(*it, path + ".size"));
  return f;
}

void check_files(const std::vector<VariantFile>& files, const std::string& path) {
  std::set<std::string> names, roles;
  bool has_weights = false;
  for (size_t i = 0; i < files.size(); ++i) {
    const VariantFile& f = files[i];
    const std::string file_path = path + "[" + std::to_string(i) + "]";
    if (!names.insert(f.file).second)
      fail(file_path + ".file", "'" + f.file + "' appears twice in the variant");
    if (f.role == "weights")
      has_weights = true;
    else if (!roles.insert(f.role).second)
      fail(file_path + ".role",
           "role '" + f.role + "' appears twice (only \"weights\" may repeat, for shards)");
  }
  if (!has_weights) fail(path, "no file has role \"weights\"");
}

WeightVariant parse_variant(const json& object, const std::string& path,
                            const std::string& entrypoint, bool* is_default,
                            const std::shared_ptr<const json>& tables) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  WeightVariant v;
  v.tag = required_string(object, path, "tag");
  if (!is_identifier(v.tag) || v.tag == "DEFAULT")
    fail(path + ".tag", "'" + v.tag +
                            "' is not a valid tag (letters, digits and '_'; DEFAULT is reserved "
                            "for the alias: mark the variant with \"default\": true)");
  if (auto files = object.find("files"); files != object.end()) {
    // The several-file form: {"tag", "files": [{"role", "file", …}], "meta"}.
    check_known_keys(object, path, {"tag", "files", "meta", "default"});
    if (!files->is_array() || files->empty())
      fail(path + ".files", "expected a non-empty array of files");
    for (size_t i = 0; i < files->size(); ++i) {
      const std::string file_path = path + ".files[" + std::to_string(i) + "]";
      if (!(*files)[i].is_object()) fail(file_path, "expected an object");
      check_known_keys((*files)[i], file_path,
                       {"role", "file", "format", "urls", "sha256", "sha256_prefix", "size"});
      v.files.push_back(parse_variant_file((*files)[i], file_path, /*with_role=*/true));
    }
    check_files(v.files, path + ".files");
  } else {
    check_known_keys(
        object, path,
        {"tag", "file", "format", "urls", "sha256", "sha256_prefix", "size", "meta", "default"});
    v.files.push_back(parse_variant_file(object, path, /*with_role=*/false));
  }
  if (auto it = object.find("meta"); it != object.end()) {
    if (!it->is_object()) fail(path + ".meta", "expected an object");
    check_meta(*it, path + ".meta", "entrypoint '" + entrypoint + "', variant '" + v.tag + "'",
               tables.get());
    v.meta = *it;
    v.tables = tables;
  }
  *is_default = false;
  if (auto it = object.find("default"); it != object.end()) {
    if (!it->is_boolean()) fail(path + ".default", "expected true or false");
    *is_default = it->get<bool>();
  }
  return v;
}

void check_known_keys(const json& object, const std::string& path,
                      std::initializer_list<const char*> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; }))
      fail(path + "." + it.key(), "unknown field (check its spelling against docs/manifest.md)");
  }
}

BuildInfo parse_build(const json& object) {
  const std::string path = "build";
  if (!object.is_object()) fail(path, "expected an object");
  BuildInfo build;
  const std::string abi = required_string(object, path, "sdk_abi");
  const auto dot = abi.find('.');
  try {
    if (dot == std::string::npos) throw std::invalid_argument(abi);
    build.sdk_abi_major = std::stoi(abi.substr(0, dot));
    build.sdk_abi_minor = std::stoi(abi.substr(dot + 1));
  } catch (const std::exception&) {
    fail(path + ".sdk_abi", "expected MAJOR.MINOR (got '" + abi + "')");
  }
  build.torch = required_string(object, path, "torch");
  const json& cxx11 = require(object, path, "cxx11_abi");
  if (!cxx11.is_number_integer() || (cxx11.get<int>() != 0 && cxx11.get<int>() != 1))
    fail(path + ".cxx11_abi", "expected 0 or 1");
  build.cxx11_abi = cxx11.get<int>();
  build.compiler = required_string(object, path, "compiler");
  return build;
}

}  // namespace

const nlohmann::json* WeightVariant::meta_value(const std::string& key) const {
  auto it = meta.find(key);
  if (it == meta.end()) return nullptr;
  if (is_table_reference(*it) && tables) {
    auto table = tables->find(it->at("$table").get<std::string>());
    if (table != tables->end()) return &*table;
  }
  return &*it;
}

nlohmann::json WeightVariant::resolved_meta() const {
  nlohmann::json out = meta;
  for (auto it = out.begin(); it != out.end(); ++it)
    if (const json* value = meta_value(it.key())) *it = *value;
  return out;
}

const VariantFile* WeightVariant::find_file(std::string_view role) const {
  for (const auto& f : files)
    if (f.role == role) return &f;
  return nullptr;
}

const VariantFile& WeightVariant::weights() const {
  if (const VariantFile* f = find_file("weights")) return *f;
  throw Error("variant '" + tag + "' lists no weights file");
}

const WeightVariant* Entrypoint::find_variant(std::string_view tag) const {
  const std::string_view wanted = tag == "DEFAULT" ? std::string_view(default_tag) : tag;
  for (const auto& v : variants)
    if (v.tag == wanted) return &v;
  return nullptr;
}

const InputSpec& Entrypoint::input() const {
  if (inputs.empty()) throw Error("entrypoint '" + name + "' declares no input");
  return inputs.front();
}

const CommandSpec* Manifest::find_command(std::string_view verb, const Entrypoint* entry) const {
  const std::string task = entry ? entry->task : std::string();
  const CommandSpec* taskless = nullptr;
  for (const auto& c : commands) {
    if (c.verb != verb) continue;
    if (!task.empty() && c.task == task) return &c;
    if (c.task.empty()) taskless = &c;
  }
  return verb == "run" ? nullptr : taskless;
}

std::string CommandOption::json_key() const {
  std::string key = name;
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::string CommandSpec::key() const {
  return task.empty() ? verb : verb + ":" + task;
}

const char* to_string(CommandOption::Type type) {
  switch (type) {
    case CommandOption::Type::kString:
      return "string";
    case CommandOption::Type::kPath:
      return "path";
    case CommandOption::Type::kInt:
      return "int";
    case CommandOption::Type::kNumber:
      return "number";
    case CommandOption::Type::kBool:
      return "bool";
  }
  return "string";
}

bool is_reserved_option_name(std::string_view name) {
  static const char* const kReserved[] = {"config",  "weights", "random-init", "verify", "offline",
                                          "verbose", "threads", "json",        "help"};
  return std::any_of(std::begin(kReserved), std::end(kReserved),
                     [&](const char* r) { return name == r; });
}

namespace {

// A variant's defaults go over the entrypoint's config when the model is
// built (Hub::config_for), so a key the entrypoint lacks, or a value of
// another type than the entrypoint declares, is the manifest's error: found
// here, when the plugin is discovered, instead of as a raw type error in
// the plugin's factory on the first `create`.
void check_variant_config(const Entrypoint& e, const WeightVariant& v, const std::string& path) {
  const std::string where = "entrypoint '" + e.name + "', variant '" + v.tag + "'";
  auto contradicts = [&](const std::string& key, const json& declared, const json& value,
                         const std::string& field) {
    std::string text = value.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    fail(field, where + " gives config key '" + key + "' the value " + text + ", but the " +
                    "entrypoint's config declares it " + config_type_name(declared) + " (default " +
                    declared.dump() + "); give it " + config_type_name(declared));
  };
  if (const json* own = v.meta_value("config"); own && own->is_object()) {
    for (auto it = own->begin(); it != own->end(); ++it) {
      const std::string field = path + ".config." + it.key();
      auto declared = e.config.find(it.key());
      if (declared == e.config.end()) {
        std::string keys;
        for (auto k = e.config.begin(); k != e.config.end(); ++k)
          keys += (keys.empty() ? "" : ", ") + k.key();
        fail(field, where + " sets config key '" + it.key() + "', which the entrypoint's " +
                        "config does not declare (known keys: " + (keys.empty() ? "none" : keys) +
                        ")");
      }
      if (!config_value_fits(*declared, it.value()))
        contradicts(it.key(), *declared, it.value(), field);
    }
  }
  // meta.num_classes (an integer, checked by check_meta) also sets the
  // config's num_classes.
  if (const json* classes = v.meta_value("num_classes"); classes) {
    auto declared = e.config.find("num_classes");
    if (declared != e.config.end() && !config_value_fits(*declared, *classes))
      contradicts("num_classes", *declared, *classes, path + ".num_classes");
  }
}

}  // namespace

bool config_value_fits(const json& declared, const json& value) {
  if (declared.is_null()) return true;
  if (declared.is_number()) return value.is_number();
  return declared.type() == value.type();
}

const char* config_type_name(const json& declared) {
  switch (declared.type()) {
    case json::value_t::null:
      return "any value";
    case json::value_t::boolean:
      return "true or false";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

Entrypoint parse_entrypoint(const json& object, const std::string& path,
                            const std::shared_ptr<const json>& tables) {
  if (!object.is_object()) fail(path, "expected an object (got " + type_name(object) + ")");
  check_known_keys(object, path,
                   {"name", "summary", "doc", "task", "config", "input", "inputs", "variants"});
  Entrypoint e;
  e.name = required_string(object, path, "name");
  if (!is_entrypoint_name(e.name))
    fail(path + ".name", "'" + e.name +
                             "' is not a valid name (a letter or '_', then letters, digits, '_', "
                             "'-' and single '.' not at the end)");
  e.summary = required_string(object, path, "summary");
  if (e.summary.find('\n') != std::string::npos) fail(path + ".summary", "must be one line");
  e.doc = optional_string(object, path, "doc");
  if (auto it = object.find("config"); it != object.end()) {
    if (!it->is_object()) fail(path + ".config", "expected an object");
    e.config = *it;
  }
  e.task = optional_string(object, path, "task");
  if (!e.task.empty() && !is_task_name(e.task))
    fail(path + ".task", "'" + e.task +
                             "' is not a task name (lower-case letters, digits and '-', as "
                             "Hugging Face names them: image-classification, text-generation)");
  e.inputs = parse_inputs(object, path);
  if (auto it = object.find("variants"); it != object.end()) {
    if (!it->is_array()) fail(path + ".variants", "expected an array");
    std::set<std::string> tags;
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string variant_path = path + ".variants[" + std::to_string(i) + "]";
      bool is_default = false;
      WeightVariant v = parse_variant((*it)[i], variant_path, e.name, &is_default, tables);
      if (!tags.insert(v.tag).second) fail(variant_path + ".tag", "duplicate tag '" + v.tag + "'");
      if (is_default) {
        if (!e.default_tag.empty())
          fail(variant_path + ".default",
               "both '" + e.default_tag + "' and '" + v.tag + "' are marked default");
        e.default_tag = v.tag;
      }
      e.variants.push_back(std::move(v));
    }
    if (!e.variants.empty() && e.default_tag.empty())
      fail(path + ".variants", "mark exactly one variant with \"default\": true");
    for (size_t i = 0; i < e.variants.size(); ++i)
      check_variant_config(e, e.variants[i], path + ".variants[" + std::to_string(i) + "].meta");
  }
  return e;
}

Manifest parse_plugin_manifest(const json& plugin) {
  const std::string path = "plugin";
  if (!plugin.is_object()) fail(path, "expected an object (got " + type_name(plugin) + ")");
  check_known_keys(plugin, path,
                   {"family", "plugin_version", "vendor", "entrypoints", "commands", "tables"});
  Manifest m;
  m.family = required_string(plugin, path, "family");
  if (!is_identifier(m.family))
    fail(path + ".family", "'" + m.family + "' is not a valid family name (letters, digits, '_')");
  m.plugin_version = required_string(plugin, path, "plugin_version");
  m.vendor = required_string(plugin, path, "vendor");
  const json& entrypoints = require(plugin, path, "entrypoints");
  if (!entrypoints.is_array() || entrypoints.empty())
    fail(path + ".entrypoints", "expected a non-empty array");
  std::shared_ptr<const json> tables;
  if (auto it = plugin.find("tables"); it != plugin.end()) {
    if (!it->is_object()) fail(path + ".tables", "expected an object of named tables");
    tables = std::make_shared<const json>(*it);
  }
  std::set<std::string> names;
  for (size_t i = 0; i < entrypoints.size(); ++i) {
    const std::string entry_path = path + ".entrypoints[" + std::to_string(i) + "]";
    Entrypoint e = parse_entrypoint(entrypoints[i], entry_path, tables);
    if (!names.insert(e.name).second)
      fail(entry_path + ".name",
           "duplicate entrypoint '" + e.name + "' in family '" + m.family + "'");
    m.entrypoints.push_back(std::move(e));
  }
  // "a.b" must not also read as entrypoint "a" with tag "b" (or DEFAULT).
  for (size_t i = 0; i < m.entrypoints.size(); ++i) {
    const std::string& name = m.entrypoints[i].name;
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) continue;
    const std::string base = name.substr(0, dot), tag = name.substr(dot + 1);
    for (const auto& other : m.entrypoints)
      if (other.name == base && (tag == "DEFAULT" || other.find_variant(tag)))
        fail(path + ".entrypoints[" + std::to_string(i) + "].name",
             "'" + name + "' also reads as entrypoint '" + base + "' with tag '" + tag +
                 "': rename one of them");
  }
  if (auto it = plugin.find("commands"); it != plugin.end()) {
    if (!it->is_array()) fail(path + ".commands", "expected an array");
    std::set<std::string> keys;
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string command_path = path + ".commands[" + std::to_string(i) + "]";
      CommandSpec c = parse_command((*it)[i], command_path);
      if (!keys.insert(c.key()).second) fail(command_path, "duplicate command '" + c.key() + "'");
      m.commands.push_back(std::move(c));
    }
  }
  return m;
}

namespace {

// Manifest text reaches terminals through `list`, `plugins` and `info`: a
// control character (an escape sequence, a carriage return, a newline in a
// one-line field) could rewrite what the user reads. Refused anywhere in the
// document; `doc` and `help` may hold newlines and tabs.
void refuse_control_characters(const json& value, const std::string& path, bool multiline) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      const bool c1 = c == 0xc2 && i + 1 < text.size() &&
                      (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80;
      if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f || c1) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x",
                      c1 ? static_cast<unsigned char>(text[i + 1]) : c);
        fail(path, std::string("holds a control character (") + code +
                       "); manifest text must be printable");
      }
    }
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      refuse_control_characters(json(it.key()), child, false);
      refuse_control_characters(*it, child, it.key() == "doc" || it.key() == "help");
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      refuse_control_characters(value[i], path + "[" + std::to_string(i) + "]", multiline);
  }
}

}  // namespace

Manifest parse_manifest_document(std::string_view text) {
  // Untrusted bytes from a plugin file: bounded while parsed (a deep value
  // would crash the copies below), and a key twice in one object refused —
  // nlohmann keeps the last, so a manifest.json that appends its own
  // ,"build":{…} could otherwise misstate the build tuple.
  JsonRefusal refusal;
  std::optional<json> parsed = try_parse_untrusted_json(text, &refusal);
  if (!parsed) {
    switch (refusal.kind) {
      case JsonRefusal::Kind::kDuplicateKey:
        throw Error("manifest is ambiguous: key '" + refusal.detail +
                    "' appears twice in one object (a manifest.json must not add its own "
                    "\"build\" or repeat a field); fix manifest.json and rebuild the plugin");
      case JsonRefusal::Kind::kMalformed:
        throw Error(
            "manifest is not well-formed JSON; rebuild the plugin with modelzoo_add_plugin");
      default:
        throw Error("manifest is " + refusal.message() +
                    "; a manifest.json must be a small document: fix it and rebuild the plugin");
    }
  }
  const json& document = *parsed;
  refuse_control_characters(document, "", false);
  if (!document.is_object()) fail("(document)", "expected an object");
  const json& format = require(document, "(document)", "format");
  if (format != 1)
    fail("format", "unsupported manifest format " + format.dump() + " (this host reads format 1)");
  Manifest m = parse_plugin_manifest(require(document, "(document)", "plugin"));
  m.build = parse_build(require(document, "(document)", "build"));
  return m;
}

namespace {

// The index's binary form (modelzoo/sdk/byte_record.h), in a fixed order.
// Read back from the registry cache, a file another process could write.
int small_int(ByteRecordReader& in) {
  const auto v = static_cast<int64_t>(in.u64());
  if (v < -1 || v > 1000000) in.fail("number out of range");
  return static_cast<int>(v);
}

constexpr char kIndexMagic[] = "MZIDX1";

}  // namespace

std::string manifest_index_text(const Manifest& m) {
  std::string out;
  put_text(out, kIndexMagic);
  for (const std::string* s : {&m.family, &m.plugin_version, &m.vendor}) put_text(out, *s);
  put_u64(out, static_cast<uint64_t>(m.build.sdk_abi_major));
  put_u64(out, static_cast<uint64_t>(m.build.sdk_abi_minor));
  put_text(out, m.build.torch);
  put_u64(out, static_cast<uint64_t>(static_cast<int64_t>(m.build.cxx11_abi)));
  put_text(out, m.build.compiler);
  put_u64(out, m.entrypoints.size());
  for (const auto& e : m.entrypoints) {
    for (const std::string* s : {&e.name, &e.summary, &e.default_tag, &e.task}) put_text(out, *s);
    put_u64(out, e.variants.size());
    for (const auto& v : e.variants) put_text(out, v.tag);
  }
  // Commands are small and `modelzoo run --help` lists them all; as JSON,
  // parsed only for plugins that declare any.
  if (m.commands.empty()) {
    put_text(out, "");
  } else {
    json commands = json::array();
    for (const auto& c : m.commands) commands.push_back(to_json(c));
    put_text(out, commands.dump());
  }
  return out;
}

Manifest parse_manifest_index(std::string_view bytes) {
  ByteRecordReader in(bytes, "manifest index");
  if (in.text() != kIndexMagic) throw Error("malformed manifest index (not an index)");
  Manifest m;
  m.complete = false;
  m.family = in.text();
  m.plugin_version = in.text();
  m.vendor = in.text();
  m.build.sdk_abi_major = small_int(in);
  m.build.sdk_abi_minor = small_int(in);
  m.build.torch = in.text();
  m.build.cxx11_abi = small_int(in);
  m.build.compiler = in.text();
  const uint64_t entrypoints = in.count(5 * 8);
  m.entrypoints.reserve(static_cast<size_t>(entrypoints));
  for (uint64_t i = 0; i < entrypoints; ++i) {
    Entrypoint e;
    e.name = in.text();
    e.summary = in.text();
    e.default_tag = in.text();
    e.task = in.text();
    const uint64_t tags = in.count(8);
    e.variants.resize(static_cast<size_t>(tags));
    for (auto& v : e.variants) v.tag = in.text();
    m.entrypoints.push_back(std::move(e));
  }
  const std::string commands_text = in.text();
  if (!in.done()) throw Error("malformed manifest index (trailing bytes)");
  if (!commands_text.empty()) {
    const json commands = try_parse_untrusted_json(commands_text, nullptr).value_or(json());
    if (!commands.is_array()) throw Error("malformed manifest index (commands)");
    try {
      for (size_t i = 0; i < commands.size(); ++i)
        m.commands.push_back(parse_command(commands[i], "commands[" + std::to_string(i) + "]"));
    } catch (const json::exception& e) {
      throw Error(std::string("malformed manifest index: ") + e.what());
    }
  }
  return m;
}

json to_json(const BuildInfo& b) {
  return {{"sdk_abi", std::to_string(b.sdk_abi_major) + "." + std::to_string(b.sdk_abi_minor)},
          {"torch", b.torch},
          {"cxx11_abi", b.cxx11_abi},
          {"compiler", b.compiler}};
}

json to_json(const InputSpec& input) {
  json shape = json::array();
  for (const auto& d : input.shape) shape.push_back(d.name.empty() ? json(d.size) : json(d.name));
  json pre = json::object();
  const Preprocess& p = input.preprocess;
  if (p.resize) pre["resize"] = *p.resize;
  if (p.crop) pre["crop"] = *p.crop;
  if (!p.interpolation.empty()) pre["interpolation"] = p.interpolation;
  if (!p.mean.empty()) pre["mean"] = p.mean;
  if (!p.std.empty()) pre["std"] = p.std;
  json out = {{"name", input.name},
              {"kind", input.kind},
              {"shape", shape},
              {"dtype", input.dtype},
              {"preprocess", pre}};
  if (input.sample_rate) out["sample_rate"] = *input.sample_rate;
  if (input.channels) out["channels"] = *input.channels;
  return out;
}

json to_json(const CommandSpec& c) {
  json options = json::array();
  for (const auto& o : c.options) {
    json oj = {{"name", o.name}, {"type", to_string(o.type)}, {"help", o.help}};
    if (!o.default_value.is_null()) oj["default"] = o.default_value;
    if (o.required) oj["required"] = true;
    if (o.multiple) oj["multiple"] = true;
    if (o.positional) oj["positional"] = true;
    if (!o.choices.empty()) oj["choices"] = o.choices;
    if (!o.short_name.empty()) oj["short"] = o.short_name;
    options.push_back(std::move(oj));
  }
  json out = {{"verb", c.verb},
              {"scope", c.scope == CommandSpec::Scope::kModel ? "model" : "family"},
              {"summary", c.summary},
              {"options", options}};
  if (!c.task.empty()) out["task"] = c.task;
  return out;
}

static json file_json(const VariantFile& f, bool with_role) {
  json out = {{"file", f.file}, {"format", f.format}, {"urls", f.urls}};
  if (with_role) out["role"] = f.role;
  out[f.sha256.is_prefix ? "sha256_prefix" : "sha256"] = f.sha256.hex;
  if (f.size) out["size"] = *f.size;
  return out;
}

json to_json(const WeightVariant& v) {
  json out;
  if (v.files.size() == 1 && v.files[0].role == "weights") {
    out = file_json(v.files[0], /*with_role=*/false);
  } else {
    out["files"] = json::array();
    for (const auto& f : v.files) out["files"].push_back(file_json(f, /*with_role=*/true));
  }
  out["tag"] = v.tag;
  out["meta"] = v.resolved_meta();  // self-contained: no table to refer to
  return out;
}

json to_json(const Entrypoint& e) {
  json variants = json::array();
  for (const auto& v : e.variants) {
    json vj = to_json(v);
    if (v.tag == e.default_tag) vj["default"] = true;
    variants.push_back(std::move(vj));
  }
  json out = {{"name", e.name}, {"summary", e.summary}, {"doc", e.doc}, {"config", e.config}};
  if (!e.task.empty()) out["task"] = e.task;
  if (e.inputs.size() == 1 && e.inputs[0].name == "input") {
    out["input"] = to_json(e.inputs[0]);
  } else {
    out["inputs"] = json::array();
    for (const auto& i : e.inputs) out["inputs"].push_back(to_json(i));
  }
  out["variants"] = variants;
  return out;
}

std::optional<std::string> shipped_path(std::string_view url) {
  constexpr std::string_view kScheme = "shipped://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  return std::string(url.substr(kScheme.size()));
}

}  // namespace modelzoo
