#include "family_load.h"

#include "tied_weights.h"

namespace modelzoo::language {

LoadReport load_family_weights(const Weights& weights, LoadOptions options,
                               const FamilyLoadRules& rules, torch::nn::Module& net,
                               const std::string& model, bool initialised,
                               const std::function<void()>& init) {
  LoadReport tied;
  for (const auto& pair : rules.tied)
    if (only_tied_copy(weights, options, pair.copy, pair.source)) {
      // The shared tensor saved under the copy's name only.
      options.renames[pair.copy] = pair.source;
      tied.notes.push_back(pair.copy + ": loaded as " + pair.source + ", to which it is tied");
    }
  options.ignore = [user = options.ignore, &rules](const std::string& name) {
    for (const auto& pair : rules.tied)
      if (name == pair.copy) return true;
    return (rules.ignore && rules.ignore(name)) || (user && user(name));
  };
  for (const auto& pair : rules.tied)
    check_tied_copy(weights, options, pair.copy, pair.source, model, tied);
  const bool fill = !options.strict && !initialised;
  if (fill) init();

  LoadReport report = weights.load_into(net, options);
  report.notes.insert(report.notes.end(), tied.notes.begin(), tied.notes.end());
  if (rules.noted) {
    std::size_t count = 0;
    for (const auto& key : report.ignored)
      if (rules.noted(model_name_of(key, options))) ++count;
    if (count > 0) report.notes.push_back(rules.note(count));
  }
  if (fill && !report.missing.empty())
    report.notes.push_back("parameters missing from the checkpoint keep a random initialisation");
  return report;
}

}  // namespace modelzoo::language
