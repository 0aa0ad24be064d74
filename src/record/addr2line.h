/* addr2line.h — the inlined-function levels binutils' addr2line gives for
 * an address of an ELF file, asked of one long-running `addr2line -a -i -f
 * -e FILE` process per file, exactly as perf 6.1 (built without libbfd)
 * asks it when it expands DWARF-unwound callchain entries. Using the same
 * tool is what makes the names equal to perf script's: binutils picks
 * among aliases (__GI___qsort_r, __memcpy_...) in ways DWARF alone does
 * not say.
 *
 * Ownership: the runner owns its processes (ended and reaped by
 * addr2line_runner_destroy) and the returned strings (valid until the
 * next lookup).
 */
#ifndef EMBER_ADDR2LINE_H
#define EMBER_ADDR2LINE_H

#include <stddef.h>
#include <stdint.h>

struct addr2line_runner;

/* NULL when no addr2line program is found on PATH. */
struct addr2line_runner *addr2line_runner_create(void);
void addr2line_runner_destroy(struct addr2line_runner *runner);

/* The function names for address in path, innermost first (one per
 * inlining level; "??" where addr2line knows no name). Returns the count,
 * 0 when addr2line knows nothing of the address (or cannot run). */
size_t addr2line_lookup(struct addr2line_runner *runner, const char *path, uint64_t address,
                        const char *const **names);

#endif
