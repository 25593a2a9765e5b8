// Whether a model being built initialises its parameters.
//
// Building a model and then loading a checkpoint into it pays twice: the
// random initialisation (0.2 s for a ResNet-50, 0.6 s for a ViT-B/16 in
// torchvision) is overwritten at once. Code that is about to load weights
// builds under a SkipInit guard; families that honour it allocate their
// parameters uninitialised and leave them to the checkpoint (like
// torch.nn.utils.skip_init). Families that ignore it stay correct, only
// slower.
//
//   {
//     modelzoo::SkipInit no_init;          // this thread only
//     model = hub.create("resnet50");
//   }
//   model->load_weights(modelzoo::Weights::from_file(path));
//
// Invariant: a model built under SkipInit must not be used before its
// weights are loaded; load_weights() initialises whatever the checkpoint did
// not provide (a new head).
#pragma once

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// True unless a SkipInit guard is alive on this thread.
MODELZOO_API bool init_parameters_enabled();

/// While alive, models built on this thread skip parameter initialisation.
class MODELZOO_API SkipInit {
 public:
  SkipInit();
  ~SkipInit();
  SkipInit(const SkipInit&) = delete;
  SkipInit& operator=(const SkipInit&) = delete;

 private:
  bool previous_;
};

}  // namespace modelzoo
