#include "modelzoo/threads.h"

#include <ATen/Parallel.h>

namespace modelzoo {

void set_intra_op_threads(int num_threads) {
  if (num_threads > 0 && at::get_num_threads() != num_threads) at::set_num_threads(num_threads);
}

int intra_op_threads() { return at::get_num_threads(); }

}  // namespace modelzoo
