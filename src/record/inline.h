/* inline.h — expands a code address of an ELF file into its chain of inlined
 * functions with DWARF (libdw), for `ember collapse --inline`.
 *
 * This is what stackcollapse-perf.pl gets from `addr2line -a PC -e DSO -i -f
 * -s -C` (falling back to the symbol's address from `nm` plus the offset
 * perf printed when PC is not an address of the file), done in-process:
 * no process is spawned per address and each (file, address) is looked up
 * once.
 *
 * The result is a list of frame names, outermost (the real function) first,
 * innermost (the code at the address) last; with context each name is
 * followed by ":file:line" (base name of the file) as addr2line prints it:
 * the address's own line for the innermost, the call site for the others.
 */
#ifndef EMBER_INLINE_H
#define EMBER_INLINE_H

#include <stddef.h>
#include <stdint.h>

struct inline_resolver;

/* with_context: add ":file:line" to each name (--context). */
struct inline_resolver *inline_resolver_create(int with_context);
/* Frees the resolver and every name it returned; NULL is allowed. */
void inline_resolver_destroy(struct inline_resolver *resolver);

/* Looks up address in the ELF file module_path (not NUL-terminated). symbol
 * is what perf printed for the frame ("name+0x1f" or "name"), used when the
 * address is not one of the file's. Returns the number of frames and points
 * *names / *lengths at them (owned by the resolver, valid until the next
 * call); 0 when nothing is known, the caller then keeps perf's symbol. A file
 * that cannot be read is reported once on stderr. */
size_t inline_resolver_lookup(struct inline_resolver *resolver, const char *module_path,
                              size_t module_length, uint64_t address, const char *symbol,
                              size_t symbol_length, const char *const **names,
                              const size_t **lengths);

#endif
