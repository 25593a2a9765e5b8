// The LUT network as a whole: a short training run learns, weights
// round-trip, the packed integer path equals the float hard path, and
// runtime options do what the docs say.
#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <set>

#include "idx_dataset.h"
#include "lut_network.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"
#include "packed_network.h"
#include "process.h"
#include "trainer.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using namespace modelzoo::lut;
using Catch::Matchers::Contains;

namespace {

LutConfig tiny_config() {
  auto c = LutConfig::from_yaml_file(std::string(MODELZOO_SOURCE_DIR) +
                                     "/plugins/lut/configs/tiny.yaml");
  return c;
}

bool have_fashion_mnist() {
  return std::filesystem::exists(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz");
}

// A trained tiny model, shared by the cases below (trained once).
struct Trained {
  LutNetwork network{nullptr};
  Dataset train, test;
  EpochReport report;
};

Trained& trained_tiny() {
  static Trained t = [] {
    Trained out;
    out.train = load_fashion_mnist("train").slice(0, 3000);
    out.test = load_fashion_mnist("test").slice(0, 1000);
    out.network = LutNetwork(tiny_config());
    TrainOptions options;
    out.report = train(out.network, out.train, out.test, options);
    return out;
  }();
  return t;
}

torch::Tensor random_images(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::rand({n, 784}, gen, torch::kFloat32);
}

}  // namespace

TEST_CASE("a short training run learns well above chance", "[lut][train]") {
  if (!have_fashion_mnist()) {
    WARN("skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  auto& t = trained_tiny();
  // One epoch on 3,000 images: chance is 10%.
  CHECK(t.report.epoch == 1);
  CHECK(t.report.eval_accuracy > 0.40);
  CHECK(evaluate(t.network, t.test, "hard") == t.report.eval_accuracy);
  // An untrained network of the same config is near chance.
  LutNetwork untrained(tiny_config());
  untrained->fit_encoder(t.train.images);
  CHECK(evaluate(untrained, t.test) < 0.3);
}

TEST_CASE("shift augmentation moves each image by its own offset within the bound",
          "[lut][train]") {
  // Image i has one lit pixel at (10, 10 + i) of a 28 x 28 grid.
  const int64_t n = 64, shift = 2;
  auto x = torch::zeros({n, 784});
  for (int64_t i = 0; i < n; ++i) x[i][10 * 28 + 10 + i % 8] = 1.0 + double(i);
  auto gen = at::detail::createCPUGenerator(7);
  const auto shifted = shift_images(x, shift, gen);
  REQUIRE(shifted.sizes() == x.sizes());
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (int64_t i = 0; i < n; ++i) {
    const auto lit = shifted[i].nonzero();
    REQUIRE(lit.size(0) == 1);  // moved, not lost or duplicated
    CHECK(shifted[i][lit[0][0]].item<double>() == 1.0 + double(i));
    const int64_t pos = lit[0][0].item<int64_t>();
    const int64_t dy = pos / 28 - 10, dx = pos % 28 - (10 + i % 8);
    CHECK(std::abs(dy) <= shift);
    CHECK(std::abs(dx) <= shift);
    offsets.insert({dy, dx});
  }
  CHECK(offsets.size() > 10);  // per-image offsets, not one for the batch
  // A pixel shifted off the edge is gone; zeros come in.
  auto edge = torch::zeros({1, 784});
  edge[0][0] = 1;
  auto gen2 = at::detail::createCPUGenerator(1);
  int64_t lost = 0;
  for (int trial = 0; trial < 50; ++trial)
    lost += shift_images(edge, 1, gen2).sum().item<double>() == 0;
  CHECK(lost > 0);
}

TEST_CASE("save → load gives identical outputs in every mode", "[lut][train]") {
  if (!have_fashion_mnist()) return;
  auto& t = trained_tiny();
  modelzoo::test::TempDir dir;
  const std::string path = dir.path() + "/tiny.safetensors";
  t.network->save_weights(path);
  LutNetwork loaded(tiny_config());
  loaded->load_weights(path);
  CHECK(modelzoo::Weights::from_file(path).file().metadata.at("config") == tiny_config().to_yaml());
  loaded->eval();
  t.network->eval();
  torch::NoGradGuard no_grad;
  const auto x = t.test.images.slice(0, 200);
  for (const std::string mode : {"hard", "expectation", "packed"})
    CHECK(torch::equal(loaded->forward_mode(x, mode), t.network->forward_mode(x, mode)));
}

TEST_CASE("packed integer inference equals the float hard mode", "[lut][packed]") {
  // Random tables and connections, several shapes, every k, uneven batches
  // (two blocks of 256 samples, the second partial) and ties between classes.
  for (int64_t k = 2; k <= 6; ++k) {
    LutConfig c;
    c.input_size = 30;
    c.encoder.name = "thermometer";
    c.encoder.num_bits = 2;
    c.node_input_dim = k;
    c.layer_widths = {50, 33, 20};
    c.num_classes = 4;
    c.seed = k;
    LutNetwork network(c);
    network->fit_encoder(random_images(100, 1).slice(1, 0, 30));
    network->eval();
    const auto x = random_images(300, 2 + k).slice(1, 0, 30);
    torch::NoGradGuard no_grad;
    const auto counts = network->hard_counts(x);
    const PackedNetwork packed(*network);
    const auto bits = network->encoder->encode_bits(x);
    INFO("k = " << k);
    CHECK(torch::equal(packed.counts(bits), counts));
    CHECK(torch::equal(packed.image_counts(x), counts));
    CHECK(torch::equal(packed.predict(bits), network->forward_mode(x, "hard").argmax(1)));
    CHECK(torch::equal(network->forward_mode(x, "packed"), network->forward_mode(x, "hard")));
  }
}

TEST_CASE("ties go to the lowest class index in both paths", "[lut][packed]") {
  LutConfig c;
  c.input_size = 4;
  c.encoder.num_bits = 1;
  c.encoder.name = "thermometer";
  c.node_input_dim = 2;
  c.layer_widths = {4};
  c.num_classes = 2;
  LutNetwork network(c);
  {
    torch::NoGradGuard no_grad;
    network->layer(0)->luts.fill_(1.0);  // every node outputs 1: a 2–2 tie
  }
  network->fit_encoder(torch::rand({10, 4}));
  network->eval();
  const auto x = torch::rand({3, 4});
  CHECK(torch::equal(network->forward_mode(x, "hard").argmax(1), torch::zeros({3}, torch::kInt64)));
  CHECK(torch::equal(PackedNetwork(*network).predict(network->encoder->encode_bits(x)),
                     torch::zeros({3}, torch::kInt64)));
}

TEST_CASE("runtime options change behaviour as documented", "[lut][runtime]") {
  auto c = tiny_config();
  LutNetwork network(c);
  network->fit_encoder(random_images(200, 3));
  network->eval();
  torch::NoGradGuard no_grad;
  const auto x = random_images(64, 4);
  const auto hard = network->forward_mode(x, "hard");
  const auto soft = network->forward_mode(x, "expectation");
  // Hard scores are popcounts / output_tau; soft ones are not integers.
  CHECK(torch::equal((hard * c.runtime.output_tau).round(), hard * c.runtime.output_tau));
  CHECK_FALSE(torch::allclose(hard, soft));

  // temperature: changes the expectation, never the hard lookup.
  auto r = c.runtime;
  r.temperature = 0.05;
  network->set_runtime(r);
  CHECK(torch::equal(network->forward_mode(x, "hard"), hard));
  const auto cold = network->forward_mode(x, "expectation");
  CHECK_FALSE(torch::allclose(cold, soft));
  // …and as T → 0 each first-layer node is its hard value, so the soft
  // model moves towards the hard one.
  CHECK((cold - hard).abs().mean().item<float>() < (soft - hard).abs().mean().item<float>());

  // output_tau scales scores.
  r = c.runtime;
  r.output_tau = 2 * c.runtime.output_tau;
  network->set_runtime(r);
  CHECK(torch::allclose(network->forward_mode(x, "hard") * 2, hard));

  // sampling: averages num_samples Bernoulli passes; with many samples it
  // approaches the expectation over sampled paths.
  r = c.runtime;
  r.num_samples = 1;
  network->set_runtime(r);
  const auto one = network->forward_mode(x, "sampling");
  CHECK(torch::equal((one * c.runtime.output_tau).round(), one * c.runtime.output_tau));
  r.num_samples = 64;
  network->set_runtime(r);
  const auto many = network->forward_mode(x, "sampling");
  CHECK((many - soft).abs().mean().item<float>() < (one - soft).abs().mean().item<float>());

  // sample_seed: sampling repeats exactly.
  r.sample_seed = 12345;
  network->set_runtime(r);
  CHECK(torch::equal(network->forward_mode(x, "sampling"), network->forward_mode(x, "sampling")));

  // eval_flip_probability: flips bits in eval (robustness tests); 0 is exact.
  r = c.runtime;
  r.eval_flip_probability = 0.3;
  network->set_runtime(r);
  CHECK_FALSE(torch::equal(network->forward_mode(x, "hard"), hard));
  CHECK_THROWS_WITH(network->forward_mode(x, "packed"), Contains("eval_flip_probability"));

  // eval_mode picks what forward() does in eval.
  r = c.runtime;
  r.eval_mode = "expectation";
  network->set_runtime(r);
  CHECK(torch::equal(network->forward(x), soft));
  r.eval_mode = "banana";
  CHECK_THROWS_WITH(network->set_runtime(r), Contains("eval_mode must be"));
}

TEST_CASE("an interrupted run resumes from its checkpoint to the same model", "[lut][train]") {
  if (!have_fashion_mnist()) return;
  auto config = tiny_config();
  config.training.epochs = 2;
  config.training.train_samples = 1000;
  const auto train_set = load_fashion_mnist("train").slice(0, 1000);
  modelzoo::test::TempDir dir;

  LutNetwork straight(config);
  TrainOptions options;
  options.checkpoint = dir.path() + "/straight.safetensors";
  train(straight, train_set, Dataset{}, options);

  LutNetwork interrupted(config);
  options.checkpoint = dir.path() + "/resumed.safetensors";
  options.max_epochs = 1;
  CHECK(train(interrupted, train_set, Dataset{}, options).epoch == 1);
  LutNetwork resumed(config);  // a new process: nothing but the checkpoint
  options.max_epochs = 0;
  CHECK(train(resumed, train_set, Dataset{}, options).epoch == 2);
  for (const auto& t : straight->state_tensors()) {
    INFO(t.key());
    CHECK(torch::equal(t.value(), resumed->state_tensors()[t.key()]));
  }
  // A checkpoint of another config is refused, not silently mixed in.
  auto other = config;
  other.layer_widths = {300, 100};
  LutNetwork mismatched(other);
  CHECK_THROWS_WITH(train(mismatched, train_set, Dataset{}, options),
                    Contains("written for a different config"));
}

TEST_CASE("straight-through training: hidden layers run hard, gradients reach them",
          "[lut][train]") {
  auto config = tiny_config();
  config.runtime.temperature = 1.5;
  LutNetwork network(config);
  const auto images = random_images(16, 41);
  network->fit_encoder(random_images(200, 40));
  network->train();
  network->set_straight_through(true);
  const auto scores = network->forward(images);

  // The same scores by hand: the hidden layer's hard lookup, then the last
  // layer's soft lookup at the resulting addresses, summed per class.
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    const auto bits = network->encoder->forward(images);
    const auto hidden = network->layer(0)->forward(bits, NodeMode::hard, config.runtime, true);
    const auto last = network->layer(1);
    const auto flat = lookup_indices(hidden, last->hard_connections(), last->luts.size(1));
    const auto soft = torch::sigmoid(last->luts.reshape(-1).index_select(0, flat.reshape(-1)) /
                                     config.runtime.temperature)
                          .view_as(flat);
    expected = soft.view({16, 10, -1}).sum(2) / config.runtime.output_tau;
  }
  CHECK(torch::allclose(scores, expected, 1e-5, 1e-6));

  scores.sum().backward();
  CHECK(network->layer(0)->luts.grad().abs().sum().item<float>() > 0);
  CHECK(network->layer(1)->luts.grad().abs().sum().item<float>() > 0);
  // Eval is unaffected by the training switch.
  network->eval();
  torch::NoGradGuard no_grad;
  const auto hard = network->forward_mode(images, "hard");
  network->set_straight_through(false);
  CHECK(torch::equal(hard, network->forward_mode(images, "hard")));

  auto bad = tiny_config();
  bad.training.straight_through_epochs = bad.training.epochs + 1;
  CHECK_THROWS_WITH(bad.validate(), Contains("straight_through_epochs"));
}

TEST_CASE("init_weights: training starts from a trained model, its thresholds kept",
          "[lut][train]") {
  if (!have_fashion_mnist()) return;
  auto& t = trained_tiny();
  modelzoo::test::TempDir dir;
  const std::string start = dir.path() + "/start.safetensors";
  t.network->save_weights(start);

  auto config = tiny_config();
  config.training.learning_rate = 1e-9;  // one epoch that barely moves anything
  config.training.lr_final = 1e-9;
  config.training.train_samples = 500;
  LutNetwork tuned(config);
  TrainOptions options;
  options.init_weights = start;
  // Another slice than the one the thresholds were fitted on: refitting
  // would change them.
  const auto other = load_fashion_mnist("train").slice(3000, 3500);
  const auto report = train(tuned, other, t.test, options);
  CHECK(torch::equal(tuned->encoder->thresholds, t.network->encoder->thresholds));
  CHECK(torch::allclose(tuned->layer(0)->luts, t.network->layer(0)->luts, 0, 1e-5));
  CHECK(report.eval_accuracy == Approx(t.report.eval_accuracy).margin(0.01));

  LutNetwork refit(config);
  options.init_weights.clear();
  train(refit, other, Dataset{}, options);
  CHECK_FALSE(torch::equal(refit->encoder->thresholds, t.network->encoder->thresholds));
}
