/* unwind_bench.c — what one DWARF unwind of a sample costs
 * (src/record/unwind.c), built and run by bench/unwind.sh.
 *
 * A sample is taken as the kernel takes one: registers captured with inline
 * assembly (DWARF_UNWIND_REGS_MASK order) and 8 KiB of stack from SP (the
 * sampler's STACK_USER size), at the bottom of a chain of DEPTH frames:
 * main, a recursion of this program, and qsort's merge sort in libc (no
 * frame pointers). Mappings come from /proc/self/maps. The same sample is
 * unwound again and again with one unwinder (its Dwfl cached after the
 * first unwind, as for a recorded process) — with the rule cache (the
 * default), then with libdwfl unwinding every frame — and then with a new
 * unwinder each time (the first sample of a process).
 *
 * Usage: unwind_bench [ITERATIONS]  — prints frames, µs per unwind (cached
 * and cold) and µs per frame.
 */
#include "record/unwind.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_STACK_BYTES 8192
#define BENCH_REGISTER_COUNT 17

struct bench_sample {
    uint64_t regs[BENCH_REGISTER_COUNT];
    uint8_t stack[BENCH_STACK_BYTES];
    size_t stack_size;
    int captured;
};

/* qsort's callback has no context: where to capture. */
static struct bench_sample *bench_target;
static int bench_calls;

__attribute__((noinline)) static void bench_capture(struct bench_sample *sample)
{
    uint64_t *regs = sample->regs;
    __asm__ volatile("movq %%rax, 0(%0)\n\t"
                     "movq %%rbx, 8(%0)\n\t"
                     "movq %%rcx, 16(%0)\n\t"
                     "movq %%rdx, 24(%0)\n\t"
                     "movq %%rsi, 32(%0)\n\t"
                     "movq %%rdi, 40(%0)\n\t"
                     "movq %%rbp, 48(%0)\n\t"
                     "movq %%rsp, 56(%0)\n\t"
                     "1: leaq 1b(%%rip), %%rax\n\t"
                     "movq %%rax, 64(%0)\n\t"
                     "movq %%r8, 72(%0)\n\t"
                     "movq %%r9, 80(%0)\n\t"
                     "movq %%r10, 88(%0)\n\t"
                     "movq %%r11, 96(%0)\n\t"
                     "movq %%r12, 104(%0)\n\t"
                     "movq %%r13, 112(%0)\n\t"
                     "movq %%r14, 120(%0)\n\t"
                     "movq %%r15, 128(%0)\n\t"
                     :
                     : "r"(regs)
                     : "rax", "memory");
    const volatile uint8_t *from = (const volatile uint8_t *)(uintptr_t)regs[PERF_REG_X86_SP];
    for (size_t i = 0; i < BENCH_STACK_BYTES; i++)
        sample->stack[i] = from[i];
    sample->stack_size = BENCH_STACK_BYTES;
    sample->captured = 1;
}

static int bench_compare(const void *left, const void *right)
{
    if (++bench_calls == 100) {
        void (*volatile capture)(struct bench_sample *) = bench_capture;
        capture(bench_target);
    }
    int a = *(const int *)left, b = *(const int *)right;
    return (a > b) - (a < b);
}

__attribute__((noinline)) static int bench_recurse(int depth)
{
    if (depth == 0) {
        int values[64];
        for (int i = 0; i < 64; i++)
            values[i] = (i * 37) % 64;
        qsort(values, 64, sizeof values[0], bench_compare);
        return values[0];
    }
    int (*volatile next)(int) = bench_recurse;
    return next(depth - 1) + 1;
}

static char *bench_read_maps(void)
{
    FILE *file = fopen("/proc/self/maps", "r");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *sink = open_memstream(&text, &size);
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
        fwrite(buffer, 1, got, sink);
    fclose(file);
    fclose(sink);
    return text;
}

static struct dwarf_unwinder *bench_unwinder(const char *maps)
{
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    char *copy = strdup(maps);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        uint64_t start, end, offset;
        int path_at = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &start, &end,
                   &offset, &path_at) >= 3 &&
            path_at > 0)
            dwarf_unwinder_add_mapping(unwinder, 1, start, end - start, offset, line + path_at);
    }
    free(copy);
    return unwinder;
}

static double bench_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 100000;
    static struct bench_sample sample;
    bench_target = &sample;
    /* main, 15 levels of recursion, qsort's frames, the callback. */
    bench_recurse(14);
    if (!sample.captured)
        return 1;
    char *maps = bench_read_maps();
    if (!maps)
        return 1;
    uint64_t frames[128];

    /* With the rule cache (the default), then libdwfl for every frame. */
    double cached_us[2];
    size_t count = 0;
    for (int use_rules = 1; use_rules >= 0; use_rules--) {
        struct dwarf_unwinder *unwinder = bench_unwinder(maps);
        dwarf_unwinder_use_rules(unwinder, use_rules);
        size_t first = dwarf_unwind(unwinder, 1, DWARF_UNWIND_REGS_MASK, sample.regs,
                                    sample.stack, sample.stack_size, frames, 128);
        if (count && first != count)
            return 1;
        count = first;
        long runs = use_rules ? iterations : iterations / 10 + 1;
        double start = bench_now();
        size_t total = 0;
        for (long i = 0; i < runs; i++)
            total += dwarf_unwind(unwinder, 1, DWARF_UNWIND_REGS_MASK, sample.regs,
                                  sample.stack, sample.stack_size, frames, 128);
        cached_us[use_rules] = (bench_now() - start) / (double)runs * 1e6;
        dwarf_unwinder_destroy(unwinder);
        if (total != count * (size_t)runs)
            return 1;
    }
    double cached = cached_us[1];
    struct dwarf_unwinder *unwinder;

    long cold_iterations = iterations / 100 > 10 ? iterations / 100 : 10;
    double start = bench_now();
    for (long i = 0; i < cold_iterations; i++) {
        unwinder = bench_unwinder(maps);
        dwarf_unwind(unwinder, 1, DWARF_UNWIND_REGS_MASK, sample.regs, sample.stack,
                     sample.stack_size, frames, 128);
        dwarf_unwinder_destroy(unwinder);
    }
    double cold = (bench_now() - start) / (double)cold_iterations * 1e6;
    free(maps);
    printf("frames\t%zu\n", count);
    printf("cached_us_per_unwind\t%.2f\n", cached);
    printf("cached_us_per_frame\t%.3f\n", cached / (double)count);
    printf("libdwfl_only_us_per_unwind\t%.2f\n", cached_us[0]);
    printf("cold_us_per_unwind\t%.1f\n", cold);
    printf("seconds_per_million_samples\t%.1f\n", cached);
    return 0;
}
