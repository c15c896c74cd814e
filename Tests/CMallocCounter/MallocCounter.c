// Wraps glibc's allocator entry points to count this thread's allocations. Linked into the test
// executable, these definitions take precedence over libc's for every library in the process
// (ELF symbol interposition); each forwards to glibc's own implementation (__libc_*), so
// behaviour is unchanged apart from the count. The count is thread-local, so tests running on
// other threads do not disturb a measurement.
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <stddef.h>
#include <unistd.h>
#include "CMallocCounter.h"

#if defined(__linux__) && defined(__GLIBC__)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static __thread unsigned long count __attribute__((tls_model("initial-exec")));
static volatile int active;
static __thread int tracing __attribute__((tls_model("initial-exec")));
static __thread int inTrace __attribute__((tls_model("initial-exec")));

/// With tracing on, each counted allocation prints its call stack to stderr: how to find one.
static void trace(void) {
    if (!tracing || inTrace) return;
    inTrace = 1;
    void *frames[24];
    int n = backtrace(frames, 24);
    write(2, "--- allocation\n", 15);
    backtrace_symbols_fd(frames, n, 2);
    inTrace = 0;
}

void rz_malloc_trace(int on) { tracing = on; }

void *malloc(size_t n) { count++; active = 1; trace(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count++; active = 1; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count++; active = 1; trace(); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { count++; active = 1; return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { count++; active = 1; return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    count++;
    active = 1;
    trace();
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

unsigned long rz_malloc_count(void) { return count; }
int rz_malloc_counter_active(void) { return active; }

#else

void rz_malloc_trace(int on) { (void)on; }
unsigned long rz_malloc_count(void) { return 0; }
int rz_malloc_counter_active(void) { return 0; }

#endif
