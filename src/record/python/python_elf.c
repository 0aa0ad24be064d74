/* python_elf.c — ELF facts for the CPython reader, read with libelf (see
 * python_elf.h). */
#include "python_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct python_elf {
    int fd;
    Elf *elf;
};

struct python_elf *python_elf_open(const char *open_path, int *error_number)
{
    *error_number = 0;
    if (elf_version(EV_CURRENT) == EV_NONE) return NULL;
    int fd = open(open_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *error_number = errno;
        return NULL;
    }
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64) {
        if (elf) elf_end(elf);
        close(fd);
        return NULL;
    }
    struct python_elf *result = calloc(1, sizeof *result);
    if (!result) {
        elf_end(elf);
        close(fd);
        *error_number = ENOMEM;
        return NULL;
    }
    result->fd = fd;
    result->elf = elf;
    return result;
}

void python_elf_close(struct python_elf *elf)
{
    if (!elf) return;
    elf_end(elf->elf);
    close(elf->fd);
    free(elf);
}

/* A symbol table and its strings, as libelf holds them in memory (the
 * symbols already in this machine's layout: only 64-bit files are opened). */
struct symbol_table {
    const Elf64_Sym *symbols;
    size_t count;
    const char *strings;
    size_t strings_size;
};

static int next_symbol_table(Elf *elf, Elf64_Word type, Elf_Scn **section, struct symbol_table *table)
{
    while ((*section = elf_nextscn(elf, *section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(*section, &header) || header.sh_type != type ||
            header.sh_entsize != sizeof(Elf64_Sym))
            continue;
        Elf_Data *data = elf_getdata(*section, NULL);
        Elf_Scn *string_section = elf_getscn(elf, header.sh_link);
        Elf_Data *strings = string_section ? elf_getdata(string_section, NULL) : NULL;
        if (!data || data->d_type != ELF_T_SYM || !data->d_buf || !strings || !strings->d_buf ||
            strings->d_size == 0 || ((const char *)strings->d_buf)[strings->d_size - 1] != '\0')
            continue; /* a string table must end with its last string's terminator */
        table->symbols = data->d_buf;
        table->count = data->d_size / sizeof(Elf64_Sym);
        table->strings = strings->d_buf;
        table->strings_size = strings->d_size;
        return 1;
    }
    return 0;
}

/* The name of a defined symbol with a value, or NULL. */
static const char *symbol_name(const struct symbol_table *table, const Elf64_Sym *symbol)
{
    if (symbol->st_value == 0 || symbol->st_shndx == SHN_UNDEF || symbol->st_name >= table->strings_size)
        return NULL;
    return table->strings + symbol->st_name;
}

/* The GNU hash of a symbol name (the .gnu.hash section's function). */
static uint32_t gnu_hash(const char *name)
{
    uint32_t hash = 5381;
    for (const unsigned char *at = (const unsigned char *)name; *at; at++) hash = hash * 33 + *at;
    return hash;
}

/* Looks names up in the .gnu.hash table of the dynamic symbols (a few
 * probes each, where a scan reads every symbol): fills values[i] still 0
 * and returns how many are still missing, or -1 when the file has no such
 * table (or one that does not fit its section). Layout: nbuckets,
 * symoffset, bloom_size, bloom_shift, then bloom_size 64-bit bloom words,
 * nbuckets buckets and one chain word per symbol from symoffset on. */
static long symbols_by_gnu_hash(Elf *elf, const struct symbol_table *dynamic, size_t dynamic_index,
                                const char *const *names, uint64_t *values, size_t count, size_t missing)
{
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != SHT_GNU_HASH || header.sh_link != dynamic_index)
            continue;
        Elf_Data *data = elf_getdata(section, NULL);
        if (!data || !data->d_buf || data->d_size < 16 || ((uintptr_t)data->d_buf & 7)) return -1;
        const uint32_t *words = data->d_buf;
        size_t word_count = data->d_size / 4;
        uint32_t bucket_count = words[0], symbol_offset = words[1], bloom_size = words[2];
        size_t buckets_at = 4 + 2 * (size_t)bloom_size, chains_at = buckets_at + bucket_count;
        if (bucket_count == 0 || chains_at > word_count) return -1;
        for (size_t n = 0; n < count; n++) {
            if (values[n]) continue;
            uint32_t hash = gnu_hash(names[n]);
            uint32_t index = words[buckets_at + hash % bucket_count];
            if (index < symbol_offset) continue; /* 0: an empty bucket */
            for (; index < dynamic->count && chains_at + (index - symbol_offset) < word_count; index++) {
                uint32_t chain = words[chains_at + (index - symbol_offset)];
                if ((chain | 1) == (hash | 1)) {
                    const char *found = symbol_name(dynamic, &dynamic->symbols[index]);
                    if (found && strcmp(found, names[n]) == 0) {
                        values[n] = dynamic->symbols[index].st_value;
                        missing--;
                        break;
                    }
                }
                if (chain & 1) break; /* the bucket's last symbol */
            }
        }
        return (long)missing;
    }
    return -1;
}

/* Fills values[i] (still 0) of the names found in tables of type, in one
 * pass; returns how many are still missing. */
static size_t symbols_in_table(Elf *elf, Elf64_Word type, const char *const *names, uint64_t *values,
                               size_t count, size_t missing)
{
    Elf_Scn *section = NULL;
    struct symbol_table table;
    while (missing && next_symbol_table(elf, type, &section, &table)) {
        if (type == SHT_DYNSYM) {
            long left = symbols_by_gnu_hash(elf, &table, elf_ndxscn(section), names, values, count, missing);
            if (left >= 0) {
                missing = (size_t)left;
                continue;
            }
        }
        for (size_t i = 0; i < table.count && missing; i++) {
            const char *found = symbol_name(&table, &table.symbols[i]);
            if (!found) continue;
            for (size_t n = 0; n < count; n++)
                if (!values[n] && found[0] == names[n][0] && strcmp(found, names[n]) == 0) {
                    values[n] = table.symbols[i].st_value;
                    missing--;
                    break;
                }
        }
    }
    return missing;
}

void python_elf_symbols(struct python_elf *elf, const char *const *names, uint64_t *values, size_t count)
{
    for (size_t n = 0; n < count; n++) values[n] = 0;
    size_t missing = symbols_in_table(elf->elf, SHT_DYNSYM, names, values, count, count);
    if (count && values[0]) return;
    symbols_in_table(elf->elf, SHT_SYMTAB, names, values, count, missing);
}

int python_elf_load_bias(struct python_elf *elf, uint64_t map_start, uint64_t map_offset,
                         uint64_t *bias) {
    size_t count;
    if (elf_getphdrnum(elf->elf, &count) != 0) return -1;
    for (size_t i = 0; i < count; i++) {
        GElf_Phdr header;
        if (!gelf_getphdr(elf->elf, (int)i, &header) || header.p_type != PT_LOAD) continue;
        uint64_t align = header.p_align > 1 ? header.p_align : 1;
        uint64_t segment_offset = header.p_offset & ~(align - 1);
        if (map_offset < segment_offset || map_offset >= header.p_offset + header.p_filesz + align)
            continue;
        uint64_t segment_vaddr = header.p_vaddr - (header.p_offset - segment_offset);
        *bias = map_start - (segment_vaddr + (map_offset - segment_offset));
        return 0;
    }
    return -1;
}

int python_elf_section(struct python_elf *elf, const char *name, uint64_t *address, uint64_t *size)
{
    size_t names_index;
    if (elf_getshdrstrndx(elf->elf, &names_index) != 0) return -1;
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf->elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header)) continue;
        const char *section_name = elf_strptr(elf->elf, names_index, header.sh_name);
        if (section_name && strcmp(section_name, name) == 0) {
            *address = header.sh_addr;
            *size = header.sh_size;
            return 0;
        }
    }
    return -1;
}

int python_elf_needs(struct python_elf *elf, const char *fragment)
{
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf->elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != SHT_DYNAMIC) continue;
        Elf_Data *data = elf_getdata(section, NULL);
        if (!data || header.sh_entsize == 0) continue;
        size_t count = header.sh_size / header.sh_entsize;
        for (size_t i = 0; i < count; i++) {
            GElf_Dyn entry;
            if (!gelf_getdyn(data, (int)i, &entry) || entry.d_tag != DT_NEEDED) continue;
            const char *needed = elf_strptr(elf->elf, header.sh_link, entry.d_un.d_val);
            if (needed && strstr(needed, fragment)) return 1;
        }
    }
    return 0;
}

/* 1 if text[0..length) is "M.m.p" with optional release suffix letters
 * and digits (a1, b2, rc1, +). */
static int is_version_string(const char *text, size_t length, int major, int minor)
{
    char prefix[24];
    int prefix_length = minor >= 0 ? snprintf(prefix, sizeof prefix, "%d.%d.", major, minor)
                                   : snprintf(prefix, sizeof prefix, "%d.", major);
    if (length < (size_t)prefix_length + 1 || length > 16) return 0;
    if (memcmp(text, prefix, (size_t)prefix_length) != 0) return 0;
    size_t i = (size_t)prefix_length;
    if (minor < 0) {
        if (text[i] < '0' || text[i] > '9') return 0;
        while (i < length && text[i] >= '0' && text[i] <= '9') i++;
        if (i >= length || text[i] != '.') return 0;
        i++;
    }
    if (i >= length || text[i] < '0' || text[i] > '9') return 0;
    while (i < length && text[i] >= '0' && text[i] <= '9') i++;
    for (; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '+')) return 0;
    }
    return 1;
}

int python_elf_find_version_string(struct python_elf *elf, int major, int minor, char *out,
                                   size_t out_size) {
    size_t names_index;
    if (elf_getshdrstrndx(elf->elf, &names_index) != 0) return -1;
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf->elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != SHT_PROGBITS) continue;
        const char *name = elf_strptr(elf->elf, names_index, header.sh_name);
        if (!name || strcmp(name, ".rodata") != 0) continue;
        Elf_Data *data = elf_getdata(section, NULL);
        if (!data || !data->d_buf) continue;
        const char *bytes = data->d_buf;
        size_t size = data->d_size, start = 0;
        for (size_t i = 0; i <= size; i++) {
            if (i < size && bytes[i] != '\0') continue;
            if (i > start && is_version_string(bytes + start, i - start, major, minor) &&
                i - start < out_size) {
                memcpy(out, bytes + start, i - start);
                out[i - start] = '\0';
                return 0;
            }
            start = i + 1;
        }
    }
    return -1;
}
