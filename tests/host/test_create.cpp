// Building models through the Hub: plugins load lazily, stay loaded while
// their models live, and every failure inside a plugin becomes an error.
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "modelzoo/hub.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/threads.h"
#include "paths.h"

using namespace modelzoo;
using namespace modelzoo::test;

namespace {

HubOptions search(std::vector<std::filesystem::path> dirs, int threads = 0) {
  HubOptions o;
  o.plugin_path = std::move(dirs);
  o.num_threads = threads;
  return o;
}

bool mapped(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(needle) != std::string::npos;
}

PluginInfo info_of(const Hub& hub, const std::string& file) {
  for (const auto& p : hub.plugins())
    if (std::filesystem::path(p.path).filename() == file) return p;
  FAIL("no plugin " << file);
  return {};
}

}  // namespace

TEST_CASE("create builds a toy model from its plugin and runs it", "[create]") {
  Hub hub(search({plugin_dir("good")}));
  CHECK(info_of(hub, "toy.so").state == PluginInfo::State::kAvailable);
  auto model = hub.create("toy/tiny_mlp", {{"hidden", 16}, {"num_classes", 3}});
  REQUIRE(model);
  CHECK(info_of(hub, "toy.so").state == PluginInfo::State::kLoaded);
  CHECK(model->config()["hidden"] == 16);
  CHECK(model->config()["in_features"] == 784);  // default kept
  model->eval();
  torch::InferenceMode guard;
  const auto out = model->forward(torch::randn({2, 784}));
  CHECK(out.sizes() == torch::IntArrayRef({2, 3}));
  const auto params = model->named_parameters();
  CHECK(params.contains("fc1.weight"));
  CHECK(params["fc1.weight"].sizes() == torch::IntArrayRef({16, 784}));
  CHECK(params.contains("fc2.bias"));
  CHECK(model->state_dict().size() == 4);
  CHECK(model->classifier() == nullptr);
  CHECK(model->features() == nullptr);
}

TEST_CASE("the plugin stays loaded while a model from it lives", "[create]") {
  // A copy of the toy plugin without GNU unique symbols: dlclose really
  // unmaps it, so the checks below can fail (toy.so is never unmapped).
  const std::string dir = plugin_dir("unloadable");
  const std::string plugin = dir + "/toy_unloadable.so";
  REQUIRE_FALSE(mapped(plugin));
  std::shared_ptr<Model> model;
  {
    Hub hub(search({dir}));
    model = hub.create("tiny_cnn");
    CHECK(mapped(plugin));
  }  // the Hub is gone; the model keeps the library
  CHECK(mapped(plugin));
  {
    torch::InferenceMode guard;
    model->eval();
    CHECK(model->forward(torch::zeros({1, 1, 28, 28})).sizes() == torch::IntArrayRef({1, 10}));
  }
  auto second = model;
  model.reset();
  CHECK(mapped(plugin));  // another handle on the same model
  second.reset();
  CHECK_FALSE(mapped(plugin));  // the last model took the library with it
}

TEST_CASE("optional capabilities are discovered at run time", "[create]") {
  Hub hub(search({plugin_dir("good")}));
  auto model = hub.create("tiny_cnn", {{"width", 4}});
  Classifier* head = model->classifier();
  REQUIRE(head != nullptr);
  CHECK(head->num_classes() == 10);
  CHECK(head->num_features() == 8);
  torch::NoGradGuard no_grad;
  head->reset_classifier(5);
  CHECK(model->forward(torch::zeros({2, 1, 28, 28})).sizes() == torch::IntArrayRef({2, 5}));
  CHECK(model->named_parameters()["fc.weight"].sizes() == torch::IntArrayRef({5, 8}));
  head->reset_classifier(0);
  CHECK(head->num_classes() == 0);
  CHECK(model->forward(torch::zeros({2, 1, 28, 28})).sizes() == torch::IntArrayRef({2, 8}));
  CHECK_FALSE(model->named_parameters().contains("fc.weight"));
}

TEST_CASE("factory failures become errors and the host goes on", "[create]") {
  Hub hub(search({plugin_dir("good"), plugin_dir("faulty")}));
  CHECK_THROWS_WITH(hub.create("throws_std"),
                    Catch::Contains("building faulty/throws_std") &&
                        Catch::Contains("weights for throws_std are out of reach"));
  CHECK_THROWS_WITH(hub.create("throws_other"), Catch::Contains("non-standard exception"));
  CHECK_THROWS_WITH(hub.create("returns_null"), Catch::Contains("returned no model"));
  CHECK_THROWS_WITH(hub.create("toy/tiny_mlp", {{"hidden", 0}}),
                    Catch::Contains("config 'hidden' must be positive (got 0)"));
  // The faulty plugin itself loaded fine; its failures were per call.
  CHECK(info_of(hub, "faulty.so").state == PluginInfo::State::kLoaded);
  CHECK(hub.create("toy/tiny_mlp") != nullptr);
}

TEST_CASE("an entry that throws marks its plugin failed, with the reason", "[create]") {
  Hub hub(search({plugin_dir("faulty")}));
  // The scanner process loaded it during discovery; its entry failed there.
  const auto info = info_of(hub, "failing_entry.so");
  CHECK(info.state == PluginInfo::State::kFailed);
  CHECK_THAT(info.reason,
             Catch::Contains("its entry function failed: cannot find its data directory"));
  CHECK_THROWS_WITH(hub.create("never_built"),
                    Catch::Contains("failing_entry.so") && Catch::Contains("which is failed") &&
                        Catch::Contains("cannot find its data directory"));
}

TEST_CASE("an entry that throws in-process marks its plugin failed", "[create]") {
  HubOptions o = search({plugin_dir("faulty")});
  o.probe = false;  // as when the scanner is unavailable: the first create() finds out
  o.registry_cache = std::filesystem::path();  // and nothing known from earlier scans
  Hub hub(o);
  CHECK(info_of(hub, "failing_entry.so").state == PluginInfo::State::kAvailable);
  CHECK_THROWS_WITH(hub.create("never_built"),
                    Catch::Contains("its entry function failed: cannot find its data directory"));
  CHECK(info_of(hub, "failing_entry.so").state == PluginInfo::State::kFailed);
  CHECK_THROWS_WITH(hub.create("never_built"), Catch::Contains("failed to load earlier"));
}

TEST_CASE("manifest and code must agree on the entrypoints", "[create]") {
  Hub hub(search({plugin_dir("faulty")}));
  const auto info = info_of(hub, "extra_entrypoint.so");
  CHECK(info.state == PluginInfo::State::kFailed);
  CHECK_THAT(info.reason, Catch::Contains("declares entrypoint 'tiny_rnn', but its code registers "
                                          "no factory for it"));
  CHECK_THROWS_WITH(hub.create("extra/tiny_mlp"), Catch::Contains("tiny_rnn"));
  HubOptions unprobed = search({plugin_dir("faulty")});
  unprobed.probe = false;
  unprobed.registry_cache = std::filesystem::path();
  Hub lazy(unprobed);
  CHECK_THROWS_WITH(lazy.create("extra/tiny_mlp"),
                    Catch::Contains("declares entrypoint 'tiny_rnn'"));
}

TEST_CASE("create refuses a tag the entrypoint lacks and unknown names", "[create]") {
  Hub hub(search({plugin_dir("good")}));
  CHECK_THROWS_WITH(hub.create("tiny_cnn.V1"), Catch::Contains("no weight variants"));
  CHECK_THROWS_WITH(hub.create("tiny_mlp.SYNTH_V9"), Catch::Contains("SYNTH_V1"));
  CHECK_THROWS_WITH(hub.create("tiny_mpl"), Catch::Contains("did you mean tiny_mlp"));
}

TEST_CASE("the host sets LibTorch's intra-op threads", "[create][threads]") {
  {
    Hub hub(search({plugin_dir("good")}, /*threads=*/1));
    CHECK(hub.num_threads() == 1);
    hub.create("tiny_mlp");
    CHECK(intra_op_threads() == 1);
  }
  unsetenv("MODELZOO_NUM_THREADS");
  Hub all_cores(search({plugin_dir("good")}));
  CHECK(all_cores.num_threads() == static_cast<int>(std::thread::hardware_concurrency()));
  all_cores.create("tiny_mlp");
  CHECK(intra_op_threads() == all_cores.num_threads());
  setenv("MODELZOO_NUM_THREADS", "3", 1);
  Hub from_env(search({plugin_dir("good")}));
  unsetenv("MODELZOO_NUM_THREADS");
  CHECK(from_env.num_threads() == 3);
}

namespace {
struct AppNet : torch::nn::Module {
  explicit AppNet(int64_t width) { fc = register_module("fc", torch::nn::Linear(4, width)); }
  torch::Tensor forward(const torch::Tensor& x) { return fc->forward(x); }
  torch::nn::Linear fc{nullptr};
};
struct AppModel : Model {
  explicit AppModel(int64_t width) : net(std::make_shared<AppNet>(width)) {}
  torch::nn::Module& module() override { return *net; }
  torch::Tensor forward(const torch::Tensor& x) override { return net->forward(x); }
  std::shared_ptr<AppNet> net;
};
}  // namespace

TEST_CASE("a runtime-registered entrypoint is built by its factory", "[create]") {
  Hub hub(search({}));
  Entrypoint spec;
  spec.name = "app_net";
  spec.summary = "App model";
  spec.config = {{"width", 2}};
  spec.inputs.resize(1);
  spec.inputs[0].shape = {{"N", -1}, {"", 4}};
  hub.register_entrypoint("app", spec, [](const nlohmann::json& config) {
    return std::make_shared<AppModel>(config.at("width").get<int64_t>());
  });
  auto model = hub.create("app_net", {{"width", 6}});
  CHECK(model->forward(torch::zeros({3, 4})).sizes() == torch::IntArrayRef({3, 6}));
}

TEST_CASE("runtime-registered models get the host's thread count too", "[create][threads]") {
  set_intra_op_threads(1);
  Hub hub(search({}, /*threads=*/2));
  Entrypoint spec;
  spec.name = "app_net";
  spec.summary = "App model";
  spec.config = {{"width", 2}};
  spec.inputs.resize(1);
  spec.inputs[0].shape = {{"N", -1}, {"", 4}};
  int threads_seen = 0;
  hub.register_entrypoint("app", spec, [&](const nlohmann::json& config) {
    threads_seen = intra_op_threads();
    return std::make_shared<AppModel>(config.at("width").get<int64_t>());
  });
  hub.create("app_net");
  CHECK(threads_seen == 2);
}

TEST_CASE("a plugin built against the previous SDK minor still loads and builds models",
          "[host][abi]") {
  HubOptions options = search({plugin_dir("sdk_1_0")});
  options.trust = trust::TrustMode::kOff;
  Hub hub(options);
  REQUIRE(hub.plugins().size() == 1);
  INFO(hub.plugins()[0].reason);
  CHECK(hub.plugins()[0].state == PluginInfo::State::kAvailable);
  auto model = hub.create("old_sdk/tiny_mlp");
  CHECK(model->forward(torch::zeros({2, 784})).sizes() == std::vector<int64_t>{2, 10});
  // What 1.1 added is absent, and the message says what to do.
  PretrainedOptions untrained;
  untrained.random_init = true;
  CHECK_THROWS_WITH(hub.load("old_sdk/tiny_mlp", untrained),
                    Catch::Contains("built against modelzoo SDK 1.0") &&
                        Catch::Contains("no pretrained loading") && Catch::Contains("rebuild"));
  CHECK_THROWS_WITH(hub.run_command("run", "old_sdk/tiny_mlp", nlohmann::json::object()),
                    Catch::Contains("built against modelzoo SDK 1.0") &&
                        Catch::Contains("no commands") &&
                        Catch::Contains("run:feature-extraction"));
}

TEST_CASE("a plugin built against SDK 1.1 still runs its commands under 1.2's longer CommandCall",
          "[host][abi]") {
  HubOptions options = search({plugin_dir("sdk_1_1")});
  options.trust = trust::TrustMode::kOff;
  Hub hub(options);
  REQUIRE(hub.plugins().size() == 1);
  INFO(hub.plugins()[0].reason);
  REQUIRE(hub.plugins()[0].state == PluginInfo::State::kAvailable);
  // The host fills 1.2's read_line and interrupted; the 1.1 code reads the
  // fields before them and never sees these.
  bool asked = false;
  CommandInteraction interaction;
  interaction.read_line = [&](const std::string&) {
    asked = true;
    return InputLine{};
  };
  interaction.interrupted = [&] {
    asked = true;
    return false;
  };
  std::vector<nlohmann::json> records;
  const nlohmann::json result = hub.run_command(
      "run", "sdk_1_1/tiny_mlp", {{"text", "hello"}}, {},
      [&](const nlohmann::json& r) { records.push_back(r); }, interaction);
  CHECK(result == nlohmann::json{{"verb", "run"},
                                 {"task", "feature-extraction"},
                                 {"target", "sdk_1_1/tiny_mlp"},
                                 {"options", {{"text", "hello"}}}});
  CHECK(records == std::vector<nlohmann::json>{{{"note", "a 1.1 command ran"}}});
  CHECK_FALSE(asked);
  CHECK(hub.create("sdk_1_1/tiny_mlp")->forward(torch::zeros({1, 784})).size(1) == 10);
}

TEST_CASE("create accepts NAME.TAG: a random model with that variant's config", "[host]") {
  Hub hub(search({plugin_dir("good")}));
  auto model = hub.create("toy/tiny_mlp.SYNTH_V1");
  CHECK(model->config()["num_classes"] == 10);
  CHECK_THROWS_WITH(hub.create("toy/tiny_mlp.NOPE"), Catch::Contains("NOPE"));
}
