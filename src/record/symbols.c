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
 *
 * The second half (symbol_file_cache) serves the perf record session: files
 * shared between processes and read with libelf the way perf reads them
 * (symbol_table.c holds perf's alias and size rules).
 */
#include "symbols.h"

#include "proc_maps.h"
#include "symbol_table.h"
#include "../model/arena.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>
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

size_t symbolizer_add_maps_text(struct symbolizer *symbolizer, const char *text, size_t length)
{
    size_t added = 0;
    const char *end_of_text = text + length;
    const char *line = text;
    while (line < end_of_text) {
        const char *newline = memchr(line, '\n', (size_t)(end_of_text - line));
        const char *end = newline ? newline : end_of_text;
        struct proc_maps_line mapping;
        /* Pseudo-files ("[vdso]", "[heap]") have no symbols to read. */
        if (proc_maps_line_parse(line, end, &mapping) && mapping.path_length > 0 && mapping.path[0] != '[') {
            symbolizer_add_mapping(symbolizer, mapping.start, mapping.end, mapping.offset, mapping.path,
                                   mapping.path_length);
            added++;
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

/* ---- files shared between processes (see symbols.h) ---- */

struct symbol_file {
    char *path, *open_path;
    int fd;                 /* kept open (live processes), else -1 */
    int loaded;
    uint8_t build_id[20];
    size_t build_id_size;
    const void *image;      /* in-memory ELF (the vDSO), else NULL */
    size_t image_size;
    struct symbol_table symbols;
    dev_t device;           /* stat() of open_path */
    ino_t inode;
    int have_identity;
    struct symbol_file_identity recorded; /* the kernel's, when known */
    int have_recorded;
};

struct symbol_file_cache {
    struct symbol_file **files;
    size_t file_count, file_capacity;
    struct symbol_file *vdso;
    void *vdso_copy;
};

struct symbol_file_cache *symbol_file_cache_create(void)
{
    static int initialised;
    if (!initialised) {
        elf_version(EV_CURRENT);
        initialised = 1;
    }
    return xcalloc(1, sizeof(struct symbol_file_cache));
}

static void symbol_file_free(struct symbol_file *file)
{
    if (!file)
        return;
    if (file->fd >= 0)
        close(file->fd);
    symbol_table_free(&file->symbols);
    free(file->path);
    free(file->open_path);
    free(file);
}

void symbol_file_cache_destroy(struct symbol_file_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->file_count; i++)
        symbol_file_free(cache->files[i]);
    symbol_file_free(cache->vdso);
    free(cache->vdso_copy);
    free(cache->files);
    free(cache);
}

static struct symbol_file *new_symbol_file(const char *path, const char *open_path)
{
    struct symbol_file *file = xcalloc(1, sizeof *file);
    file->path = xmalloc(strlen(path) + 1);
    strcpy(file->path, path);
    file->open_path = xmalloc(strlen(open_path) + 1);
    strcpy(file->open_path, open_path);
    file->fd = -1;
    symbol_table_init(&file->symbols);
    return file;
}

/* Whether file is the one described: by build id when both have one,
 * else by the recorded identity when both have one; -1 when neither
 * decides. */
static int same_recorded_file(const struct symbol_file *file, const uint8_t *build_id,
                              size_t build_id_size, const struct symbol_file_identity *identity)
{
    if (build_id && build_id_size && file->build_id_size)
        return file->build_id_size == build_id_size &&
               memcmp(file->build_id, build_id, build_id_size) == 0;
    if (identity && file->have_recorded)
        return file->recorded.major == identity->major &&
               file->recorded.minor == identity->minor && file->recorded.inode == identity->inode;
    return -1;
}

struct symbol_file *symbol_file_cache_get(struct symbol_file_cache *cache, const char *path,
                                          const char *open_path, int keep_open,
                                          const uint8_t *build_id, size_t build_id_size,
                                          const struct symbol_file_identity *identity)
{
    if (build_id_size > 20) /* as much as a symbol_file keeps */
        build_id_size = 20;
    struct stat status;
    int have_identity = stat(open_path, &status) == 0 && S_ISREG(status.st_mode);
    for (size_t i = cache->file_count; i-- > 0;) {
        struct symbol_file *file = cache->files[i];
        int same = same_recorded_file(file, build_id, build_id_size, identity);
        if (same == 1)
            return file;
        if (same == 0)
            continue;
        /* Without a file to stat (its process is gone), the file opened
         * under the same path when the process was alive. */
        if (have_identity ? (file->have_identity && file->device == status.st_dev &&
                             file->inode == status.st_ino)
                          : strcmp(file->path, path) == 0 &&
                                (!build_id || !file->build_id_size ||
                                 (file->build_id_size == build_id_size &&
                                  memcmp(file->build_id, build_id, build_id_size) == 0)))
            return file;
    }
    struct symbol_file *file = new_symbol_file(path, open_path);
    if (identity) {
        file->recorded = *identity;
        file->have_recorded = 1;
    }
    if (have_identity) {
        file->have_identity = 1;
        file->device = status.st_dev;
        file->inode = status.st_ino;
        if (keep_open)
            file->fd = open(open_path, O_RDONLY | O_CLOEXEC);
    }
    if (build_id && build_id_size > 0) {
        file->build_id_size = build_id_size < sizeof file->build_id ? build_id_size
                                                                    : sizeof file->build_id;
        memcpy(file->build_id, build_id, file->build_id_size);
    }
    GROW(cache->files, cache->file_capacity, cache->file_count + 1);
    cache->files[cache->file_count++] = file;
    return file;
}

static Elf_Scn *section_of_type(Elf *elf, Elf64_Word type, GElf_Shdr *header)
{
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf, section)) != NULL)
        if (gelf_getshdr(section, header) && header->sh_type == type)
            return section;
    return NULL;
}

static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *header)
{
    size_t names;
    if (elf_getshdrstrndx(elf, &names) != 0)
        return NULL;
    Elf_Scn *section = NULL;
    while ((section = elf_nextscn(elf, section)) != NULL) {
        if (!gelf_getshdr(section, header))
            continue;
        const char *section_name = elf_strptr(elf, names, header->sh_name);
        if (section_name && strcmp(section_name, name) == 0)
            return section;
    }
    return NULL;
}

/* An ELF file opened read-only (fd owned by the caller's struct). */
struct elf_handle {
    int fd;
    Elf *elf;
};

static int elf_handle_open(struct elf_handle *handle, const char *path)
{
    handle->elf = NULL;
    struct stat status;
    if (stat(path, &status) != 0 || !S_ISREG(status.st_mode))
        return -1;
    handle->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (handle->fd < 0)
        return -1;
    handle->elf = elf_begin(handle->fd, ELF_C_READ_MMAP, NULL);
    if (!handle->elf || elf_kind(handle->elf) != ELF_K_ELF) {
        if (handle->elf)
            elf_end(handle->elf);
        close(handle->fd);
        handle->elf = NULL;
        return -1;
    }
    return 0;
}

static void elf_handle_close(struct elf_handle *handle)
{
    if (handle->elf) {
        elf_end(handle->elf);
        close(handle->fd);
        handle->elf = NULL;
    }
}

static int has_symtab(Elf *elf)
{
    GElf_Shdr header;
    return section_of_type(elf, SHT_SYMTAB, &header) != NULL;
}

/* Opens the first debug file with a .symtab: by build id, then by
 * .gnu_debuglink. */
static int open_debug_file(struct elf_handle *debug, Elf *runtime, const char *path,
                           const uint8_t *known_id, size_t known_id_size)
{
    const void *id = known_id;
    ssize_t id_size = (ssize_t)known_id_size;
    const void *own_id;
    ssize_t own_size = dwelf_elf_gnu_build_id(runtime, &own_id);
    if (own_size > 0) {
        id = own_id;
        id_size = own_size;
    }
    char candidate[4096];
    if (id && id_size > 1) {
        const uint8_t *bytes = id;
        int length = snprintf(candidate, sizeof candidate, "/usr/lib/debug/.build-id/%02x/",
                              bytes[0]);
        for (ssize_t i = 1; i < id_size && length < (int)sizeof candidate - 8; i++)
            length += snprintf(candidate + length, sizeof candidate - (size_t)length, "%02x",
                               bytes[i]);
        snprintf(candidate + length, sizeof candidate - (size_t)length, ".debug");
        if (elf_handle_open(debug, candidate) == 0) {
            if (has_symtab(debug->elf))
                return 0;
            elf_handle_close(debug);
        }
    }
    GElf_Word crc;
    const char *link = dwelf_elf_gnu_debuglink(runtime, &crc);
    if (!link || !*link || strchr(link, '/'))
        return -1;
    const char *slash = strrchr(path, '/');
    int directory_length = slash ? (int)(slash - path) : 0;
    const char *patterns[] = {"%.*s/%s", "%.*s/.debug/%s", "/usr/lib/debug%.*s/%s"};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        snprintf(candidate, sizeof candidate, patterns[i], directory_length, path, link);
        if (strcmp(candidate, path) == 0)
            continue;
        if (elf_handle_open(debug, candidate) == 0) {
            if (has_symtab(debug->elf))
                return 0;
            elf_handle_close(debug);
        }
    }
    return -1;
}

/* perf's build-id cache: the copy `perf record` saved of a file it saw,
 * $HOME/.debug/.build-id/xx/rest/elf (what perf script reads first, so a
 * file rebuilt or deleted since the recording is named as it was). */
static int open_build_id_cache(struct elf_handle *handle, const uint8_t *id, size_t id_size)
{
    const char *home = getenv("HOME");
    if (!home || !*home || id_size < 2)
        return -1;
    char path[4096];
    int length = snprintf(path, sizeof path, "%s/.debug/.build-id/%02x/", home, id[0]);
    for (size_t i = 1; i < id_size && length > 0 && length < (int)sizeof path - 8; i++)
        length += snprintf(path + length, sizeof path - (size_t)length, "%02x", id[i]);
    if (length <= 0 || length >= (int)sizeof path - 8)
        return -1;
    snprintf(path + length, sizeof path - (size_t)length, "/elf");
    return elf_handle_open(handle, path);
}

static void add_named_symbol(struct symbol_table *table, uint64_t start, uint64_t size,
                             enum symbol_binding binding, int untyped, const char *name)
{
    char *demangled = symbol_demangle(name);
    const char *chosen = demangled ? demangled : name;
    symbol_table_add(table, start, size, binding, untyped, chosen, strlen(chosen));
    free(demangled);
}

/* perf's dso__load_sym: the symbols of syms (a .symtab, else .dynsym), at
 * file offsets computed with the section headers of syms (of runtime for
 * NOBITS sections, as a debug file's are). */
static void load_elf_symbols(struct symbol_table *table, Elf *syms, Elf *runtime)
{
    GElf_Shdr table_header;
    Elf_Scn *table_section = section_of_type(syms, SHT_SYMTAB, &table_header);
    if (!table_section)
        table_section = section_of_type(syms, SHT_DYNSYM, &table_header);
    if (!table_section || table_header.sh_entsize == 0)
        return;
    Elf_Data *data = elf_getdata(table_section, NULL);
    if (!data)
        return;
    size_t section_names = 0;
    elf_getshdrstrndx(syms, &section_names);
    size_t count = table_header.sh_size / table_header.sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym symbol;
        if (!gelf_getsym(data, (int)i, &symbol))
            break;
        /* perf's choice: functions and objects defined in a section, and
         * "labels" (untyped, named, visible) in text or data sections. */
        int type = GELF_ST_TYPE(symbol.st_info);
        int visibility = GELF_ST_VISIBILITY(symbol.st_other);
        int label = type == STT_NOTYPE && symbol.st_name != 0 && symbol.st_shndx != SHN_UNDEF &&
                    symbol.st_shndx != SHN_ABS && visibility != STV_HIDDEN &&
                    visibility != STV_INTERNAL;
        int wanted = (type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_OBJECT) &&
                     symbol.st_shndx != SHN_UNDEF;
        if ((!label && !wanted) || symbol.st_shndx >= SHN_LORESERVE)
            continue;
        GElf_Shdr section_header;
        Elf_Scn *section = elf_getscn(syms, symbol.st_shndx);
        if (!section || !gelf_getshdr(section, &section_header) ||
            !(section_header.sh_flags & SHF_ALLOC))
            continue;
        Elf *names_of = syms;
        if (section_header.sh_type == SHT_NOBITS && runtime != syms) {
            section = elf_getscn(runtime, symbol.st_shndx);
            if (!section || !gelf_getshdr(section, &section_header))
                continue;
            names_of = runtime;
        }
        if (label) {
            size_t names_index = section_names;
            if (names_of != syms)
                elf_getshdrstrndx(names_of, &names_index);
            const char *section_name = elf_strptr(names_of, names_index, section_header.sh_name);
            if (!section_name || (!strstr(section_name, "text") && !strstr(section_name, "data")))
                continue;
        }
        const char *name = elf_strptr(syms, table_header.sh_link, symbol.st_name);
        if (!name)
            continue;
        int bind = GELF_ST_BIND(symbol.st_info);
        enum symbol_binding binding = bind == STB_GLOBAL ? SYMBOL_GLOBAL
                                      : bind == STB_WEAK ? SYMBOL_WEAK
                                                         : SYMBOL_LOCAL;
        uint64_t start = symbol.st_value - (section_header.sh_addr - section_header.sh_offset);
        add_named_symbol(table, start, symbol.st_size, binding, type == STT_NOTYPE, name);
    }
}

/* perf 6.1's dso__synthesize_plt_symbols on x86-64: "name@plt" for each
 * .rela.plt entry, in order, after the .plt header (entries the size of
 * .plt's sh_entsize). */
static void load_plt_symbols(struct symbol_table *table, Elf *runtime)
{
    GElf_Shdr plt, relocations, dynsym;
    Elf_Scn *plt_section = section_named(runtime, ".plt", &plt);
    Elf_Scn *relocation_section = section_named(runtime, ".rela.plt", &relocations);
    Elf_Scn *dynsym_section = section_of_type(runtime, SHT_DYNSYM, &dynsym);
    if (!plt_section || !relocation_section || !dynsym_section || plt.sh_entsize == 0 ||
        relocations.sh_entsize == 0 || relocations.sh_type != SHT_RELA)
        return;
    Elf_Data *relocation_data = elf_getdata(relocation_section, NULL);
    Elf_Data *symbol_data = elf_getdata(dynsym_section, NULL);
    if (!relocation_data || !symbol_data)
        return;
    uint64_t entry_size = plt.sh_entsize, offset = plt.sh_offset;
    size_t count = relocations.sh_size / relocations.sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Rela relocation;
        GElf_Sym symbol;
        if (!gelf_getrela(relocation_data, (int)i, &relocation))
            break;
        offset += entry_size;
        if (!gelf_getsym(symbol_data, (int)GELF_R_SYM(relocation.r_info), &symbol))
            continue;
        const char *name = elf_strptr(runtime, dynsym.sh_link, symbol.st_name);
        if (!name)
            continue;
        char *demangled = symbol_demangle(name);
        char plt_name[512];
        snprintf(plt_name, sizeof plt_name, "%s@plt", demangled ? demangled : name);
        free(demangled);
        symbol_table_add(table, offset, entry_size, SYMBOL_GLOBAL, 0, plt_name, strlen(plt_name));
    }
}

static void load_symbol_file(struct symbol_file *file)
{
    file->loaded = 1;
    struct elf_handle runtime = {-1, NULL};
    if (file->image) {
        runtime.elf = elf_memory((char *)(uintptr_t)file->image, file->image_size);
    } else if (file->fd >= 0) {
        runtime.fd = file->fd;
        runtime.elf = elf_begin(file->fd, ELF_C_READ_MMAP, NULL);
    } else if (open_build_id_cache(&runtime, file->build_id, file->build_id_size) < 0) {
        elf_handle_open(&runtime, file->open_path);
    }
    if (!runtime.elf || elf_kind(runtime.elf) != ELF_K_ELF) {
        if (runtime.elf)
            elf_end(runtime.elf);
        if (runtime.fd >= 0 && runtime.fd != file->fd)
            close(runtime.fd);
        return;
    }
    symbol_table_use_perf_tree(&file->symbols);
    struct elf_handle debug = {-1, NULL};
    if (!file->image && open_debug_file(&debug, runtime.elf, file->path, file->build_id,
                                        file->build_id_size) == 0) {
        load_elf_symbols(&file->symbols, debug.elf, runtime.elf);
        elf_handle_close(&debug);
    } else {
        load_elf_symbols(&file->symbols, runtime.elf, runtime.elf);
    }
    /* Duplicates and sizes first (perf fixes the ELF symbols up before it
     * adds the PLT's, whose entries never share a start with them). */
    symbol_table_finish(&file->symbols);
    load_plt_symbols(&file->symbols, runtime.elf);
    symbol_table_finish(&file->symbols);
    elf_end(runtime.elf);
    if (runtime.fd >= 0 && runtime.fd != file->fd)
        close(runtime.fd);
    if (file->fd >= 0) {
        close(file->fd);
        file->fd = -1;
    }
}

const char *symbol_file_lookup(struct symbol_file *file, uint64_t file_offset,
                               uint64_t *symbol_offset)
{
    if (!file->loaded)
        load_symbol_file(file);
    const struct symbol_entry *entry = symbol_table_find(&file->symbols, file_offset);
    if (!entry)
        return NULL;
    *symbol_offset = file_offset - entry->start;
    return symbol_table_name(&file->symbols, entry);
}

struct symbol_file *symbol_file_cache_vdso(struct symbol_file_cache *cache)
{
    if (cache->vdso)
        return cache->vdso;
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    if (!base)
        return NULL;
    /* The image's size: the [vdso] line of our own maps. */
    FILE *maps = fopen("/proc/self/maps", "re");
    if (!maps)
        return NULL;
    char line[512];
    size_t size = 0;
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &start, &end) == 2 &&
            start == base) {
            size = end - start;
            break;
        }
    }
    fclose(maps);
    if (size == 0)
        return NULL;
    cache->vdso_copy = xmalloc(size);
    memcpy(cache->vdso_copy, (const void *)base, size);
    cache->vdso = new_symbol_file("[vdso]", "[vdso]");
    cache->vdso->image = cache->vdso_copy;
    cache->vdso->image_size = size;
    return cache->vdso;
}
