/* python_elf.h — what the CPython reader needs from an ELF file mapped in
 * the target: symbol values by name (.dynsym, then .symtab), the
 * difference between its link-time and run-time addresses, the run-time
 * ranges of some sections, the libraries it needs, and version strings
 * in its read-only data. */
#ifndef EMBER_PYTHON_ELF_H
#define EMBER_PYTHON_ELF_H

#include <stddef.h>
#include <stdint.h>

struct python_elf;

/* Opens path (read through open_path). NULL if it is not a readable ELF
 * file; *error_number then holds errno (0 when the file is not ELF). */
struct python_elf *python_elf_open(const char *open_path, int *error_number);
void python_elf_close(struct python_elf *elf);

/* Looks up count names at once (.dynsym through its .gnu.hash table, or
 * one pass when it has none; then one pass over .symtab for the rest):
 * values[i] = the address of names[i] in the file, 0 when
 * absent. The .symtab pass is skipped when names[0] is in .dynsym: a file
 * that exports it exports the others it has (a large .symtab costs a
 * millisecond to scan for names that are not there). */
void python_elf_symbols(struct python_elf *elf, const char *const *names, uint64_t *values, size_t count);

/* The load bias of the file given one of its mappings (start address and
 * file offset): run-time address = link-time address + bias. Returns 0
 * and sets *bias, or -1 when no PT_LOAD segment holds that offset. */
int python_elf_load_bias(struct python_elf *elf, uint64_t map_start, uint64_t map_offset,
                         uint64_t *bias);

/* The link-time address and size of the named section; 0 when found. */
int python_elf_section(struct python_elf *elf, const char *name, uint64_t *address, uint64_t *size);

/* 1 if a DT_NEEDED entry of the file contains fragment. */
int python_elf_needs(struct python_elf *elf, const char *fragment);

/* Finds in .rodata a NUL-delimited version string "MAJOR.MINOR.PATCH..."
 * with the given major and (when minor >= 0) minor, e.g. "3.9.18" or
 * "2.7.18"; copies it into out. 0 when found. */
int python_elf_find_version_string(struct python_elf *elf, int major, int minor, char *out,
                                   size_t out_size);

#endif
