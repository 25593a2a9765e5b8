// LibTorch's intra-op thread count. LibTorch 1.13 on x86-64 defaults to half
// the cores (one thread on a 2-core machine: a ResNet-50 forward 12x slower),
// so modelzoo sets it to what the host decided (see Hub: the app's choice,
// else MODELZOO_NUM_THREADS, else all cores).
#pragma once

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// Sets the intra-op thread count; 0 or less leaves it unchanged.
MODELZOO_API void set_intra_op_threads(int num_threads);

/// The current intra-op thread count.
MODELZOO_API int intra_op_threads();

}  // namespace modelzoo
