#include "lut_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "yaml_reader.h"

namespace modelzoo::lut {
namespace {

const std::vector<std::string> kTopLevelInfoKeys = {"training",        "dataset",  "pretrained",
                                                    "pretrained_name", "metadata", "runtime"};
const std::vector<std::string> kEncoderKeys = {"name", "num_bits", "feature_wise", "flatten",
                                               "clip_inputs"};
const std::vector<std::string> kTrainingKeys = {"epochs",
                                                "batch_size",
                                                "learning_rate",
                                                "lr_final",
                                                "connection_temperature_final",
                                                "train_samples",
                                                "shift_pixels",
                                                "straight_through_epochs",
                                                "optimizer"};
// DiffLUT runtime keys that modelzoo reads and ignores (CUDA, gradient
// stabilisation and regularisers are not part of this CPU implementation).
const std::set<std::string> kIgnoredDiffLutKeys = {
    "use_cuda",           "grad_stabilization", "grad_target_std",
    "grad_subtract_mean", "grad_epsilon",       "init_kwargs",
    "init_v_target",      "regularizers",       "regularization_weights",
    "input_size_check"};

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void unknown_key(const std::string& where, const std::string& key,
                              const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& k : known) {
    const size_t d = edit_distance(key, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  std::string hint;
  if (!best.empty() && best_distance <= std::max<size_t>(2, key.size() / 3))
    hint = "did you mean '" + best + "'? ";
  throw Error(where + ": unknown key '" + key + "'; " + hint + "known keys: " + join(known));
}

template <typename T>
T get_as(const nlohmann::json& value, const std::string& where, const std::string& key) {
  try {
    if constexpr (std::is_same_v<T, double>) {
      if (!value.is_number()) throw std::invalid_argument("not a number");
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (!value.is_number_integer()) throw std::invalid_argument("not an integer");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) throw std::invalid_argument("not a boolean");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!value.is_string()) throw std::invalid_argument("not a string");
    }
    return value.get<T>();
  } catch (const std::exception&) {
    const char* kind = std::is_same_v<T, double>    ? "a number"
                       : std::is_same_v<T, int64_t> ? "an integer"
                       : std::is_same_v<T, bool>    ? "true or false"
                                                    : "a string";
    throw Error(where + ": '" + key + "' must be " + kind + " (got " + value.dump() + ")");
  }
}

// Whether a string must be written double-quoted to read back as itself:
// it would read as another type ("no", "1", "~"), or holds control
// characters or edge spaces, which a plain scalar loses or changes (found
// by fuzz_lut_config: a trailing "\r" was dropped).
bool needs_quotes(const std::string& text) {
  if (!plain_scalar_reads_as_string(text)) return true;
  if (text.front() == ' ' || text.back() == ' ') return true;
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void emit_json(YAML::Emitter& out, const nlohmann::json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (auto it = value.begin(); it != value.end(); ++it) {
      out << YAML::Key;
      if (needs_quotes(it.key())) out << YAML::DoubleQuoted;  // "~", ""
      out << it.key() << YAML::Value;
      emit_json(out, it.value());
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    const bool flow = std::all_of(value.begin(), value.end(),
                                  [](const nlohmann::json& v) { return v.is_primitive(); });
    if (flow) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& v : value) emit_json(out, v);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    // A string that would read back as a number, boolean or null ("no",
    // "1", "~") is quoted, so that save → load gives the same config.
    const auto& text = value.get_ref<const std::string&>();
    if (needs_quotes(text)) out << YAML::DoubleQuoted;
    out << text;
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_number_integer()) {
    out << value.get<int64_t>();
  } else if (value.is_number()) {
    std::ostringstream text;
    text.precision(17);
    text << value.get<double>();
    std::string s = text.str();
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    out << s;
  } else {
    out << YAML::Null;
  }
}

bool set_runtime_key(RuntimeConfig& r, const std::string& key, const nlohmann::json& v,
                     const std::string& where) {
  if (key == "temperature")
    r.temperature = get_as<double>(v, where, key);
  else if (key == "eval_mode")
    r.eval_mode = get_as<std::string>(v, where, key);
  else if (key == "num_samples")
    r.num_samples = get_as<int64_t>(v, where, key);
  else if (key == "flip_probability")
    r.flip_probability = get_as<double>(v, where, key);
  else if (key == "eval_flip_probability")
    r.eval_flip_probability = get_as<double>(v, where, key);
  else if (key == "dropout")
    r.dropout = get_as<double>(v, where, key);
  else if (key == "output_tau")
    r.output_tau = get_as<double>(v, where, key);
  else if (key == "init_fn")
    r.init_fn = get_as<std::string>(v, where, key);
  else if (key == "init_std")
    r.init_std = get_as<double>(v, where, key);
  else if (key == "connection_temperature")
    r.connection_temperature = get_as<double>(v, where, key);
  else if (key == "sample_seed")
    r.sample_seed = get_as<int64_t>(v, where, key);
  else
    return false;
  return true;
}

nlohmann::json runtime_json(const RuntimeConfig& r) {
  return {{"temperature", r.temperature},
          {"eval_mode", r.eval_mode},
          {"num_samples", r.num_samples},
          {"flip_probability", r.flip_probability},
          {"eval_flip_probability", r.eval_flip_probability},
          {"dropout", r.dropout},
          {"output_tau", r.output_tau},
          {"init_fn", r.init_fn},
          {"init_std", r.init_std},
          {"connection_temperature", r.connection_temperature},
          {"sample_seed", r.sample_seed}};
}

void read_encoder(EncoderConfig& e, const nlohmann::json& j, const std::string& where) {
  if (!j.is_object())
    throw Error(where + ": 'encoder_config' must be a mapping (got " + j.dump() + ")");
  const std::string w = where + " encoder_config";
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "name")
      e.name = get_as<std::string>(it.value(), w, k);
    else if (k == "num_bits")
      e.num_bits = get_as<int64_t>(it.value(), w, k);
    else if (k == "feature_wise")
      e.feature_wise = get_as<bool>(it.value(), w, k);
    else if (k == "flatten")
      e.flatten = get_as<bool>(it.value(), w, k);
    else if (k == "clip_inputs")
      (void)get_as<bool>(it.value(), w, k);  // comparisons need no clip
    else
      unknown_key(w, k, kEncoderKeys);
  }
}

void read_training(TrainingConfig& t, const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": 'training' must be a mapping");
  const std::string w = where + " training";
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "epochs")
      t.epochs = get_as<int64_t>(it.value(), w, k);
    else if (k == "batch_size")
      t.batch_size = get_as<int64_t>(it.value(), w, k);
    else if (k == "learning_rate")
      t.learning_rate = get_as<double>(it.value(), w, k);
    else if (k == "lr_final")
      t.lr_final = get_as<double>(it.value(), w, k);
    else if (k == "connection_temperature_final")
      t.connection_temperature_final = get_as<double>(it.value(), w, k);
    else if (k == "train_samples")
      t.train_samples = get_as<int64_t>(it.value(), w, k);
    else if (k == "shift_pixels")
      t.shift_pixels = get_as<int64_t>(it.value(), w, k);
    else if (k == "straight_through_epochs")
      t.straight_through_epochs = get_as<int64_t>(it.value(), w, k);
    else if (k == "optimizer") {
      if (get_as<std::string>(it.value(), w, k) != "adam")
        throw Error(w + ": optimizer must be 'adam' (the only one modelzoo train implements)");
    } else
      unknown_key(w, k, kTrainingKeys);
  }
}

std::vector<std::string> all_top_level_keys() {
  std::vector<std::string> keys = structural_keys();
  keys.insert(keys.end(), kTopLevelInfoKeys.begin(), kTopLevelInfoKeys.end());
  for (const auto& k : runtime_keys()) keys.push_back(k);
  return keys;
}

bool is_structural(const std::string& key) {
  const auto& s = structural_keys();
  return std::find(s.begin(), s.end(), key) != s.end();
}

void set_structural_key(LutConfig& c, const std::string& k, const nlohmann::json& v,
                        const std::string& w) {
  if (k == "model_type")
    c.model_type = get_as<std::string>(v, w, k);
  else if (k == "layer_type")
    c.layer_type = get_as<std::string>(v, w, k);
  else if (k == "node_type")
    c.node_type = get_as<std::string>(v, w, k);
  else if (k == "encoder_config")
    read_encoder(c.encoder, v, w);
  else if (k == "node_input_dim")
    c.node_input_dim = get_as<int64_t>(v, w, k);
  else if (k == "num_classes")
    c.num_classes = get_as<int64_t>(v, w, k);
  else if (k == "input_size")
    c.input_size = get_as<int64_t>(v, w, k);
  else if (k == "seed")
    c.seed = get_as<int64_t>(v, w, k);
  else if (k == "receptive_field")
    c.receptive_field = get_as<int64_t>(v, w, k);
  else if (k == "layer_widths") {
    if (!v.is_array() || v.empty())
      throw Error(w + ": 'layer_widths' must be a non-empty list of integers (got " + v.dump() +
                  ")");
    c.layer_widths.clear();
    for (const auto& x : v) c.layer_widths.push_back(get_as<int64_t>(x, w, "layer_widths"));
  }
}

}  // namespace

const std::vector<std::string>& structural_keys() {
  static const std::vector<std::string> keys = {
      "model_type",   "layer_type",  "node_type",  "encoder_config", "node_input_dim",
      "layer_widths", "num_classes", "input_size", "seed",           "receptive_field"};
  return keys;
}

const std::vector<std::string>& runtime_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    const nlohmann::json defaults = runtime_json(RuntimeConfig{});
    for (auto it = defaults.begin(); it != defaults.end(); ++it) out.push_back(it.key());
    return out;
  }();
  return keys;
}

int64_t LutConfig::image_side() const {
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(double(input_size))));
  return side * side == input_size ? side : 0;
}

int64_t LutConfig::num_luts() const {
  int64_t n = 0;
  for (auto w : layer_widths) n += w;
  return n;
}

void LutConfig::validate() const {
  auto fail = [](const std::string& m) { throw Error("invalid LUT config: " + m); };
  if (model_type != "feedforward")
    fail("model_type must be 'feedforward' (got '" + model_type + "')");
  if (layer_type != "random" && layer_type != "learnable")
    fail("layer_type must be 'random' or 'learnable' (got '" + layer_type + "')");
  if (node_type != "probabilistic" && node_type != "dwn")
    fail("node_type must be 'probabilistic' or 'dwn' (got '" + node_type + "')");
  if (encoder.name != "thermometer" && encoder.name != "distributive_thermometer" &&
      encoder.name != "gaussian_thermometer")
    fail(
        "encoder_config.name must be thermometer, distributive_thermometer or "
        "gaussian_thermometer (got '" +
        encoder.name + "')");
  if (encoder.num_bits < 1 || encoder.num_bits > 64)
    fail("encoder_config.num_bits must be in 1..64 (got " + std::to_string(encoder.num_bits) + ")");
  if (node_input_dim < 2 || node_input_dim > 6)
    fail("node_input_dim must be in 2..6 (got " + std::to_string(node_input_dim) + ")");
  if (num_classes < 2)
    fail("num_classes must be at least 2 (got " + std::to_string(num_classes) + ")");
  if (input_size < 1) fail("input_size must be positive (got " + std::to_string(input_size) + ")");
  for (auto w : layer_widths)
    if (w < 1) fail("every layer width must be positive (got " + std::to_string(w) + ")");
  const int64_t side = image_side();
  if (receptive_field != 0) {
    if (side == 0)
      fail("receptive_field needs square images; input_size " + std::to_string(input_size) +
           " is not a square (use receptive_field: 0)");
    if (receptive_field < 1 || receptive_field % 2 == 0 || receptive_field > side)
      fail("receptive_field must be an odd window size in 1.." + std::to_string(side) + " (got " +
           std::to_string(receptive_field) + ")");
    if (receptive_field * receptive_field * encoder.num_bits < node_input_dim)
      fail("receptive_field " + std::to_string(receptive_field) + " holds fewer than " +
           std::to_string(node_input_dim) + " encoded bits; widen it");
    if (layer_type != "random")
      fail("receptive_field applies to random connections only (layer_type: random)");
  }
  if (layer_widths.back() % num_classes != 0)
    fail("the last layer width (" + std::to_string(layer_widths.back()) +
         ") must be a multiple of num_classes (" + std::to_string(num_classes) +
         ") so the group-sum head splits it evenly");
  const auto& r = runtime;
  if (!(r.temperature > 0)) fail("runtime.temperature must be > 0");
  if (!(r.output_tau > 0)) fail("runtime.output_tau must be > 0");
  if (r.eval_mode != "hard" && r.eval_mode != "expectation" && r.eval_mode != "sampling" &&
      r.eval_mode != "packed")
    fail("runtime.eval_mode must be hard, expectation, sampling or packed (got '" + r.eval_mode +
         "')");
  if (r.num_samples < 1) fail("runtime.num_samples must be at least 1");
  for (auto [name, p] : {std::pair<const char*, double>{"flip_probability", r.flip_probability},
                         {"eval_flip_probability", r.eval_flip_probability},
                         {"dropout", r.dropout}})
    if (!(p >= 0 && p < 1)) fail(std::string("runtime.") + name + " must be in [0, 1)");
  if (r.init_fn != "normal" && r.init_fn != "residual")
    fail("runtime.init_fn must be 'normal' or 'residual' (got '" + r.init_fn + "')");
  if (!(r.connection_temperature > 0)) fail("runtime.connection_temperature must be > 0");
  if (training.epochs < 1 || training.batch_size < 1 || !(training.learning_rate > 0))
    fail("training: epochs, batch_size and learning_rate must be positive");
  if (training.shift_pixels < 0) fail("training.shift_pixels must be >= 0");
  if (training.straight_through_epochs < 0 || training.straight_through_epochs > training.epochs)
    fail("training.straight_through_epochs must be in [0, epochs] (got " +
         std::to_string(training.straight_through_epochs) + ")");
  if (training.shift_pixels > 0) {
    if (side == 0)
      fail("training.shift_pixels needs square images; input_size " + std::to_string(input_size) +
           " is not a square");
    if (training.shift_pixels >= side)
      fail("training.shift_pixels must be smaller than the image side (" + std::to_string(side) +
           ")");
  }
}

nlohmann::json LutConfig::to_json() const {
  nlohmann::json j = {{"model_type", model_type},
                      {"layer_type", layer_type},
                      {"node_type", node_type},
                      {"encoder_config",
                       {{"name", encoder.name},
                        {"num_bits", encoder.num_bits},
                        {"feature_wise", encoder.feature_wise},
                        {"flatten", encoder.flatten}}},
                      {"node_input_dim", node_input_dim},
                      {"layer_widths", layer_widths},
                      {"num_classes", num_classes},
                      {"input_size", input_size},
                      {"seed", seed},
                      {"receptive_field", receptive_field},
                      {"runtime", runtime_json(runtime)},
                      {"training",
                       {{"epochs", training.epochs},
                        {"batch_size", training.batch_size},
                        {"learning_rate", training.learning_rate},
                        {"lr_final", training.lr_final},
                        {"connection_temperature_final", training.connection_temperature_final},
                        {"train_samples", training.train_samples},
                        {"shift_pixels", training.shift_pixels},
                        {"straight_through_epochs", training.straight_through_epochs}}}};
  if (!dataset.empty()) j["dataset"] = dataset;
  if (!pretrained_name.empty()) j["pretrained_name"] = pretrained_name;
  if (!metadata.empty()) j["metadata"] = metadata;
  return j;
}

nlohmann::json LutConfig::to_flat_json() const {
  nlohmann::json j = to_json();
  nlohmann::json flat = nlohmann::json::object();
  for (const auto& k : structural_keys()) flat[k] = j[k];
  for (auto it : j["runtime"].items()) flat[it.key()] = it.value();
  return flat;
}

LutConfig LutConfig::from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object())
    throw Error(source + ": a LUT config must be a mapping (got " + json.dump() + ")");
  LutConfig c;
  const auto known = all_top_level_keys();
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (is_structural(k)) {
      set_structural_key(c, k, v, source);
    } else if (k == "runtime") {
      if (!v.is_object()) throw Error(source + ": 'runtime' must be a mapping");
      for (auto r = v.begin(); r != v.end(); ++r) {
        if (set_runtime_key(c.runtime, r.key(), r.value(), source + " runtime")) continue;
        if (kIgnoredDiffLutKeys.count(r.key())) {
          c.ignored_keys.push_back("runtime." + r.key());
          continue;
        }
        unknown_key(source + " runtime", r.key(), runtime_keys());
      }
    } else if (set_runtime_key(c.runtime, k, v, source)) {
    } else if (k == "training") {
      read_training(c.training, v, source);
    } else if (k == "dataset") {
      c.dataset = get_as<std::string>(v, source, k);
    } else if (k == "pretrained_name") {
      c.pretrained_name = get_as<std::string>(v, source, k);
    } else if (k == "pretrained") {
      (void)get_as<bool>(v, source, k);
    } else if (k == "metadata") {
      c.metadata = v;
    } else {
      unknown_key(source, k, known);
    }
  }
  c.validate();
  return c;
}

LutConfig LutConfig::from_yaml_text(const std::string& text, const std::string& source) {
  return from_json(read_yaml_as_json(text, source), source);
}

LutConfig LutConfig::from_yaml_file(const std::string& path) {
  std::error_code error;
  // Not read at all when it is far too large to be a config.
  if (const auto size = std::filesystem::file_size(path, error); !error && size > kMaxYamlBytes)
    throw Error(path + " is " + std::to_string(size) + " bytes; a LUT config is at most " +
                std::to_string(kMaxYamlBytes) +
                " (shipped ones are < 2 KB): is this the right file?");
  std::string text;
  if (!read_whole_file(path, &text))
    throw Error("cannot read LUT config " + path + " (does the file exist?)");
  return from_yaml_text(text, path);
}

std::string LutConfig::to_yaml() const {
  YAML::Emitter out;
  emit_json(out, to_json());
  return std::string(out.c_str()) + "\n";
}

void LutConfig::save(const std::string& path) const {
  write_file_atomically(path, to_yaml(), 0644);
}

void LutConfig::apply_overrides(const nlohmann::json& overrides, bool weights_loaded,
                                const std::string& model_name) {
  if (overrides.is_null()) return;
  if (!overrides.is_object()) throw Error("overrides for " + model_name + " must be a mapping");
  const std::string where = "overriding " + model_name;
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    const std::string& k = it.key();
    if (k == "runtime" && it.value().is_object()) {
      apply_overrides(it.value(), weights_loaded, model_name);
      continue;
    }
    if (is_structural(k)) {
      if (weights_loaded)
        throw Error(where + ": '" + k +
                    "' is a structural key (it fixes the shapes of the "
                    "pretrained weights) and cannot be overridden when weights are loaded; "
                    "build without weights to change it, or override only runtime keys: " +
                    join(runtime_keys()));
      set_structural_key(*this, k, it.value(), where);
    } else if (!set_runtime_key(runtime, k, it.value(), where)) {
      std::vector<std::string> known = structural_keys();
      for (const auto& r : runtime_keys()) known.push_back(r);
      unknown_key(where, k, known);
    }
  }
  validate();
}

}  // namespace modelzoo::lut
