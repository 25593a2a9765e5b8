// `modelzoo run lut/NAME --image FILE | --idx-index N…`: the class of a
// PNG/JPEG image, or of Fashion-MNIST test images with their true labels.
#include <modelzoo/image/image.h>
#include <modelzoo/sdk/error.h>
#include <modelzoo/tasks/classification.h>

#include <c10/core/InferenceMode.h>

#include "idx_dataset.h"
#include "lut_commands.h"

namespace modelzoo::lut {
namespace {

// Any PNG or JPEG as a Fashion-MNIST input (1, side·side) in [0, 1]: gray
// by PIL's convert("L") integer formula (exact for gray images), and an
// image of another size fitted into side x side (antialiased, aspect kept)
// and centred on black — the dataset's layout: a light object on a dark
// background. A side x side gray image is used pixel for pixel.
torch::Tensor read_image_gray(const std::string& path, int64_t side) {
  const auto gray = image::fit_into_square(image::to_gray(image::decode_file(path)), side);
  return gray.to(torch::kFloat32).reshape({1, side * side}).div_(255.0f);  // as the IDX reader does
}

}  // namespace

nlohmann::json run_command(CommandContext& ctx) {
  const auto& options = ctx.options();
  const std::string image = options.value("image", "");
  const auto indices = options.value("idx_index", std::vector<int64_t>{});
  if (image.empty() == indices.empty())
    throw Error(
        "give exactly one of --image FILE (PNG or JPEG) or --idx-index N (a Fashion-MNIST test "
        "image)");
  LoadedModel loaded = ctx.load();
  nlohmann::json categories = loaded.meta().value("categories", nlohmann::json());
  if (!categories.is_array()) categories = fashion_mnist_classes();
  const int64_t k = options.value("topk", int64_t{1});
  nlohmann::json result = tasks::classification_result(loaded, ctx.target());
  auto classify = [&](const std::string& what, const torch::Tensor& x, int64_t truth) {
    c10::InferenceMode guard;
    const auto scores = loaded.model->forward(x)[0];
    for (auto& row : tasks::top_k_classes(scores, k, categories)) {
      row["input"] = what;
      if (truth >= 0) row["true_index"] = truth, row["true_label"] = categories[truth];
      result["predictions"].push_back(std::move(row));
    }
  };
  if (!image.empty()) {
    classify(image, read_image_gray(image, 28), -1);
    return result;
  }
  check_data(options);
  const auto test_set =
      load_fashion_mnist("test", options.value("data_dir", ""),
                         loaded.model->config().value("num_classes", int64_t{10}));
  for (const int64_t i : indices) {
    if (i < 0 || i >= test_set.size())
      throw Error("--idx-index " + std::to_string(i) + " is outside the test set (0.." +
                  std::to_string(test_set.size() - 1) + ")");
    classify("test[" + std::to_string(i) + "]", test_set.images.slice(0, i, i + 1),
             test_set.labels[i].item<int64_t>());
  }
  return result;
}

}  // namespace modelzoo::lut
