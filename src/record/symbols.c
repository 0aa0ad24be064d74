/* symbols.c — ELF symbolizer for addresses of a mapped process; see
 * symbols.h.
 *
 * libdwfl does the ELF work: every file is reported on its own Dwfl
 * session at its link-time addresses (bias 0 for executables, PIE and
 * shared objects alike), and dwfl_module_addrinfo() picks the best symbol
 * table it can find (the file's .symtab, else the .symtab of its separate
 * debug info, found by build id under /usr/lib/debug/.build-id or by
 * .gnu_debuglink, else .dynsym). Only the step from a run-time address to
 * a link-time address is ours: mapping start and file offset give the
 * offset in the file, and the PT_LOAD segment holding that offset gives the
 * virtual address (p_vaddr + offset - p_offset).
 *
 * Symbol versions ("@@GLIBC_2.34") are dropped from names. Demangling
 * uses libiberty's cplus_demangle (DMGL_AUTO: Itanium C++, and Rust's
 * legacy and v0 manglings), which __cxa_demangle would not cover for Rust
 * v0.
 */
#include "symbols.h"
#include "../model/arena.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libiberty/demangle.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mapping {
    uint64_t start, end, offset;
    uint32_t module; /* index in modules */
};

struct load_segment {
    uint64_t file_offset, file_size, virtual_address;
};

struct module {
    char *path;
    int opened; /* 0 not yet tried, 1 readable, -1 unreadable */
    Dwfl *dwfl;
    Dwfl_Module *dwfl_module;
    Dwarf_Addr bias;
    struct load_segment *segments;
    size_t segment_count;
};

struct address_slot {
    uint64_t address;
    int used;
    struct symbol_info info;
    int found;
};

struct symbolizer {
    struct arena strings;
    struct mapping *mappings;
    size_t mapping_count, mapping_capacity;
    int mappings_sorted;
    struct module *modules;
    size_t module_count, module_capacity;
    struct address_slot *slots;
    size_t slot_mask, slot_used;
};

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

struct symbolizer *symbolizer_create(void)
{
    struct symbolizer *symbolizer = xcalloc(1, sizeof *symbolizer);
    arena_init(&symbolizer->strings);
    symbolizer->slot_mask = 1023;
    symbolizer->slots = xcalloc(symbolizer->slot_mask + 1, sizeof *symbolizer->slots);
    return symbolizer;
}

void symbolizer_destroy(struct symbolizer *symbolizer)
{
    if (!symbolizer)
        return;
    for (size_t i = 0; i < symbolizer->module_count; i++) {
        struct module *module = &symbolizer->modules[i];
        if (module->dwfl)
            dwfl_end(module->dwfl);
        free(module->segments);
        free(module->path);
    }
    free(symbolizer->modules);
    free(symbolizer->mappings);
    free(symbolizer->slots);
    arena_free(&symbolizer->strings);
    free(symbolizer);
}

static uint32_t module_for_path(struct symbolizer *symbolizer, const char *path, size_t length)
{
    for (size_t i = symbolizer->module_count; i-- > 0;)
        if (strlen(symbolizer->modules[i].path) == length &&
            memcmp(symbolizer->modules[i].path, path, length) == 0)
            return (uint32_t)i;
    GROW(symbolizer->modules, symbolizer->module_capacity, symbolizer->module_count + 1);
    struct module *module = &symbolizer->modules[symbolizer->module_count];
    memset(module, 0, sizeof *module);
    module->path = xmalloc(length + 1);
    memcpy(module->path, path, length);
    module->path[length] = '\0';
    return (uint32_t)symbolizer->module_count++;
}

void symbolizer_add_mapping(struct symbolizer *symbolizer, uint64_t start, uint64_t end,
                            uint64_t offset, const char *path, size_t path_length)
{
    if (end <= start || path_length == 0 || memchr(path, '\0', path_length))
        return;
    GROW(symbolizer->mappings, symbolizer->mapping_capacity, symbolizer->mapping_count + 1);
    symbolizer->mappings[symbolizer->mapping_count++] =
        (struct mapping){start, end, offset, module_for_path(symbolizer, path, path_length)};
    symbolizer->mappings_sorted = 0;
}

size_t symbolizer_mapping_count(const struct symbolizer *symbolizer)
{
    return symbolizer->mapping_count;
}

/* Parses a hexadecimal number at *text; advances it. */
static int take_hex(const char **text, const char *end, uint64_t *value)
{
    const char *cursor = *text;
    uint64_t number = 0;
    size_t digits = 0;
    while (cursor < end) {
        char byte = *cursor;
        int digit;
        if (byte >= '0' && byte <= '9')
            digit = byte - '0';
        else if (byte >= 'a' && byte <= 'f')
            digit = byte - 'a' + 10;
        else if (byte >= 'A' && byte <= 'F')
            digit = byte - 'A' + 10;
        else
            break;
        if (++digits > 16)
            return 0;
        number = number * 16 + (uint64_t)digit;
        cursor++;
    }
    if (digits == 0)
        return 0;
    *value = number;
    *text = cursor;
    return 1;
}

static void skip_spaces(const char **text, const char *end)
{
    while (*text < end && (**text == ' ' || **text == '\t'))
        (*text)++;
}

/* Skips one whitespace-delimited field and the spaces after it. */
static int skip_field(const char **text, const char *end)
{
    const char *start = *text;
    while (*text < end && **text != ' ' && **text != '\t')
        (*text)++;
    skip_spaces(text, end);
    return *text > start;
}

size_t symbolizer_add_maps_text(struct symbolizer *symbolizer, const char *text, size_t length)
{
    size_t added = 0;
    const char *end_of_text = text + length;
    const char *line = text;
    while (line < end_of_text) {
        const char *newline = memchr(line, '\n', (size_t)(end_of_text - line));
        const char *end = newline ? newline : end_of_text;
        const char *cursor = line;
        uint64_t start, end_address, offset;
        /* start-end perms offset dev inode path */
        if (take_hex(&cursor, end, &start) && cursor < end && *cursor == '-' && ++cursor &&
            take_hex(&cursor, end, &end_address) && (skip_spaces(&cursor, end), 1) &&
            skip_field(&cursor, end) && take_hex(&cursor, end, &offset) &&
            (skip_spaces(&cursor, end), 1) && skip_field(&cursor, end) &&
            skip_field(&cursor, end)) {
            const char *path_end = end;
            if (path_end > cursor && path_end[-1] == '\r')
                path_end--;
            /* Pseudo-files ("[vdso]", "[heap]") have no symbols to read. */
            if (path_end > cursor && *cursor != '[') {
                symbolizer_add_mapping(symbolizer, start, end_address, offset, cursor,
                                       (size_t)(path_end - cursor));
                added++;
            }
        }
        line = end + 1;
    }
    return added;
}

static int compare_mappings(const void *left, const void *right)
{
    const struct mapping *a = left, *b = right;
    return a->start < b->start ? -1 : a->start > b->start;
}

static const struct mapping *find_mapping(struct symbolizer *symbolizer, uint64_t address)
{
    if (!symbolizer->mappings_sorted) {
        if (symbolizer->mapping_count)
            qsort(symbolizer->mappings, symbolizer->mapping_count, sizeof *symbolizer->mappings,
                  compare_mappings);
        symbolizer->mappings_sorted = 1;
    }
    size_t low = 0, high = symbolizer->mapping_count;
    while (low < high) { /* first mapping starting above address */
        size_t middle = low + (high - low) / 2;
        if (symbolizer->mappings[middle].start <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return NULL;
    const struct mapping *mapping = &symbolizer->mappings[low - 1];
    return address < mapping->end ? mapping : NULL;
}

static void open_module(struct module *module)
{
    module->opened = -1;
    /* Paths come from the profile: only regular files are opened (a FIFO
     * or a device named by a hostile profile could block or never end). */
    struct stat status;
    if (stat(module->path, &status) != 0 || !S_ISREG(status.st_mode))
        return;
    module->dwfl = dwfl_begin(&offline_callbacks);
    if (!module->dwfl)
        return;
    dwfl_report_begin(module->dwfl);
    module->dwfl_module = dwfl_report_elf(module->dwfl, module->path, module->path, -1, 0, true);
    dwfl_report_end(module->dwfl, NULL, NULL);
    if (!module->dwfl_module)
        return;
    Elf *elf = dwfl_module_getelf(module->dwfl_module, &module->bias);
    size_t header_count;
    if (!elf || elf_getphdrnum(elf, &header_count) != 0)
        return;
    for (size_t i = 0; i < header_count; i++) {
        GElf_Phdr header;
        if (!gelf_getphdr(elf, (int)i, &header) || header.p_type != PT_LOAD)
            continue;
        module->segments = xrealloc(module->segments,
                                    (module->segment_count + 1) * sizeof *module->segments);
        module->segments[module->segment_count++] =
            (struct load_segment){header.p_offset, header.p_filesz, header.p_vaddr};
    }
    module->opened = 1;
}

char *symbol_demangle(const char *name)
{
    if (!name || (strncmp(name, "_Z", 2) != 0 && strncmp(name, "_R", 2) != 0))
        return NULL;
    return cplus_demangle(name, DMGL_AUTO);
}

/* Finds the function of a file offset in module; NULL when unknown. */
static const char *function_at(struct symbolizer *symbolizer, struct module *module,
                               uint64_t file_offset)
{
    if (module->opened == 0)
        open_module(module);
    if (module->opened < 0)
        return NULL;
    for (size_t i = 0; i < module->segment_count; i++) {
        const struct load_segment *segment = &module->segments[i];
        if (file_offset < segment->file_offset ||
            file_offset - segment->file_offset >= segment->file_size)
            continue;
        Dwarf_Addr address = segment->virtual_address + (file_offset - segment->file_offset) +
                             module->bias;
        GElf_Off offset;
        GElf_Sym symbol;
        const char *name = dwfl_module_addrinfo(module->dwfl_module, address, &offset, &symbol,
                                                NULL, NULL, NULL);
        if (!name || !*name)
            return NULL;
        char *demangled = symbol_demangle(name);
        const char *chosen = demangled ? demangled : name;
        /* "__libc_start_main@@GLIBC_2.34": the symbol version is not part
         * of the function's name (perf and pprof print it without). */
        size_t length = strlen(chosen);
        const char *version = demangled ? NULL : strchr(chosen, '@');
        if (version && version > chosen)
            length = (size_t)(version - chosen);
        const char *kept = arena_strndup(&symbolizer->strings, chosen, length);
        free(demangled);
        return kept;
    }
    return NULL;
}

static void grow_slots(struct symbolizer *symbolizer)
{
    size_t old_count = symbolizer->slot_mask + 1;
    struct address_slot *old = symbolizer->slots;
    symbolizer->slot_mask = old_count * 2 - 1;
    symbolizer->slots = xcalloc(old_count * 2, sizeof *symbolizer->slots);
    for (size_t i = 0; i < old_count; i++) {
        if (!old[i].used)
            continue;
        size_t position = hash_mix64(old[i].address) & symbolizer->slot_mask;
        while (symbolizer->slots[position].used)
            position = (position + 1) & symbolizer->slot_mask;
        symbolizer->slots[position] = old[i];
    }
    free(old);
}

int symbolizer_lookup(struct symbolizer *symbolizer, uint64_t address, struct symbol_info *info)
{
    size_t position = hash_mix64(address) & symbolizer->slot_mask;
    while (symbolizer->slots[position].used) {
        if (symbolizer->slots[position].address == address) {
            *info = symbolizer->slots[position].info;
            return symbolizer->slots[position].found;
        }
        position = (position + 1) & symbolizer->slot_mask;
    }
    struct symbol_info result = {NULL, NULL, 0};
    const struct mapping *mapping = find_mapping(symbolizer, address);
    if (mapping) {
        struct module *module = &symbolizer->modules[mapping->module];
        result.module = module->path;
        result.module_offset = address - mapping->start + mapping->offset;
        result.function = function_at(symbolizer, module, result.module_offset);
    }
    if ((symbolizer->slot_used + 1) * 2 > symbolizer->slot_mask + 1) {
        grow_slots(symbolizer);
        position = hash_mix64(address) & symbolizer->slot_mask;
        while (symbolizer->slots[position].used)
            position = (position + 1) & symbolizer->slot_mask;
    }
    struct address_slot *slot = &symbolizer->slots[position];
    slot->used = 1;
    slot->address = address;
    slot->info = result;
    slot->found = result.function != NULL;
    symbolizer->slot_used++;
    *info = result;
    return slot->found;
}
