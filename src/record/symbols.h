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

/* ---- Files shared between processes, named as perf names them ----
 *
 * For the perf record session (src/record/session.c): each ELF file is
 * opened once however many processes map it (files are the same when
 * their device and inode are), and its symbols are read as perf reads
 * them (symbol_table.h): the .symtab of its debug file (/usr/lib/debug/
 * .build-id/xx/rest.debug, then .gnu_debuglink's name in the file's
 * directory, its .debug/ and /usr/lib/debug/DIR/), else its own .symtab,
 * else .dynsym; FUNC, IFUNC, OBJECT and visible NOTYPE symbols, demangled,
 * at file offsets (st_value less the section's address minus its offset,
 * perf's "adjusted" symbols), plus "name@plt" for PLT entries. Lookups are
 * by offset in the file (address - mapping start + mapping offset), which
 * is also the address perf script prints for user frames.
 */
struct symbol_file_cache;
struct symbol_file;

struct symbol_file_cache *symbol_file_cache_create(void);
/* Frees every file and name; NULL is allowed. */
void symbol_file_cache_destroy(struct symbol_file_cache *cache);

/* A mapped file's identity as the kernel records it (MMAP2's maj, min,
 * ino; /proc/PID/maps' device and inode columns): the same path in two
 * mount namespaces (containers) can be two different files. */
struct symbol_file_identity {
    uint32_t major, minor;
    uint64_t inode;
};

/* The file mapped as path; open_path is where to read it (path itself,
 * or /proc/PID/root/path for a live process in another mount namespace).
 * keep_open: open it now (a short-lived process's files vanish with its
 * /proc entry), else on the first lookup. build_id (may be NULL) is the
 * id the kernel or perf.data recorded, used to find debug info. Files are
 * the same when their build ids are (both known), else when their
 * recorded identities are (identity may be NULL: unknown), else when
 * open_path's device and inode are (stat), else when a file of the same
 * path was opened before (its process is gone). Never NULL: a file that
 * cannot be read simply has no symbols. */
struct symbol_file *symbol_file_cache_get(struct symbol_file_cache *cache, const char *path,
                                          const char *open_path, int keep_open,
                                          const uint8_t *build_id, size_t build_id_size,
                                          const struct symbol_file_identity *identity);
/* The kernel's vDSO image of this machine (the [vdso] mapping), read from
 * ember's own process; NULL when it cannot be found. */
struct symbol_file *symbol_file_cache_vdso(struct symbol_file_cache *cache);

/* The function holding file_offset (name demangled, valid until the
 * cache is destroyed) and the offset into it; NULL when none does. */
const char *symbol_file_lookup(struct symbol_file *file, uint64_t file_offset,
                               uint64_t *symbol_offset);

/* Demangles a C++ or Rust symbol (without parameters). Returns a malloc'ed
 * string, or NULL when name is not a mangled name. */
char *symbol_demangle(const char *name);

#endif
