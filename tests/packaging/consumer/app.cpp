// A host app: lists what its plugin path offers and runs one model.
#include <modelzoo/hub.h>
#include <modelzoo/image/image.h>
#include <modelzoo/model.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  modelzoo::HubOptions options;
  options.plugin_path = std::vector<std::filesystem::path>{argv[1]};
  modelzoo::Hub hub(options);
  for (const auto* e : hub.list()) std::cout << "entrypoint " << e->qualified_name() << '\n';
  auto model = hub.create("vendor/scale", {{"factor", 3.0}});
  std::cout << "output " << model->forward(torch::ones({2})).sum().item<double>() << '\n';
  // A white 4x4 RGB image, center-cropped to 2x2 and scaled to [0, 1]: 12 ones.
  modelzoo::Preprocess crop;
  crop.crop = 2;
  const auto input = modelzoo::image::preprocess(torch::full({3, 4, 4}, 255, torch::kUInt8), crop);
  std::cout << "image output " << model->forward(input).sum().item<double>() << '\n';
  return 0;
}
