/* unwind.h — DWARF unwinding of user stacks copied by the kernel with each
 * perf sample (PERF_SAMPLE_REGS_USER + PERF_SAMPLE_STACK_USER), for `ember
 * record` and perf.data readers: the call chain through code without frame
 * pointers (Debian's libc), from .eh_frame / .debug_frame CFI via libdwfl.
 *
 * Design: one unwinder holds a table of processes keyed by pid. Each process
 * has its list of file mappings (as MMAP2 records or /proc/PID/maps give
 * them) and, built lazily on its first unwind and kept until its mappings
 * change, a libdwfl session (Dwfl) with one module per mapped ELF file at
 * that mapping's load bias. A sample is unwound by attaching the sample's
 * registers and stack copy to that Dwfl as the state of a thread: memory
 * inside [SP, SP + stack_size) is read from the copy, other addresses from
 * the mapped files' contents; anything else ends the chain. Frames whose
 * CFI has the usual simple forms are stepped from rules cached per address
 * (unwind_rules.h) instead, an order of magnitude faster, to the same
 * result.
 *
 * x86_64 only. Nothing here reads the target process's memory.
 */
#ifndef EMBER_UNWIND_H
#define EMBER_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include <asm/perf_regs.h>

/* The registers a sampler requests with PERF_SAMPLE_REGS_USER (attr
 * sample_regs_user): the 16 general-purpose registers and the instruction
 * pointer, which is everything x86_64 CFI refers to. */
#define DWARF_UNWIND_REGS_MASK                                                         \
    ((1ULL << PERF_REG_X86_AX) | (1ULL << PERF_REG_X86_BX) | (1ULL << PERF_REG_X86_CX) | \
     (1ULL << PERF_REG_X86_DX) | (1ULL << PERF_REG_X86_SI) | (1ULL << PERF_REG_X86_DI) | \
     (1ULL << PERF_REG_X86_BP) | (1ULL << PERF_REG_X86_SP) | (1ULL << PERF_REG_X86_IP) | \
     (1ULL << PERF_REG_X86_R8) | (1ULL << PERF_REG_X86_R9) | (1ULL << PERF_REG_X86_R10) | \
     (1ULL << PERF_REG_X86_R11) | (1ULL << PERF_REG_X86_R12) |                           \
     (1ULL << PERF_REG_X86_R13) | (1ULL << PERF_REG_X86_R14) |                           \
     (1ULL << PERF_REG_X86_R15))

struct dwarf_unwinder;

/* Returns NULL only when out of memory. */
struct dwarf_unwinder *dwarf_unwinder_create(void);
/* Frees the unwinder and every process it knows; NULL is allowed. */
void dwarf_unwinder_destroy(struct dwarf_unwinder *unwinder);

/* Records that pid maps [start, start + length) from path at file_offset
 * (an MMAP2 record, or a line of /proc/PID/maps). path is copied. Mappings
 * of non-files ("[heap]", "//anon", "") are ignored except "[vdso]", which
 * is read from this process's own vDSO (the kernel maps the same one into
 * every process). A mapping overlapping earlier ones replaces them. */
void dwarf_unwinder_add_mapping(struct dwarf_unwinder *unwinder, int pid, uint64_t start,
                                uint64_t length, uint64_t file_offset, const char *path);
/* child_pid starts with a copy of parent_pid's mappings (a FORK record of a
 * new process, not of a thread). */
void dwarf_unwinder_fork(struct dwarf_unwinder *unwinder, int parent_pid, int child_pid);
/* Drops everything known about pid (its exec, or its exit). */
void dwarf_unwinder_forget(struct dwarf_unwinder *unwinder, int pid);

/* Unwinds one sample of pid. regs: the values of the registers set in
 * regs_mask, in PERF_REG_X86_* bit order (as PERF_SAMPLE_REGS_USER lays
 * them out); the unwind needs at least IP, SP and those of
 * DWARF_UNWIND_REGS_MASK the code's CFI uses. stack: stack_size bytes
 * copied from the SP register's value up (the sample's dyn_size).
 * Writes at most max_frames addresses: frames[0] = the sampled IP, then the
 * return addresses of the callers outward (not minus one; see the design
 * note in docs/DESIGN.md for what perf script prints). Stops at the last
 * frame it can unwind: outside the stack copy, in a file that is not
 * mapped, or at the outermost frame. Returns the count, 0 when nothing
 * could be unwound (unknown pid, no IP). */
size_t dwarf_unwind(struct dwarf_unwinder *unwinder, int pid, uint64_t regs_mask,
                    const uint64_t *regs, const uint8_t *stack, size_t stack_size,
                    uint64_t *frames, size_t max_frames);

/* With enabled (the default), frames whose CFI has the usual simple forms
 * are unwound from rules cached per process (src/record/unwind_rules.c),
 * and a sample goes to libdwfl only when one of its frames has another
 * form; 0 makes every sample go to libdwfl. Same frames either way (the
 * unit tests compare them); the cache is several times faster. */
void dwarf_unwinder_use_rules(struct dwarf_unwinder *unwinder, int enabled);

/* How the samples given to dwarf_unwind went (for diagnostics and tests). */
struct dwarf_unwind_stats {
    uint64_t samples;      /* calls that found the pid and its IP */
    uint64_t by_rules;     /* unwound entirely from cached rules */
    uint64_t by_libdwfl;   /* handed to libdwfl */
};
const struct dwarf_unwind_stats *dwarf_unwinder_stats(const struct dwarf_unwinder *unwinder);

#endif
