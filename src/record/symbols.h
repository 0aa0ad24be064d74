/* symbols.h — an ELF symbolizer for code addresses of a process, given its
 * memory mappings (the text of /proc/PID/maps, which gperftools' profiles
 * carry), for readers of formats that record raw addresses.
 *
 * An address is located in its mapping, turned into an offset in the mapped
 * file, then into the file's own virtual address through its PT_LOAD
 * program headers; the ELF symbol containing it (libdwfl: .symtab, else the
 * .symtab of separate debug info from /usr/lib/debug/.build-id or
 * .gnu_debuglink, else .dynsym) gives the function name, demangled (C++ and
 * Rust, libiberty's cplus_demangle, without parameter lists as perf and
 * pprof print them).
 *
 * Each file is opened once and each address looked up once. Files that
 * cannot be read (another machine's profile) leave their addresses
 * unnamed; the caller names those frames by address.
 */
#ifndef EMBER_SYMBOLS_H
#define EMBER_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symbolizer;

struct symbol_info {
    const char *function; /* demangled name, NULL when unknown */
    const char *module;   /* path of the mapped file, NULL outside every mapping */
    uint64_t module_offset; /* address - mapping start + mapping's file offset */
};

struct symbolizer *symbolizer_create(void);
/* Frees the symbolizer and every string it returned; NULL is allowed. */
void symbolizer_destroy(struct symbolizer *symbolizer);

/* Adds one mapping of path (not NUL-terminated) at [start, end) with the
 * given offset into the file. */
void symbolizer_add_mapping(struct symbolizer *symbolizer, uint64_t start, uint64_t end,
                            uint64_t offset, const char *path, size_t path_length);
/* Adds the mappings of /proc/PID/maps text ("start-end perms offset dev
 * inode path" lines); lines that are not mappings, and mappings without a
 * path, are ignored. Returns the number of mappings added. */
size_t symbolizer_add_maps_text(struct symbolizer *symbolizer, const char *text, size_t length);
size_t symbolizer_mapping_count(const struct symbolizer *symbolizer);

/* Describes address; the strings stay valid until symbolizer_destroy().
 * Returns 1 when a function name was found, 0 otherwise (info still says
 * which module, if any). */
int symbolizer_lookup(struct symbolizer *symbolizer, uint64_t address, struct symbol_info *info);

/* Demangles a C++ or Rust symbol (without parameters). Returns a malloc'ed
 * string, or NULL when name is not a mangled name. */
char *symbol_demangle(const char *name);

#endif
