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

static uint64_t symbol_in_table(Elf *elf, Elf64_Word type, const char *name, uint64_t *size)
{
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != type || header.sh_entsize == 0)
            continue;
        Elf_Data *data = elf_getdata(section, NULL);
        if (!data) continue;
        size_t count = header.sh_size / header.sh_entsize;
        for (size_t i = 0; i < count; i++) {
            GElf_Sym symbol;
            if (!gelf_getsym(data, (int)i, &symbol) || symbol.st_value == 0 ||
                symbol.st_shndx == SHN_UNDEF)
                continue;
            const char *symbol_name = elf_strptr(elf, header.sh_link, symbol.st_name);
            if (symbol_name && strcmp(symbol_name, name) == 0) {
                if (size) *size = symbol.st_size;
                return symbol.st_value;
            }
        }
    }
    return 0;
}

/* Fills values[i] (still 0) of the names found in tables of type, in one
 * pass; returns how many are still missing. */
static size_t symbols_in_table(Elf *elf, Elf64_Word type, const char *const *names, uint64_t *values,
                               size_t count, size_t missing)
{
    Elf_Scn *section = NULL;
    while (missing && (section = elf_nextscn(elf, section)) != NULL) {
        GElf_Shdr header;
        if (!gelf_getshdr(section, &header) || header.sh_type != type || header.sh_entsize == 0)
            continue;
        Elf_Data *data = elf_getdata(section, NULL);
        if (!data) continue;
        size_t total = header.sh_size / header.sh_entsize;
        for (size_t i = 0; i < total && missing; i++) {
            GElf_Sym symbol;
            if (!gelf_getsym(data, (int)i, &symbol) || symbol.st_value == 0 ||
                symbol.st_shndx == SHN_UNDEF)
                continue;
            const char *symbol_name = elf_strptr(elf, header.sh_link, symbol.st_name);
            if (!symbol_name) continue;
            for (size_t n = 0; n < count; n++)
                if (!values[n] && symbol_name[0] == names[n][0] && strcmp(symbol_name, names[n]) == 0) {
                    values[n] = symbol.st_value;
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

uint64_t python_elf_symbol(struct python_elf *elf, const char *name, uint64_t *size)
{
    uint64_t value = symbol_in_table(elf->elf, SHT_DYNSYM, name, size);
    if (!value) value = symbol_in_table(elf->elf, SHT_SYMTAB, name, size);
    return value;
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
