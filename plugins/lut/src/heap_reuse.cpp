#include "heap_reuse.h"

#include <malloc.h>

namespace modelzoo::lut {

void retain_freed_heap_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
}

}  // namespace modelzoo::lut
