/* kallsyms.h — kernel symbols from /proc/kallsyms (or perf's copy of it),
 * named as perf names kernel frames when it has no vmlinux.
 *
 * perf keeps the text, weak, data and bss symbols of the kernel proper
 * (module symbols, "name\t[module]", are dropped when it cannot map their
 * module), sizes each up to the next symbol and then, of several names at
 * one address, keeps the one that got a size: the last one listed. So a
 * lookup is: the last kept line whose address is <= the address, holding
 * it when the next kept line (with a higher address) starts above it, or,
 * for the last symbol, within the page after its own.
 *
 * Design: kallsyms is listed in address order, so nothing is parsed up
 * front but one pass noting where each kept line starts (4 bytes a line);
 * lookups binary-search those lines, reading addresses from the text. A
 * regular file is mapped, not read. If the lines are not in order after
 * all, they are sorted once (address, then file order).
 *
 * Ownership: the index owns its text (or mapping) and line array.
 */
#ifndef EMBER_KALLSYMS_H
#define EMBER_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct kallsyms {
    const char *text;
    size_t length;
    char *owned_text;     /* malloc'ed text, or NULL */
    void *mapping;        /* mapped file, or NULL */
    size_t mapping_length;
    uint32_t *lines;      /* offsets of the kept lines, by address */
    size_t count;
};

/* Indexes a copy of text. Returns the number of symbols, 0 when every
 * address is zero (kptr_restrict hides them) or none is kept. */
size_t kallsyms_parse(struct kallsyms *kallsyms, const char *text, size_t length);
/* Reads (a regular file: maps) path. Returns the count as above, 0 when
 * unreadable. */
size_t kallsyms_load(struct kallsyms *kallsyms, const char *path);
void kallsyms_free(struct kallsyms *kallsyms);

/* The symbol holding address: its name (not NUL-terminated: *name_length
 * bytes) and the address's offset in it. Returns 1, or 0 when none. */
int kallsyms_lookup(const struct kallsyms *kallsyms, uint64_t address, const char **name,
                    size_t *name_length, uint64_t *offset);
/* The address of the first symbol named name; 1 when found. */
int kallsyms_find_name(const struct kallsyms *kallsyms, const char *name, uint64_t *address);

#endif
