// Keeps freed heap memory in the process for the next allocation.
//
// A training or evaluation loop allocates the same large tensors every step.
// By default glibc serves blocks above 128 KiB with mmap and trims the heap
// top on free, so each step gets fresh pages from the kernel and faults on
// every 4 KiB of them: measured here, training the 16,000-LUT network spent
// as much time in the kernel as in LibTorch. Called once by the commands that
// run such loops; it changes only how glibc reuses memory, never a result.
#pragma once

namespace modelzoo::lut {

/// Serves allocations up to 1 GiB from the heap and never trims it.
void retain_freed_heap_memory();

}  // namespace modelzoo::lut
