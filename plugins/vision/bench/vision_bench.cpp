// The vision benchmark's C++ side (run_bench.sh drives it):
//
//   vision_bench floor FILE            the cold-start floor: LibTorch loaded
//                                      (at exec), ResNet-50 built without
//                                      initialisation, FILE loaded, one
//                                      1x3x224x224 forward; no plugin
//                                      discovery, no CLI
//   vision_bench latency FILE BATCH RUNS   steady-state forward latency:
//                                      prints the median and min in ms
//
// Both honour MODELZOO_NUM_THREADS (default 2, as the Python side).
#include <c10/core/InferenceMode.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "modelzoo/init_mode.h"
#include "modelzoo/threads.h"
#include "modelzoo/weights.h"
#include "resnet.h"
#include "vision_model.h"

namespace {

std::shared_ptr<modelzoo::Model> resnet50(const std::string& file) {
  modelzoo::vision::ResNetOptions o;
  o.layers = {3, 4, 6, 3};
  o.bottleneck = true;
  auto net = std::make_shared<modelzoo::vision::ResNet>(o);  // uninitialised
  auto model = std::make_shared<modelzoo::vision::VisionModel>("resnet50", net, false);
  model->load_weights(modelzoo::Weights::from_file(file));
  model->eval();
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("MODELZOO_NUM_THREADS");
  modelzoo::set_intra_op_threads(env ? std::atoi(env) : 2);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "floor" && argc == 3) {
    auto model = resnet50(argv[2]);
    c10::InferenceMode guard;
    const auto logits = model->forward(torch::zeros({1, 3, 224, 224}));
    std::printf("%lld\n", static_cast<long long>(logits.argmax(1).item<int64_t>()));
    return 0;
  }
  if (mode == "latency" && argc == 5) {
    auto model = resnet50(argv[2]);
    const int64_t batch = std::atoll(argv[3]);
    const int runs = std::atoi(argv[4]);
    c10::InferenceMode guard;
    const auto x = torch::randn({batch, 3, 224, 224});
    for (int i = 0; i < 5; ++i) model->forward(x);
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      model->forward(x);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%.2f %.2f\n", ms[ms.size() / 2], ms.front());
    return 0;
  }
  std::cerr << "usage: vision_bench floor FILE | latency FILE BATCH RUNS\n";
  return 2;
}
