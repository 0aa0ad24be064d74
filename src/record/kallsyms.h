/* kallsyms.h — kernel symbols from /proc/kallsyms, named as perf names
 * kernel frames when it has no vmlinux: every text, weak, data and bss
 * symbol of the kernel proper (module symbols, "name\t[module]", are left
 * out: perf drops them when it cannot map their module), sized up to the
 * next symbol, aliases resolved with perf's rules (symbol_table.h).
 */
#ifndef EMBER_KALLSYMS_H
#define EMBER_KALLSYMS_H

#include "symbol_table.h"

#include <stddef.h>

/* Fills table (initialised by the caller) from kallsyms text. Returns the
 * number of symbols, 0 when every address is zero (kptr_restrict hides
 * them). The table is finished. */
size_t kallsyms_parse(struct symbol_table *table, const char *text, size_t length);

/* Reads and parses path (normally /proc/kallsyms). Returns the count as
 * above, 0 when unreadable. */
size_t kallsyms_load(struct symbol_table *table, const char *path);

#endif
