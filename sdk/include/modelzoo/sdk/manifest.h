// The plugin manifest: what a model-family plugin declares about itself and
// its models, read by the host from the plugin file without running plugin
// code (the C++ counterpart of torch.hub's hubconf.py).
//
// On disk (in the plugin's `.modelzoo_manifest` ELF section) it is one JSON
// document:
//
//   {"format": 1,
//    "build":  {"sdk_abi": "1.0", "torch": "1.13.0", "cxx11_abi": 1, "compiler": "gcc-12"},
//    "plugin": {"family": "vision", "plugin_version": "1.0.0", "vendor": "modelzoo",
//               "entrypoints": [ ... ]}}
//
// "build" is written by the SDK at compile time (MODELZOO_PLUGIN_MANIFEST), so
// a vendor cannot misstate it; "plugin" is the author's manifest.json. The
// full field reference is docs/manifest.md. Parsing validates every field and
// names the offending one by its JSON path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// The toolchain tuple a plugin was built with; the host refuses a plugin
/// whose tuple does not match its own (see host/compatibility.h).
struct BuildInfo {
  int sdk_abi_major = 0;
  int sdk_abi_minor = 0;
  std::string torch;     ///< LibTorch version, "1.13.0"
  int cxx11_abi = -1;    ///< _GLIBCXX_USE_CXX11_ABI, 0 or 1
  std::string compiler;  ///< "gcc-12", "clang-14"
};

/// One dimension of an input shape: a fixed size, or a named free dim ("N").
struct Dim {
  std::string name;   ///< empty for a fixed size
  int64_t size = -1;  ///< -1 for a named dim
};

/// Preprocessing as data, applied by the host app or by `modelzoo run`.
struct Preprocess {
  std::optional<int64_t> resize;  ///< shorter side resized to this
  std::optional<int64_t> crop;    ///< center crop to crop x crop
  std::string interpolation;      ///< "bilinear", "bicubic", "nearest"; empty if none
  std::vector<double> mean;       ///< per channel; empty if none
  std::vector<double> std;        ///< per channel; empty if none
};

/// One input an entrypoint takes. `kind` says what a user hands a task
/// command (an image file, text, token ids, audio); shape and dtype say
/// what the model's forward receives after pre-processing.
struct InputSpec {
  std::string name = "input";   ///< "input", or e.g. "pixel_values", "input_ids"
  std::string kind = "tensor";  ///< "tensor", "image", "text", "tokens", "audio"
  std::vector<Dim> shape;
  std::string dtype = "float32";
  Preprocess preprocess;
  std::optional<int64_t> sample_rate;  ///< audio: samples per second
  std::optional<int64_t> channels;     ///< audio: channel count
};

/// One option of a plugin command, declared as data so the torch-free CLI
/// builds `--help` and parses it without loading the plugin.
struct CommandOption {
  enum class Type { kString, kPath, kInt, kNumber, kBool };
  std::string name;  ///< "max-new-tokens": `--max-new-tokens`; JSON key "max_new_tokens"
  Type type = Type::kString;
  std::string help;
  nlohmann::json default_value;  ///< null when there is none
  bool required = false;
  bool multiple = false;             ///< repeatable / several values; a JSON array
  bool positional = false;           ///< given without `--name`, in declaration order
  std::vector<std::string> choices;  ///< allowed values of a string option; empty: any
  std::string short_name;            ///< one letter: `-k`; empty for none

  /// The key the option has in the JSON handed to the command.
  MODELZOO_API std::string json_key() const;
};

/// A command a plugin provides: `run` for the entrypoints of one task, or a
/// family verb such as `eval` or `train`.
struct CommandSpec {
  enum class Scope { kModel, kFamily };
  std::string verb;             ///< "run", "eval", "train", …
  std::string task;             ///< for `run`: the task it serves; optional otherwise
  Scope scope = Scope::kModel;  ///< kModel: `modelzoo VERB NAME`; kFamily: `modelzoo VERB FAMILY`
  std::string summary;          ///< one line, shown by --help
  std::vector<CommandOption> options;

  /// The key the plugin registers the command under: "run:text-generation", "train".
  MODELZOO_API std::string key() const;
};

MODELZOO_API const char* to_string(CommandOption::Type type);

/// Expected SHA-256 of a weight file: the full digest, or a torch.hub-style
/// prefix (the 8+ hex digits in "resnet50-11ad3fa6.pth").
struct Digest {
  std::string hex;         ///< lower-case hex
  bool is_prefix = false;  ///< true when only a prefix is known
};

/// One file of a weight variant. A variant has one or more: the weights
/// (several files with role "weights" are the shards of one checkpoint; the
/// Hugging Face index beside them has role "weights-index"), and whatever
/// else the model needs to run, each under a role its family names
/// ("vocab", "merges", "tokenizer", "config", "labels", …).
struct VariantFile {
  std::string role = "weights";   ///< what the file is to the model
  std::string file;               ///< file name, "resnet50-11ad3fa6.pth"
  std::string format;             ///< weights: "pth" or "safetensors"; weights-index:
                                  ///< "safetensors-index"; other roles: a data format
                                  ///< ("json", "text", "sentencepiece", …)
  std::vector<std::string> urls;  ///< tried in order
  Digest sha256;
  std::optional<uint64_t> size;  ///< bytes, when known
};

struct WeightVariant {
  std::string tag;  ///< "IMAGENET1K_V2"; never renamed once published
  /// Every file of the variant, in manifest order; a complete spec has at
  /// least one with role "weights". A variant is usable only with all of them.
  std::vector<VariantFile> files;
  /// num_classes, categories, metrics, … as the manifest writes them: a value
  /// may be a reference {"$table": NAME} into the plugin's tables, shared
  /// rather than copied into every variant. Read values through
  /// meta_value() or resolved_meta(), which follow references.
  nlohmann::json meta = nlohmann::json::object();
  std::shared_ptr<const nlohmann::json> tables;  ///< the plugin's tables, or null

  /// meta[key], a table reference followed; nullptr when absent.
  MODELZOO_API const nlohmann::json* meta_value(const std::string& key) const;
  /// meta with every table reference replaced by its table (a copy).
  MODELZOO_API nlohmann::json resolved_meta() const;

  /// The first file with `role`, or nullptr.
  MODELZOO_API const VariantFile* find_file(std::string_view role) const;
  /// The first weights file (the checkpoint, or its first shard); throws
  /// when the variant has none (a listing index's variants).
  MODELZOO_API const VariantFile& weights() const;
};

struct Entrypoint {
  std::string name;                                  ///< "resnet50"; unique within the family
  std::string summary;                               ///< one line
  std::string doc;                                   ///< docstring, shown by `modelzoo help`
  nlohmann::json config = nlohmann::json::object();  ///< default config
  /// What the entrypoint does, as Hugging Face names tasks
  /// ("image-classification", "text-generation", …); empty when undeclared.
  std::string task;
  std::vector<InputSpec> inputs;  ///< at least one in a complete spec; inputs[0] feeds forward()
  std::vector<WeightVariant> variants;
  std::string default_tag;  ///< the tag DEFAULT stands for; empty without variants

  /// The variant with `tag` ("DEFAULT" resolves to default_tag), or nullptr.
  MODELZOO_API const WeightVariant* find_variant(std::string_view tag) const;
  /// The input forward() takes (inputs[0]); throws when none is declared.
  MODELZOO_API const InputSpec& input() const;
};

struct Manifest {
  /// False for a listing index (see parse_manifest_index): entrypoints then
  /// carry only name, summary, default tag and variant tags.
  bool complete = true;
  BuildInfo build;  ///< zero values for runtime registrations (no binary)
  std::string family;
  std::string plugin_version;
  std::string vendor;
  std::vector<Entrypoint> entrypoints;
  std::vector<CommandSpec> commands;  ///< what the plugin's code runs (see CommandSpec)

  /// The command for `verb` on `entry`: for `run`, the one of the entry's
  /// task; for other verbs, the one of the entry's task if declared, else
  /// the verb's task-less one. nullptr when the plugin has none.
  MODELZOO_API const CommandSpec* find_command(std::string_view verb,
                                               const Entrypoint* entry) const;
};

/// Parses and validates the whole section document ({"format", "build",
/// "plugin"}). Throws modelzoo::Error naming the field and what was expected.
MODELZOO_API Manifest parse_manifest_document(std::string_view text);

/// Parses and validates the author's part alone (the "plugin" object). Used
/// by the CMake embedding step and by runtime registration.
MODELZOO_API Manifest parse_plugin_manifest(const nlohmann::json& plugin);

/// Validates one entrypoint object; `path` prefixes error messages.
MODELZOO_API Entrypoint
parse_entrypoint(const nlohmann::json& object, const std::string& path,
                 const std::shared_ptr<const nlohmann::json>& tables = nullptr);

/// A manifest's listing index: family, version, vendor, build, and per
/// entrypoint its name, summary, task, default and variant tags, and the
/// commands — what listing needs, and a small part of a manifest that
/// carries metadata (1000 category names per variant, metrics). The
/// registry cache stores it so that a start parses full manifests only for
/// the models it resolves. A compact binary form (bytes, not text), read
/// without a JSON parse unless the plugin declares commands.
MODELZOO_API std::string manifest_index_text(const Manifest& manifest);
/// Reads an index back into a Manifest with complete == false. Any bytes
/// are safe to give: a malformed index throws modelzoo::Error.
MODELZOO_API Manifest parse_manifest_index(std::string_view bytes);

/// Serialises back to the JSON shape parse_* reads (for `info --json`).
/// REL of a `shipped://REL` URL — a file the plugin ships with itself,
/// installed under `<its prefix>/share/modelzoo/REL`, which the host
/// turns into a file:// URL where the plugin is installed — or nullopt for
/// any other URL.
MODELZOO_API std::optional<std::string> shipped_path(std::string_view url);

MODELZOO_API nlohmann::json to_json(const Entrypoint& entrypoint);
MODELZOO_API nlohmann::json to_json(const WeightVariant& variant);
MODELZOO_API nlohmann::json to_json(const InputSpec& input);
MODELZOO_API nlohmann::json to_json(const BuildInfo& build);
MODELZOO_API nlohmann::json to_json(const CommandSpec& command);

/// Whether `value` may stand for a config key whose manifest default is
/// `declared`: the same JSON type, integers and floats interchanging; a
/// null default takes anything. The entrypoint's `config` declares the
/// types, and a variant's `meta.config` and `meta.num_classes`, and a
/// user's overrides, all follow this one rule.
MODELZOO_API bool config_value_fits(const nlohmann::json& declared, const nlohmann::json& value);
/// What a key with default `declared` takes, for errors: "a number",
/// "a string", "true or false", "an array", "an object", "any value".
MODELZOO_API const char* config_type_name(const nlohmann::json& declared);

/// Options every model command has, which the host handles itself (a
/// plugin may not declare these names): config, weights, random-init,
/// verify, offline, threads, json, help.
MODELZOO_API bool is_reserved_option_name(std::string_view name);

}  // namespace modelzoo
