/* test_unwind.c — unit tests of the DWARF unwinder (src/record/unwind.c) on
 * real stacks of this test program: its registers are captured with inline
 * assembly in PERF_REG_X86_* order (DWARF_UNWIND_REGS_MASK) and 16 KiB of
 * its stack copied from SP, as the kernel does for a perf sample; the
 * mappings come from /proc/self/maps. Expectations: the functions of the
 * chain (found with src/record/symbols.c from the same maps), or exact
 * return addresses of hand-written assembly without frame pointers.
 *
 * The unwinder never reads this process's memory: it sees only the copy and
 * the mapped files, so these are the conditions of a recorded sample. ASan
 * checks that it reads nothing outside the copy (copies are malloc'ed to
 * their exact size). */
#include <criterion/criterion.h>

#include "record/symbols.h"
#include "record/unwind.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#define UNWIND_TEST_STACK_BYTES 16384
#define UNWIND_TEST_REGISTER_COUNT 17 /* the bits of DWARF_UNWIND_REGS_MASK */
#define UNWIND_TEST_MAX_FRAMES 128

/* A captured sample: registers in PERF_REG_X86_* bit order (AX BX CX DX SI
 * DI BP SP IP, then R8..R15) and the stack from SP up. */
struct unwind_test_sample {
    uint64_t regs[UNWIND_TEST_REGISTER_COUNT];
    uint8_t *stack; /* malloc'ed, stack_size bytes */
    size_t stack_size;
    int captured;
};

/* Writes the registers at this point of the calling function into regs;
 * IP is the address of the capture itself. */
#define UNWIND_TEST_CAPTURE_REGISTERS(regs)                                                        \
    __asm__ volatile("movq %%rax, 0(%0)\n\t"                                                       \
                     "movq %%rbx, 8(%0)\n\t"                                                       \
                     "movq %%rcx, 16(%0)\n\t"                                                      \
                     "movq %%rdx, 24(%0)\n\t"                                                      \
                     "movq %%rsi, 32(%0)\n\t"                                                      \
                     "movq %%rdi, 40(%0)\n\t"                                                      \
                     "movq %%rbp, 48(%0)\n\t"                                                      \
                     "movq %%rsp, 56(%0)\n\t"                                                      \
                     "1: leaq 1b(%%rip), %%rax\n\t"                                                \
                     "movq %%rax, 64(%0)\n\t"                                                      \
                     "movq %%r8, 72(%0)\n\t"                                                       \
                     "movq %%r9, 80(%0)\n\t"                                                       \
                     "movq %%r10, 88(%0)\n\t"                                                      \
                     "movq %%r11, 96(%0)\n\t"                                                      \
                     "movq %%r12, 104(%0)\n\t"                                                     \
                     "movq %%r13, 112(%0)\n\t"                                                     \
                     "movq %%r14, 120(%0)\n\t"                                                     \
                     "movq %%r15, 128(%0)\n\t"                                                     \
                     :                                                                             \
                     : "r"(regs)                                                                   \
                     : "rax", "memory")

static char *unwind_test_read_maps(void)
{
    FILE *file = fopen("/proc/self/maps", "r");
    cr_assert_not_null(file);
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

/* The end of the mapping holding address (the top of the stack). */
static uint64_t unwind_test_mapping_end(uint64_t address)
{
    char *maps = unwind_test_read_maps();
    uint64_t found = 0;
    for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
        uint64_t start, end;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && start <= address &&
            address < end)
            found = end;
    }
    free(maps);
    cr_assert_neq(found, 0, "no mapping holds the stack pointer");
    return found;
}

/* Copies size bytes of this thread's stack from sp. Not instrumented: the
 * callers' frames hold ASan's poisoned red zones, which the kernel's copy
 * does not care about either. */
__attribute__((no_sanitize_address, noinline)) static void
unwind_test_copy_stack(uint8_t *to, uint64_t sp, size_t size)
{
    const volatile uint8_t *from = (const volatile uint8_t *)(uintptr_t)sp;
    for (size_t i = 0; i < size; i++)
        to[i] = from[i];
}

/* Captures registers here and the stack above them into sample. */
__attribute__((noinline)) static void unwind_test_capture(struct unwind_test_sample *sample)
{
    uint64_t regs[UNWIND_TEST_REGISTER_COUNT];
    UNWIND_TEST_CAPTURE_REGISTERS(regs);
    uint64_t sp = regs[PERF_REG_X86_SP];
    uint64_t top = unwind_test_mapping_end(sp);
    size_t size = top - sp < UNWIND_TEST_STACK_BYTES ? (size_t)(top - sp) : UNWIND_TEST_STACK_BYTES;
    sample->stack = malloc(size);
    cr_assert_not_null(sample->stack);
    unwind_test_copy_stack(sample->stack, sp, size);
    sample->stack_size = size;
    memcpy(sample->regs, regs, sizeof regs);
    sample->captured = 1;
}

/* Adds every line of maps to the unwinder as pid's mappings; with
 * executable_only, only r-x ones (what perf's MMAP2 records carry). */
static void unwind_test_add_maps(struct dwarf_unwinder *unwinder, int pid, const char *maps,
                                 int executable_only)
{
    char *copy = strdup(maps);
    size_t added = 0;
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        uint64_t start, end, offset;
        char permissions[8];
        int path_at = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &start, &end,
                   permissions, &offset, &path_at) < 4 ||
            path_at == 0)
            continue;
        if (executable_only && permissions[2] != 'x')
            continue;
        dwarf_unwinder_add_mapping(unwinder, pid, start, end - start, offset, line + path_at);
        added++;
    }
    free(copy);
    cr_assert_gt(added, 3);
}

/* The function names of frames; callers' return addresses are looked up
 * one byte back (in their call instruction), as perf does. */
static char **unwind_test_names(struct symbolizer *symbolizer, const uint64_t *frames,
                                size_t count)
{
    char **names = calloc(count + 1, sizeof *names);
    for (size_t i = 0; i < count; i++) {
        struct symbol_info info;
        symbolizer_lookup(symbolizer, i == 0 ? frames[i] : frames[i] - 1, &info);
        names[i] = strdup(info.function ? info.function : "?");
    }
    return names;
}

static void unwind_test_free_names(char **names)
{
    for (size_t i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

static char *unwind_test_join(char **names)
{
    size_t length = 1;
    for (size_t i = 0; names[i]; i++)
        length += strlen(names[i]) + 1;
    char *joined = calloc(1, length);
    for (size_t i = 0; names[i]; i++) {
        strcat(joined, names[i]);
        strcat(joined, names[i + 1] ? ";" : "");
    }
    return joined;
}

/* The index of the first name at or after from that contains part, or -1. */
static long unwind_test_find(char **names, long from, const char *part)
{
    for (long i = from; names[i]; i++)
        if (strstr(names[i], part))
            return i;
    return -1;
}

/* ---- the qsort chain: libc without frame pointers ---- */

struct unwind_test_sort_state {
    struct unwind_test_sample *sample;
    int calls;
};

/* qsort's comparison function has no context argument. */
static struct unwind_test_sort_state *unwind_test_sort_current;

static int unwind_test_compare(const void *left, const void *right)
{
    /* Not the first calls: ASan's qsort interceptor first calls the
     * function itself on neighbours before it calls libc's qsort. */
    if (++unwind_test_sort_current->calls == 100) {
        void (*volatile capture)(struct unwind_test_sample *) = unwind_test_capture;
        capture(unwind_test_sort_current->sample);
    }
    int a = *(const int *)left, b = *(const int *)right;
    return (a > b) - (a < b);
}

__attribute__((noinline)) static int unwind_test_sort(struct unwind_test_sample *sample)
{
    int values[64];
    for (int i = 0; i < 64; i++)
        values[i] = (i * 37) % 64;
    struct unwind_test_sort_state state = {sample, 0};
    unwind_test_sort_current = &state;
    qsort(values, 64, sizeof values[0], unwind_test_compare);
    unwind_test_sort_current = NULL;
    return values[0] + values[63]; /* (not a tail call) */
}

__attribute__((noinline)) static int unwind_test_sort_caller(struct unwind_test_sample *sample)
{
    int (*volatile sort)(struct unwind_test_sample *) = unwind_test_sort;
    int result = sort(sample);
    return result + 1;
}

__attribute__((noinline)) static void
unwind_test_capture_in_qsort(struct unwind_test_sample *sample)
{
    memset(sample, 0, sizeof *sample);
    int (*volatile caller)(struct unwind_test_sample *) = unwind_test_sort_caller;
    cr_assert_eq(caller(sample), 64);
    cr_assert(sample->captured);
}

/* Unwinds sample with a copy of stack_size bytes: from the cached rules
 * (the default), then with libdwfl alone, which must agree frame for
 * frame. */
static size_t unwind_test_run(struct dwarf_unwinder *unwinder, int pid,
                              const struct unwind_test_sample *sample, size_t stack_size,
                              uint64_t *frames)
{
    uint8_t *stack = malloc(stack_size ? stack_size : 1);
    memcpy(stack, sample->stack, stack_size);
    uint64_t by_rules = dwarf_unwinder_stats(unwinder)->by_rules;
    size_t count = dwarf_unwind(unwinder, pid, DWARF_UNWIND_REGS_MASK, sample->regs, stack,
                                stack_size, frames, UNWIND_TEST_MAX_FRAMES);
    uint64_t by_libdwfl[UNWIND_TEST_MAX_FRAMES];
    dwarf_unwinder_use_rules(unwinder, 0);
    size_t libdwfl_count = dwarf_unwind(unwinder, pid, DWARF_UNWIND_REGS_MASK, sample->regs,
                                        stack, stack_size, by_libdwfl, UNWIND_TEST_MAX_FRAMES);
    dwarf_unwinder_use_rules(unwinder, 1);
    cr_assert_eq(count, libdwfl_count, "%zu frames from rules, %zu from libdwfl (copy %zu)",
                 count, libdwfl_count, stack_size);
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(frames[i], by_libdwfl[i], "frame %zu (copy %zu)", i, stack_size);
    /* This code's CFI has only the simple forms: no sample needs libdwfl. */
    if (count > 1)
        cr_assert_eq(dwarf_unwinder_stats(unwinder)->by_rules, by_rules + 1,
                     "the rules did not unwind this sample (copy %zu)", stack_size);
    free(stack);
    return count;
}

/* The chain's names must hold, in this order: the capture, the callback,
 * qsort's merge sort, qsort itself, and the caller chain of qsort. */
static void unwind_test_expect_qsort_chain(char **names)
{
    char *joined = unwind_test_join(names);
    cr_assert_str_eq(names[0], "unwind_test_capture", "%s", joined);
    cr_assert_str_eq(names[1], "unwind_test_compare", "%s", joined);
    long merge = unwind_test_find(names, 2, "msort_with_tmp");
    cr_assert_geq(merge, 2, "no msort_with_tmp in %s", joined);
    long sort = unwind_test_find(names, merge + 1, "qsort");
    cr_assert_gt(sort, merge, "no qsort after msort_with_tmp in %s", joined);
    long caller = unwind_test_find(names, sort + 1, "unwind_test_sort");
    cr_assert_gt(caller, sort, "%s", joined);
    cr_assert_str_eq(names[caller], "unwind_test_sort", "%s", joined);
    cr_assert_not_null(names[caller + 1], "%s", joined);
    cr_assert_str_eq(names[caller + 1], "unwind_test_sort_caller", "%s", joined);
    cr_assert_not_null(names[caller + 2], "%s", joined);
    cr_assert_str_eq(names[caller + 2], "unwind_test_capture_in_qsort", "%s", joined);
    free(joined);
}

Test(unwind, qsort_callback_chain_reaches_the_caller_of_qsort)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    int pid = getpid();
    unwind_test_add_maps(unwinder, pid, maps, 0);
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    size_t count = unwind_test_run(unwinder, pid, &sample, sample.stack_size, frames);
    cr_assert_gt(count, 6);
    cr_assert_eq(frames[0], sample.regs[PERF_REG_X86_IP]);

    struct symbolizer *symbolizer = symbolizer_create();
    symbolizer_add_maps_text(symbolizer, maps, strlen(maps));
    char **names = unwind_test_names(symbolizer, frames, count);
    unwind_test_expect_qsort_chain(names);
    unwind_test_free_names(names);

    /* A frame-pointer walk of the same copy stops in libc: the callback's
     * saved rbp is whatever msort_with_tmp kept in rbp. */
    uint64_t fp = sample.regs[PERF_REG_X86_BP];
    uint64_t sp = sample.regs[PERF_REG_X86_SP];
    int fp_reached_caller = 0;
    for (int depth = 0; depth < 64 && fp >= sp && fp + 16 <= sp + sample.stack_size; depth++) {
        uint64_t saved_fp, return_address;
        memcpy(&saved_fp, sample.stack + (fp - sp), 8);
        memcpy(&return_address, sample.stack + (fp - sp) + 8, 8);
        struct symbol_info info;
        if (symbolizer_lookup(symbolizer, return_address - 1, &info) &&
            strcmp(info.function, "unwind_test_sort") == 0)
            fp_reached_caller = 1;
        if (saved_fp <= fp)
            break;
        fp = saved_fp;
    }
    cr_assert_not(fp_reached_caller, "libc kept frame pointers: the test proves nothing");

    symbolizer_destroy(symbolizer);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

Test(unwind, executable_mappings_alone_as_mmap2_records_give_them)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 77, maps, 1);
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    size_t count = unwind_test_run(unwinder, 77, &sample, sample.stack_size, frames);
    struct symbolizer *symbolizer = symbolizer_create();
    symbolizer_add_maps_text(symbolizer, maps, strlen(maps));
    char **names = unwind_test_names(symbolizer, frames, count);
    unwind_test_expect_qsort_chain(names);
    unwind_test_free_names(names);
    symbolizer_destroy(symbolizer);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

/* Unwinds sample with every copy size from 0 to its whole copy: each
 * result must be a prefix of the whole copy's chain (cut, never continued
 * with garbage), at least the sampled IP, and never shorter with more copy. */
static void unwind_test_expect_prefixes(const struct unwind_test_sample *sample)
{
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 5, maps, 0);
    uint64_t full[UNWIND_TEST_MAX_FRAMES];
    size_t full_count = unwind_test_run(unwinder, 5, sample, sample->stack_size, full);
    cr_assert_gt(full_count, 5);
    size_t previous = 0;
    int shorter = 0;
    for (size_t size = 0; size <= sample->stack_size; size += size < 1024 ? 8 : 64) {
        uint64_t frames[UNWIND_TEST_MAX_FRAMES];
        size_t count = unwind_test_run(unwinder, 5, sample, size, frames);
        cr_assert_geq(count, 1, "size %zu", size);
        cr_assert_leq(count, full_count, "size %zu", size);
        for (size_t i = 0; i < count; i++)
            cr_assert_eq(frames[i], full[i], "size %zu frame %zu", size, i);
        cr_assert_geq(count, previous, "size %zu", size);
        previous = count;
        if (count < full_count)
            shorter = 1;
    }
    cr_assert(shorter);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
}

Test(unwind, truncated_copy_gives_a_prefix_of_the_chain)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    unwind_test_expect_prefixes(&sample);
    free(sample.stack);
}

Test(unwind, unknown_pid_missing_registers_and_max_frames)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    cr_assert_eq(unwind_test_run(unwinder, 4242, &sample, sample.stack_size, frames), 0);
    unwind_test_add_maps(unwinder, 4242, maps, 0);
    cr_assert_eq(unwind_test_run(unwinder, 4243, &sample, sample.stack_size, frames), 0);
    size_t full = unwind_test_run(unwinder, 4242, &sample, sample.stack_size, frames);
    cr_assert_gt(full, 6);

    uint64_t three[3];
    cr_assert_eq(dwarf_unwind(unwinder, 4242, DWARF_UNWIND_REGS_MASK, sample.regs, sample.stack,
                              sample.stack_size, three, 3),
                 3);
    cr_assert_arr_eq(three, frames, sizeof three);
    cr_assert_eq(dwarf_unwind(unwinder, 4242, DWARF_UNWIND_REGS_MASK, sample.regs, sample.stack,
                              sample.stack_size, three, 0),
                 0);
    /* Without IP nothing; without SP, only the IP. Registers of a smaller
     * mask are packed without the missing ones. */
    uint64_t packed[UNWIND_TEST_REGISTER_COUNT];
    uint64_t mask = DWARF_UNWIND_REGS_MASK & ~(1ULL << PERF_REG_X86_IP);
    size_t n = 0;
    for (unsigned bit = 0; bit < 64; bit++)
        if (mask & (1ULL << bit))
            packed[n++] = sample.regs[bit < 16 ? bit : bit - 7];
    cr_assert_eq(dwarf_unwind(unwinder, 4242, mask, packed, sample.stack, sample.stack_size,
                              frames, UNWIND_TEST_MAX_FRAMES),
                 0);
    mask = DWARF_UNWIND_REGS_MASK & ~(1ULL << PERF_REG_X86_SP);
    n = 0;
    for (unsigned bit = 0; bit < 64; bit++)
        if (mask & (1ULL << bit))
            packed[n++] = sample.regs[bit < 16 ? bit : bit - 7];
    cr_assert_eq(dwarf_unwind(unwinder, 4242, mask, packed, sample.stack, sample.stack_size,
                              frames, UNWIND_TEST_MAX_FRAMES),
                 1);
    cr_assert_eq(frames[0], sample.regs[PERF_REG_X86_IP]);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

Test(unwind, fork_copies_mappings_and_forget_drops_them)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    uint64_t expected[UNWIND_TEST_MAX_FRAMES], frames[UNWIND_TEST_MAX_FRAMES];
    unwind_test_add_maps(unwinder, 100, maps, 0);
    size_t count = unwind_test_run(unwinder, 100, &sample, sample.stack_size, expected);
    cr_assert_gt(count, 6);

    dwarf_unwinder_fork(unwinder, 100, 101);
    dwarf_unwinder_fork(unwinder, 999, 102); /* unknown parent: nothing */
    cr_assert_eq(unwind_test_run(unwinder, 102, &sample, sample.stack_size, frames), 0);
    dwarf_unwinder_forget(unwinder, 100);
    cr_assert_eq(unwind_test_run(unwinder, 100, &sample, sample.stack_size, frames), 0);
    cr_assert_eq(unwind_test_run(unwinder, 101, &sample, sample.stack_size, frames), count);
    cr_assert_arr_eq(frames, expected, count * sizeof *frames);
    /* Many processes: the table grows and keeps them all. */
    for (int pid = 200; pid < 400; pid++)
        dwarf_unwinder_fork(unwinder, 101, pid);
    cr_assert_eq(unwind_test_run(unwinder, 399, &sample, sample.stack_size, frames), count);
    cr_assert_eq(unwind_test_run(unwinder, 101, &sample, sample.stack_size, frames), count);
    for (int pid = 200; pid < 400; pid += 2)
        dwarf_unwinder_forget(unwinder, pid);
    cr_assert_eq(unwind_test_run(unwinder, 200, &sample, sample.stack_size, frames), 0);
    cr_assert_eq(unwind_test_run(unwinder, 201, &sample, sample.stack_size, frames), count);
    dwarf_unwinder_forget(unwinder, 101);
    dwarf_unwinder_forget(unwinder, 101);
    cr_assert_eq(unwind_test_run(unwinder, 101, &sample, sample.stack_size, frames), 0);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

/* Replacing libc's code with an anonymous mapping (a munmap + mmap the
 * unwinder is told about) invalidates the cached Dwfl: the chain then
 * stops in libc, before qsort's caller; mapping the file back restores
 * it. Holes and trims of a mapping keep the rest of it. */
Test(unwind, new_mapping_over_a_module_invalidates_it)
{
    struct unwind_test_sample sample;
    unwind_test_capture_in_qsort(&sample);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 9, maps, 0);
    uint64_t full[UNWIND_TEST_MAX_FRAMES], frames[UNWIND_TEST_MAX_FRAMES];
    size_t full_count = unwind_test_run(unwinder, 9, &sample, sample.stack_size, full);
    cr_assert_gt(full_count, 6);
    struct symbolizer *symbolizer = symbolizer_create();
    symbolizer_add_maps_text(symbolizer, maps, strlen(maps));
    /* The first frame in libc (msort_with_tmp). */
    size_t in_libc = 0;
    for (size_t i = 1; i < full_count && !in_libc; i++) {
        struct symbol_info info;
        symbolizer_lookup(symbolizer, full[i] - 1, &info);
        if (info.module && strstr(info.module, "/libc.so"))
            in_libc = i;
    }
    cr_assert_gt(in_libc, 0);
    /* libc's code mapping, as /proc/self/maps has it. */
    char *copy = strdup(maps);
    uint64_t code_start = 0, code_end = 0, code_offset = 0;
    char code_path[4096] = "";
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        uint64_t start, end, offset;
        int path_at = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &start, &end,
                   &offset, &path_at) >= 3 &&
            path_at > 0 && start <= full[in_libc] && full[in_libc] < end) {
            code_start = start, code_end = end, code_offset = offset;
            snprintf(code_path, sizeof code_path, "%s", line + path_at);
        }
    }
    free(copy);
    cr_assert_neq(code_end, 0);

    /* The whole mapping replaced: the chain ends at the first libc frame. */
    dwarf_unwinder_add_mapping(unwinder, 9, code_start, code_end - code_start, 0, "//anon");
    size_t count = unwind_test_run(unwinder, 9, &sample, sample.stack_size, frames);
    cr_assert_eq(count, in_libc + 1);
    cr_assert_arr_eq(frames, full, (in_libc + 1) * sizeof *frames);
    char **names = unwind_test_names(symbolizer, frames, count);
    cr_assert_eq(unwind_test_find(names, 0, "unwind_test_sort"), -1);
    unwind_test_free_names(names);

    /* libc mapped again: the whole chain again. */
    dwarf_unwinder_add_mapping(unwinder, 9, code_start, code_end - code_start, code_offset,
                               code_path);
    cr_assert_eq(unwind_test_run(unwinder, 9, &sample, sample.stack_size, frames), full_count);
    cr_assert_arr_eq(frames, full, full_count * sizeof *frames);

    /* A one-page hole punched where the frame is, then trims over both
     * ends of what surrounds it: the same cut, whatever is left around. */
    uint64_t page = full[in_libc] - 1 - ((full[in_libc] - 1) & 0xfff);
    dwarf_unwinder_add_mapping(unwinder, 9, page, 0x1000, 0, "[heap]");
    cr_assert_eq(unwind_test_run(unwinder, 9, &sample, sample.stack_size, frames), in_libc + 1);
    dwarf_unwinder_add_mapping(unwinder, 9, page - 0x1000, 0x2000, 0, "//anon");
    dwarf_unwinder_add_mapping(unwinder, 9, page, 0x2000, 0, "//anon");
    cr_assert_eq(unwind_test_run(unwinder, 9, &sample, sample.stack_size, frames), in_libc + 1);
    /* The page mapped back from the file at its own offset. */
    dwarf_unwinder_add_mapping(unwinder, 9, page - 0x1000, 0x3000,
                               code_offset + (page - 0x1000 - code_start), code_path);
    cr_assert_eq(unwind_test_run(unwinder, 9, &sample, sample.stack_size, frames), full_count);
    cr_assert_arr_eq(frames, full, full_count * sizeof *frames);
    symbolizer_destroy(symbolizer);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

/* ---- hand-written functions without frame pointers ----
 *
 * unwind_asm_outer(fn, arg) -> unwind_asm_middle -> unwind_asm_inner ->
 * fn(arg). outer saves rbp and rbx and points rbp at a decoy frame record
 * on its stack (saved rbp 0, return address unwind_asm_inner: what a
 * frame-pointer guess would report), middle has a 200-byte frame, inner
 * saves r12; each describes itself in CFI only. The return addresses are
 * labels, so the expected chain is exact. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl unwind_asm_outer\n"
        ".hidden unwind_asm_outer\n"
        ".type unwind_asm_outer, @function\n"
        "unwind_asm_outer:\n"
        ".cfi_startproc\n"
        "pushq %rbp\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %rbp, 0\n"
        "pushq %rbx\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %rbx, 0\n"
        "leaq unwind_asm_inner(%rip), %rbx\n"
        "pushq %rbx\n"
        ".cfi_adjust_cfa_offset 8\n"
        "pushq $0\n"
        ".cfi_adjust_cfa_offset 8\n"
        "movq %rsp, %rbp\n"
        "subq $8, %rsp\n"
        ".cfi_adjust_cfa_offset 8\n"
        "call unwind_asm_middle\n"
        ".globl unwind_asm_outer_return\n"
        ".hidden unwind_asm_outer_return\n"
        "unwind_asm_outer_return:\n"
        "addq $24, %rsp\n"
        ".cfi_adjust_cfa_offset -24\n"
        "popq %rbx\n"
        ".cfi_adjust_cfa_offset -8\n"
        ".cfi_restore %rbx\n"
        "popq %rbp\n"
        ".cfi_adjust_cfa_offset -8\n"
        ".cfi_restore %rbp\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size unwind_asm_outer, .-unwind_asm_outer\n"
        "\n"
        ".p2align 4\n"
        ".type unwind_asm_middle, @function\n"
        "unwind_asm_middle:\n"
        ".cfi_startproc\n"
        "subq $200, %rsp\n"
        ".cfi_adjust_cfa_offset 200\n"
        "call unwind_asm_inner\n"
        ".globl unwind_asm_middle_return\n"
        ".hidden unwind_asm_middle_return\n"
        "unwind_asm_middle_return:\n"
        "addq $200, %rsp\n"
        ".cfi_adjust_cfa_offset -200\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size unwind_asm_middle, .-unwind_asm_middle\n"
        "\n"
        ".p2align 4\n"
        ".type unwind_asm_inner, @function\n"
        "unwind_asm_inner:\n"
        ".cfi_startproc\n"
        "pushq %r12\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %r12, 0\n"
        "movq %rdi, %r12\n"
        "movq %rsi, %rdi\n"
        "call *%r12\n"
        ".globl unwind_asm_inner_return\n"
        ".hidden unwind_asm_inner_return\n"
        "unwind_asm_inner_return:\n"
        "popq %r12\n"
        ".cfi_adjust_cfa_offset -8\n"
        ".cfi_restore %r12\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size unwind_asm_inner, .-unwind_asm_inner\n");

void unwind_asm_outer(void (*fn)(struct unwind_test_sample *), struct unwind_test_sample *arg);
extern const char unwind_asm_outer_return[], unwind_asm_middle_return[],
    unwind_asm_inner_return[];

__attribute__((noinline)) static uint64_t unwind_test_asm_driver(struct unwind_test_sample *sample)
{
    unwind_asm_outer(unwind_test_capture, sample);
    return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

Test(unwind, chain_without_frame_pointers_has_the_exact_return_addresses)
{
    struct unwind_test_sample sample;
    memset(&sample, 0, sizeof sample);
    uint64_t (*volatile driver)(struct unwind_test_sample *) = unwind_test_asm_driver;
    driver(&sample);
    cr_assert(sample.captured);
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 3, maps, 0);
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    size_t count = unwind_test_run(unwinder, 3, &sample, sample.stack_size, frames);
    cr_assert_geq(count, 6);
    cr_assert_eq(frames[0], sample.regs[PERF_REG_X86_IP]);
    cr_assert_eq(frames[1], (uint64_t)(uintptr_t)unwind_asm_inner_return);
    cr_assert_eq(frames[2], (uint64_t)(uintptr_t)unwind_asm_middle_return);
    cr_assert_eq(frames[3], (uint64_t)(uintptr_t)unwind_asm_outer_return);
    struct symbolizer *symbolizer = symbolizer_create();
    symbolizer_add_maps_text(symbolizer, maps, strlen(maps));
    char **names = unwind_test_names(symbolizer, frames, count);
    char *joined = unwind_test_join(names);
    cr_assert_str_eq(names[0], "unwind_test_capture", "%s", joined);
    cr_assert_str_eq(names[1], "unwind_asm_inner", "%s", joined);
    cr_assert_str_eq(names[2], "unwind_asm_middle", "%s", joined);
    cr_assert_str_eq(names[3], "unwind_asm_outer", "%s", joined);
    cr_assert_str_eq(names[4], "unwind_test_asm_driver", "%s", joined);
    cr_assert_str_eq(names[5],
                     "unwind_chain_without_frame_pointers_has_the_exact_return_addresses_impl",
                     "%s", joined);
    free(joined);
    /* Cut copies never show the decoy. */
    unwind_test_expect_prefixes(&sample);
    unwind_test_free_names(names);
    symbolizer_destroy(symbolizer);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
    free(sample.stack);
}

/* ---- the vDSO ---- */

/* The address of the vDSO's function name in this process, 0 if absent. */
static uint64_t unwind_test_vdso_function(const char *name)
{
    const uint8_t *image = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
    if (!image)
        return 0;
    Elf64_Ehdr header;
    memcpy(&header, image, sizeof header);
    for (unsigned i = 0; i < header.e_shnum; i++) {
        Elf64_Shdr section;
        memcpy(&section, image + header.e_shoff + (uint64_t)i * header.e_shentsize,
               sizeof section);
        if (section.sh_type != SHT_DYNSYM)
            continue;
        Elf64_Shdr strings;
        memcpy(&strings, image + header.e_shoff + (uint64_t)section.sh_link * header.e_shentsize,
               sizeof strings);
        for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= section.sh_size; at += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol;
            memcpy(&symbol, image + section.sh_offset + at, sizeof symbol);
            if (strcmp((const char *)image + strings.sh_offset + symbol.st_name, name) == 0)
                return (uint64_t)(uintptr_t)image + symbol.st_value;
        }
    }
    return 0;
}

/* A sample at the first instruction of __vdso_clock_gettime: its CFI (in
 * the vDSO's .eh_frame) says the return address is at SP. */
Test(unwind, unwinds_out_of_the_vdso)
{
    uint64_t entry = unwind_test_vdso_function("__vdso_clock_gettime");
    if (!entry)
        cr_skip_test("no vDSO with __vdso_clock_gettime");
    char *maps = unwind_test_read_maps();
    cr_assert_not_null(strstr(maps, "[vdso]"));
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 8, maps, 0);
    uint64_t regs[UNWIND_TEST_REGISTER_COUNT] = {0};
    uint64_t return_address = (uint64_t)(uintptr_t)unwind_asm_inner_return;
    uint8_t stack[16] = {0};
    memcpy(stack, &return_address, 8);
    regs[PERF_REG_X86_IP] = entry;
    regs[PERF_REG_X86_SP] = 0x7ff000001000ULL; /* any: only the copy is read */
    uint64_t frames[8];
    size_t count = dwarf_unwind(unwinder, 8, DWARF_UNWIND_REGS_MASK, regs, stack, sizeof stack,
                                frames, 8);
    cr_assert_eq(count, 2);
    cr_assert_eq(frames[0], entry);
    cr_assert_eq(frames[1], return_address);
    /* Without the vDSO's mapping, the sampled IP is all there is. */
    struct dwarf_unwinder *without = dwarf_unwinder_create();
    dwarf_unwinder_add_mapping(without, 8, 0x400000, 0x1000, 0, "/nonexistent/file");
    cr_assert_eq(dwarf_unwind(without, 8, DWARF_UNWIND_REGS_MASK, regs, stack, sizeof stack,
                              frames, 8),
                 1);
    dwarf_unwinder_destroy(without);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
}

/* ---- an epilogue: registers popped, CFI still saying "saved" ----
 *
 * Compilers describe an epilogue's pops by the CFA's offset alone (glibc's
 * ____strtol_l_internal, for one): after `pop %r12` the row still says r12
 * is saved at CFA - 24, which is now below SP, outside any copy the kernel
 * makes. That register is lost; the chain must go on (perf's does). */
__asm__(".text\n"
        ".p2align 4\n"
        ".type unwind_asm_epilogue, @function\n"
        "unwind_asm_epilogue:\n"
        ".cfi_startproc\n"
        "pushq %rbx\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %rbx, 0\n"
        "pushq %r12\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %r12, 0\n"
        "popq %r12\n"
        ".cfi_adjust_cfa_offset -8\n"
        ".globl unwind_asm_epilogue_popped\n"
        ".hidden unwind_asm_epilogue_popped\n"
        "unwind_asm_epilogue_popped:\n"
        "popq %rbx\n"
        ".cfi_adjust_cfa_offset -8\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size unwind_asm_epilogue, .-unwind_asm_epilogue\n");

extern const char unwind_asm_epilogue_popped[];

/* Writes value at offset of a hand-made stack copy. */
static void unwind_test_put(uint8_t *stack, size_t offset, uint64_t value)
{
    memcpy(stack + offset, &value, sizeof value);
}

Test(unwind, epilogue_after_a_pop_goes_on_without_the_popped_register)
{
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 12, maps, 0);
    /* The stack from SP: rbx (CFA - 16), the return address into
     * unwind_asm_inner; its frame: r12, the return address into
     * unwind_asm_middle; its 200 bytes, the return address into
     * unwind_asm_outer; its 40 bytes, then 0 (the end). */
    struct unwind_test_sample sample;
    memset(&sample, 0, sizeof sample);
    sample.stack_size = 288;
    sample.stack = calloc(1, sample.stack_size);
    unwind_test_put(sample.stack, 0, 0x1111);
    unwind_test_put(sample.stack, 8, (uint64_t)(uintptr_t)unwind_asm_inner_return);
    unwind_test_put(sample.stack, 16, 0x2222);
    unwind_test_put(sample.stack, 24, (uint64_t)(uintptr_t)unwind_asm_middle_return);
    unwind_test_put(sample.stack, 232, (uint64_t)(uintptr_t)unwind_asm_outer_return);
    sample.regs[PERF_REG_X86_IP] = (uint64_t)(uintptr_t)unwind_asm_epilogue_popped;
    sample.regs[PERF_REG_X86_SP] = 0x7ff000010000ULL;
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    /* unwind_test_run: the rules and libdwfl agree, and the rules did it. */
    size_t count = unwind_test_run(unwinder, 12, &sample, sample.stack_size, frames);
    cr_assert_eq(count, 4, "%zu frames", count);
    cr_assert_eq(frames[0], (uint64_t)(uintptr_t)unwind_asm_epilogue_popped);
    cr_assert_eq(frames[1], (uint64_t)(uintptr_t)unwind_asm_inner_return);
    cr_assert_eq(frames[2], (uint64_t)(uintptr_t)unwind_asm_middle_return);
    cr_assert_eq(frames[3], (uint64_t)(uintptr_t)unwind_asm_outer_return);
    /* A copy that ends inside the first caller's frame still cuts there. */
    cr_assert_eq(unwind_test_run(unwinder, 12, &sample, 16, frames), 2);
    dwarf_unwinder_destroy(unwinder);
    free(sample.stack);
    free(maps);
}

/* ---- PLT stubs: the linker's CFA expression ----
 *
 * The .plt section's CFI (written by ld) computes the CFA from rip: SP + 8
 * in a stub until it pushed the relocation index (at offset 11 of a
 * 16-byte entry), SP + 16 after. A sample in a stub is common (every call
 * into a shared library goes through one). */

/* The runtime address and size of this program's .plt, 0 when it has
 * none. */
static uint64_t unwind_test_plt(uint64_t *size)
{
    FILE *file = fopen("/proc/self/exe", "rb");
    cr_assert_not_null(file);
    Elf64_Ehdr header;
    cr_assert_eq(fread(&header, sizeof header, 1, file), 1);
    Elf64_Shdr *sections = calloc(header.e_shnum, sizeof *sections);
    cr_assert_eq(fseek(file, (long)header.e_shoff, SEEK_SET), 0);
    cr_assert_eq(fread(sections, sizeof *sections, header.e_shnum, file), header.e_shnum);
    const Elf64_Shdr *names = &sections[header.e_shstrndx];
    char *text = malloc(names->sh_size);
    cr_assert_eq(fseek(file, (long)names->sh_offset, SEEK_SET), 0);
    cr_assert_eq(fread(text, 1, names->sh_size, file), names->sh_size);
    uint64_t address = 0;
    for (unsigned i = 0; i < header.e_shnum; i++)
        if (sections[i].sh_name < names->sh_size && strcmp(text + sections[i].sh_name, ".plt") == 0) {
            address = sections[i].sh_addr;
            *size = sections[i].sh_size;
        }
    free(text);
    free(sections);
    fclose(file);
    if (!address)
        return 0;
    /* The load bias, from the program headers the kernel mapped. */
    const Elf64_Phdr *program = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long count = getauxval(AT_PHNUM);
    for (unsigned long i = 0; program && i < count; i++)
        if (program[i].p_type == PT_PHDR)
            return address + ((uint64_t)(uintptr_t)program - program[i].p_vaddr);
    return 0;
}

/* A stand-in for a PLT entry with ld's CFA expression (the real .plt of
 * this program is tested too when it has one): 16 bytes at a 16-byte
 * boundary, DW_CFA_def_cfa_expression (DW_OP_breg7 8; DW_OP_breg16 0;
 * DW_OP_lit15; DW_OP_and; DW_OP_lit11; DW_OP_ge; DW_OP_lit3; DW_OP_shl;
 * DW_OP_plus). Never executed. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl unwind_asm_plt_entry\n"
        ".hidden unwind_asm_plt_entry\n"
        ".type unwind_asm_plt_entry, @function\n"
        "unwind_asm_plt_entry:\n"
        ".cfi_startproc\n"
        ".cfi_escape 0x0f, 11, 0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22\n"
        ".fill 16, 1, 0x90\n"
        ".cfi_endproc\n"
        ".size unwind_asm_plt_entry, .-unwind_asm_plt_entry\n");

extern const char unwind_asm_plt_entry[];

/* Samples at offsets 0 and 6 (SP + 8) and 11 (SP + 16: the index pushed)
 * of the entry at entry; each unwinds to the return address above. */
static void unwind_test_plt_entry(struct dwarf_unwinder *unwinder, int pid, uint64_t entry)
{
    /* Above the stub's part: the return address into unwind_asm_middle,
     * its 200 bytes, then 0 (the end). */
    uint64_t middle_return = (uint64_t)(uintptr_t)unwind_asm_middle_return;
    struct {
        unsigned offset;
        size_t pushed; /* bytes the stub pushed */
    } cases[] = {{0, 0}, {6, 0}, {11, 8}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct unwind_test_sample sample;
        memset(&sample, 0, sizeof sample);
        sample.stack_size = cases[c].pushed + 8 + 200 + 8;
        sample.stack = calloc(1, sample.stack_size);
        if (cases[c].pushed)
            unwind_test_put(sample.stack, 0, 5); /* the relocation index */
        unwind_test_put(sample.stack, cases[c].pushed, middle_return);
        sample.regs[PERF_REG_X86_IP] = entry + cases[c].offset;
        sample.regs[PERF_REG_X86_SP] = 0x7ff000020000ULL;
        uint64_t frames[UNWIND_TEST_MAX_FRAMES];
        size_t count = unwind_test_run(unwinder, pid, &sample, sample.stack_size, frames);
        cr_assert_eq(count, 2, "entry %#" PRIx64 " + %u: %zu frames", entry, cases[c].offset,
                     count);
        cr_assert_eq(frames[0], entry + cases[c].offset);
        cr_assert_eq(frames[1], middle_return, "entry %#" PRIx64 " + %u", entry,
                     cases[c].offset);
        free(sample.stack);
    }
}

Test(unwind, plt_stub_cfa_expression)
{
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 13, maps, 0);
    unwind_test_plt_entry(unwinder, 13, (uint64_t)(uintptr_t)unwind_asm_plt_entry);
    /* This program's own .plt (its second entry: the first is the
     * resolver's), when the linker made one. */
    uint64_t plt_size = 0, plt = unwind_test_plt(&plt_size);
    if (plt && plt_size >= 32)
        unwind_test_plt_entry(unwinder, 13, plt + 16);
    dwarf_unwinder_destroy(unwinder);
    free(maps);
}

/* ---- a return address below SP ----
 *
 * A frame whose CFA is rbp-based, sampled with an rbp below SP (a
 * corrupted or foreign register value): its return address would be read
 * below SP, where the copy has nothing. The popped-register rule above
 * must not turn that into a frame: the chain ends at the sampled IP, in
 * both paths (libdwfl must not guess a caller either). With a sane rbp the
 * same function unwinds. */
__asm__(".text\n"
        ".p2align 4\n"
        ".type unwind_asm_framed, @function\n"
        "unwind_asm_framed:\n"
        ".cfi_startproc\n"
        "pushq %rbp\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".cfi_rel_offset %rbp, 0\n"
        "movq %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        ".globl unwind_asm_framed_body\n"
        ".hidden unwind_asm_framed_body\n"
        "unwind_asm_framed_body:\n"
        "nop\n"
        "popq %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size unwind_asm_framed, .-unwind_asm_framed\n");

extern const char unwind_asm_framed_body[];

Test(unwind, return_address_below_sp_ends_the_chain)
{
    char *maps = unwind_test_read_maps();
    struct dwarf_unwinder *unwinder = dwarf_unwinder_create();
    unwind_test_add_maps(unwinder, 14, maps, 0);
    uint64_t sp = 0x7ff000030000ULL;
    /* From SP: the saved rbp, the return address into unwind_asm_middle,
     * its 200 bytes, then 0. */
    struct unwind_test_sample sample;
    memset(&sample, 0, sizeof sample);
    sample.stack_size = 8 + 8 + 200 + 8;
    sample.stack = calloc(1, sample.stack_size);
    unwind_test_put(sample.stack, 8, (uint64_t)(uintptr_t)unwind_asm_middle_return);
    sample.regs[PERF_REG_X86_IP] = (uint64_t)(uintptr_t)unwind_asm_framed_body;
    sample.regs[PERF_REG_X86_SP] = sp;
    uint64_t frames[UNWIND_TEST_MAX_FRAMES];
    sample.regs[PERF_REG_X86_BP] = sp;
    cr_assert_eq(unwind_test_run(unwinder, 14, &sample, sample.stack_size, frames), 2);
    cr_assert_eq(frames[1], (uint64_t)(uintptr_t)unwind_asm_middle_return);
    sample.regs[PERF_REG_X86_BP] = sp - 64; /* the return address at SP - 56 */
    cr_assert_eq(unwind_test_run(unwinder, 14, &sample, sample.stack_size, frames), 1);
    sample.regs[PERF_REG_X86_BP] = sp - 8; /* at SP: the copy's first word, 0 */
    cr_assert_eq(unwind_test_run(unwinder, 14, &sample, sample.stack_size, frames), 1);
    dwarf_unwinder_destroy(unwinder);
    free(sample.stack);
    free(maps);
}
