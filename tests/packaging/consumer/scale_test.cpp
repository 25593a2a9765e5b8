// The vendor's own test of its plugin, registered by modelzoo_add_plugin's
// TESTS (no test framework: a non-zero exit fails it). It finds the plugin
// where the build put it, MODELZOO_TESTED_PLUGIN_DIR. It also checks that
// the installed SDK layers (modelzoo/nn/) link.
#include <modelzoo/hub.h>
#include <modelzoo/model.h>
#include <modelzoo/nn/linear.h>

#include <iostream>

int main() {
  modelzoo::HubOptions options;
  options.plugin_path = std::vector<std::filesystem::path>{MODELZOO_TESTED_PLUGIN_DIR};
  modelzoo::Hub hub(options);
  auto model = hub.create("vendor/scale", {{"factor", 4.0}});
  const double sum = model->forward(torch::ones({3})).sum().item<double>();
  if (sum != 12.0) {
    std::cerr << "expected 12 from vendor/scale with factor 4 (got " << sum << ")\n";
    return 1;
  }
  modelzoo::nn::Linear fc(3, 2);
  fc->reset_parameters();
  if (fc->forward(torch::ones({5, 3})).sizes() != torch::IntArrayRef({5, 2})) {
    std::cerr << "modelzoo::nn::Linear(3, 2) gave the wrong shape\n";
    return 1;
  }
  std::cout << "vendor/scale ok\n";
  return 0;
}
