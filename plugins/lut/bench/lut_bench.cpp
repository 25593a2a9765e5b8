// Throughput of the shipped LUT models on the 10,000 Fashion-MNIST test
// images, per path, and training time per epoch (timed on a slice of the
// training set and scaled to 60,000 images).
//
//   lut_bench [--threads N] [--repeats R] [--train-images N] [--models small,large]
//
// Prints a Markdown table (the README's).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "heap_reuse.h"
#include "idx_dataset.h"
#include "lut_network.h"
#include "modelzoo/threads.h"
#include "packed_network.h"
#include "trainer.h"

using namespace modelzoo::lut;
using Clock = std::chrono::steady_clock;

namespace {

// The default variant's weights file of `name`, from the built manifest.
std::string weights_file(const std::string& name) {
  std::ifstream in(LUT_MANIFEST);
  const auto manifest = nlohmann::json::parse(in);
  for (const auto& e : manifest["entrypoints"])
    if (e["name"] == name)
      for (const auto& v : e.value("variants", nlohmann::json::array()))
        if (v.value("default", false)) return v["file"];
  throw std::runtime_error(name + " has no default weight variant in " LUT_MANIFEST);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Best of `repeats` runs of `f` over the whole test set, in images/s.
template <typename F>
double images_per_second(int repeats, int64_t images, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t = Clock::now();
    f();
    best = std::min(best, seconds_since(t));
  }
  return double(images) / best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, repeats = 3;
  int64_t train_images = 6000;
  std::vector<std::string> models = {"fashion_mnist_small", "fashion_mnist_large"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--threads")
      threads = std::stoi(v);
    else if (a == "--repeats")
      repeats = std::stoi(v);
    else if (a == "--train-images")
      train_images = std::stoll(v);
    else if (a == "--models") {
      models.clear();
      for (size_t s = 0, e; s <= v.size(); s = e + 1) {
        e = v.find(',', s);
        if (e == std::string::npos) e = v.size();
        models.push_back("fashion_mnist_" + v.substr(s, e - s));
      }
    } else {
      std::fprintf(stderr,
                   "usage: lut_bench [--threads N] [--repeats R] [--train-images N] [--models "
                   "small,large]\n");
      return 2;
    }
  }
  modelzoo::set_intra_op_threads(threads);
  retain_freed_heap_memory();  // as `modelzoo train` and `modelzoo eval` do
  const auto test = load_fashion_mnist("test");
  const auto train_set = load_fashion_mnist("train");
  const std::string root = std::string(MODELZOO_SOURCE_DIR) + "/plugins/lut/";
  std::printf("threads: %d, best of %d runs over %lld test images\n\n", threads, repeats,
              (long long)test.size());
  std::printf(
      "| model | LUTs | expectation img/s | hard img/s | packed int img/s | packed / hard | train "
      "s/epoch (est.) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& name : models) {
    auto config = LutConfig::from_yaml_file(root + "configs/" + name + ".yaml");
    LutNetwork network(config);
    network->load_weights(root + "weights/" + weights_file(name));
    network->eval();
    torch::NoGradGuard no_grad;
    auto run_mode = [&](const std::string& mode) {
      for (int64_t s = 0; s < test.size(); s += 1000)
        (void)network->forward_mode(test.images.slice(0, s, s + 1000), mode).argmax(1);
    };
    const double expectation =
        images_per_second(repeats, test.size(), [&] { run_mode("expectation"); });
    const double hard = images_per_second(repeats, test.size(), [&] { run_mode("hard"); });
    const PackedNetwork packed(*network);
    // The packed path includes the encoder's comparisons.
    const double integer =
        images_per_second(repeats, test.size(), [&] { (void)packed.image_predict(test.images); });

    LutConfig train_config = config;
    train_config.training.epochs = 1;
    train_config.training.straight_through_epochs = 0;  // a plain epoch
    train_config.training.train_samples = train_images;
    LutNetwork fresh(train_config);
    const auto t = Clock::now();
    {
      torch::AutoGradMode grad(true);
      TrainOptions options;
      train(fresh, train_set, Dataset{}, options);
    }
    const double per_epoch = seconds_since(t) * double(train_set.size()) / double(train_images);
    std::printf("| %s | %lld | %.0f | %.0f | %.0f | %.1fx | %.0f |\n", name.c_str(),
                (long long)config.num_luts(), expectation, hard, integer, integer / hard,
                per_epoch);
    std::fflush(stdout);
  }
  return 0;
}
