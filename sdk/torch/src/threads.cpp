#include "modelzoo/threads.h"

#include <ATen/Parallel.h>

namespace modelzoo {

void set_intra_op_threads(int num_threads) {
  if (num_threads > 0 && at::get_num_threads() != num_threads) at::set_num_threads(num_threads);
}

int intra_op_threads() {
  return at::get_num_threads();
}

}  // namespace modelzoo

// For the torch-free host, which looks it up in the process (dlsym) to give
// models that app code registers at run time the same thread count plugins
// get; present whenever the app links modelzoo::torch.
extern "C" MODELZOO_API void modelzoo_set_intra_op_threads(int num_threads) {
  modelzoo::set_intra_op_threads(num_threads);
}

namespace modelzoo {}  // namespace modelzoo
