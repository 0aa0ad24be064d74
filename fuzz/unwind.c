/* fuzz/unwind.c — libFuzzer harness for the DWARF unwinder
 * (src/record/unwind.c, unwind_rules.c): a recorded sample's registers and
 * stack copy are untrusted bytes (a perf.data file from anywhere).
 *
 * Each input corrupts a real sample: the harness captures its own
 * registers and 16 KiB of stack inside a qsort_r callback (as the kernel
 * copies them), with its mappings from /proc/self/maps, so the chain runs
 * through the harness, libc and the sanitizer runtime. The input then
 *   bytes 0-1   the copy's size (little-endian, modulo the captured size + 1)
 *   byte 2      a register to change (modulo 17, in PERF_REG_X86_* order
 *               of DWARF_UNWIND_REGS_MASK), bytes 3-10 the value to XOR in
 *   then        3-byte patches: offset (16 bits, modulo the size) and the
 *               byte to store there.
 * The sample is unwound from the cached rules and by libdwfl alone; the two
 * must agree frame for frame (abort otherwise), and neither may read
 * outside the copy (ASan: the copy is malloc'ed to its exact size).
 */
#define _GNU_SOURCE /* qsort_r */
#include "record/unwind.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_UNWIND_STACK 16384
#define FUZZ_UNWIND_REGISTERS 17
#define FUZZ_UNWIND_FRAMES 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_unwind_sample {
    uint64_t regs[FUZZ_UNWIND_REGISTERS];
    uint8_t *stack;
    size_t stack_size;
    int calls;
};

__attribute__((no_sanitize_address, noinline)) static void
fuzz_unwind_copy(uint8_t *to, uint64_t from_address, size_t size)
{
    const volatile uint8_t *from = (const volatile uint8_t *)(uintptr_t)from_address;
    for (size_t i = 0; i < size; i++)
        to[i] = from[i];
}

static uint64_t fuzz_unwind_stack_top(uint64_t sp)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    uint64_t top = sp;
    char line[4096];
    while (maps && fgets(line, sizeof line, maps)) {
        uint64_t start, end;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && start <= sp && sp < end)
            top = end;
    }
    if (maps)
        fclose(maps);
    return top;
}

__attribute__((noinline)) static void fuzz_unwind_capture(struct fuzz_unwind_sample *sample)
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
    uint64_t sp = regs[PERF_REG_X86_SP];
    uint64_t top = fuzz_unwind_stack_top(sp);
    size_t size = top - sp < FUZZ_UNWIND_STACK ? (size_t)(top - sp) : FUZZ_UNWIND_STACK;
    sample->stack = malloc(size ? size : 1);
    fuzz_unwind_copy(sample->stack, sp, size);
    sample->stack_size = size;
}

static int fuzz_unwind_compare(const void *left, const void *right, void *context)
{
    struct fuzz_unwind_sample *sample = context;
    if (++sample->calls == 100) {
        void (*volatile capture)(struct fuzz_unwind_sample *) = fuzz_unwind_capture;
        capture(sample);
    }
    int a = *(const int *)left, b = *(const int *)right;
    return (a > b) - (a < b);
}

__attribute__((noinline)) static void fuzz_unwind_take(struct fuzz_unwind_sample *sample)
{
    int values[64];
    for (int i = 0; i < 64; i++)
        values[i] = (i * 37) % 64;
    memset(sample, 0, sizeof *sample);
    qsort_r(values, 64, sizeof values[0], fuzz_unwind_compare, sample);
}

static void fuzz_unwind_add_maps(struct dwarf_unwinder *unwinder, int pid)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    while (maps && fgets(line, sizeof line, maps)) {
        uint64_t start, end, offset;
        int path_at = 0;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &start, &end,
                   &offset, &path_at) >= 3 &&
            path_at > 0)
            dwarf_unwinder_add_mapping(unwinder, pid, start, end - start, offset, line + path_at);
    }
    if (maps)
        fclose(maps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_unwind_sample sample;
    void (*volatile take)(struct fuzz_unwind_sample *) = fuzz_unwind_take;
    take(&sample);
    if (!sample.stack)
        abort(); /* the callback was not called 100 times */
    size_t copy_size = sample.stack_size;
    if (size >= 2)
        copy_size = (size_t)(data[0] | data[1] << 8) % (sample.stack_size + 1);
    uint8_t *stack = malloc(copy_size ? copy_size : 1);
    memcpy(stack, sample.stack, copy_size);
    if (size >= 11) {
        uint64_t change;
        memcpy(&change, data + 3, 8);
        sample.regs[data[2] % FUZZ_UNWIND_REGISTERS] ^= change;
    }
    for (size_t at = 11; copy_size > 0 && at + 3 <= size; at += 3)
        stack[(size_t)(data[at] | data[at + 1] << 8) % copy_size] = data[at + 2];

    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    fuzz_unwind_add_maps(unwinder, 1);
    uint64_t by_rules[FUZZ_UNWIND_FRAMES], by_libdwfl[FUZZ_UNWIND_FRAMES];
    size_t rules_count = dwarf_unwind(unwinder, 1, DWARF_UNWIND_REGS_MASK, sample.regs, stack,
                                      copy_size, by_rules, FUZZ_UNWIND_FRAMES);
    dwarf_unwinder_use_rules(unwinder, 0);
    size_t libdwfl_count = dwarf_unwind(unwinder, 1, DWARF_UNWIND_REGS_MASK, sample.regs, stack,
                                        copy_size, by_libdwfl, FUZZ_UNWIND_FRAMES);
    if (rules_count != libdwfl_count ||
        memcmp(by_rules, by_libdwfl, rules_count * sizeof *by_rules) != 0) {
        fprintf(stderr, "unwind: %zu frames from rules, %zu from libdwfl\n", rules_count,
                libdwfl_count);
        for (size_t i = 0; i < rules_count || i < libdwfl_count; i++)
            fprintf(stderr, "  %2zu %16" PRIx64 " %16" PRIx64 "\n", i,
                    i < rules_count ? by_rules[i] : 0, i < libdwfl_count ? by_libdwfl[i] : 0);
        abort();
    }
    dwarf_unwinder_destroy(unwinder);
    free(stack);
    free(sample.stack);
    return 0;
}
