#ifndef RHIZOME_MALLOC_COUNTER_H
#define RHIZOME_MALLOC_COUNTER_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by
/// the calling thread since it started. Counts only when this target's allocator wrappers are in
/// use, which `rz_malloc_counter_active` reports.
unsigned long rz_malloc_count(void);

/// 1 if allocations in this process go through the counting wrappers.
int rz_malloc_counter_active(void);

/// Prints the call stack of each of this thread's allocations to stderr while on (for finding them).
void rz_malloc_trace(int on);

#endif
