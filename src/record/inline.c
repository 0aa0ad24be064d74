/* inline.c — inlined-function expansion of code addresses with libdw; see
 * inline.h.
 *
 * For each ELF file one Dwfl session is opened (separate debug info is
 * found the standard way: .gnu_debuglink, /usr/lib/debug/.build-id). The
 * file is reported at its own addresses (bias 0 for executables, PIE and
 * shared objects alike), which is how perf script prints user-space
 * addresses of a DSO and what addr2line expects.
 *
 * For an address: the DWARF scopes that contain it (dwarf_getscopes, then
 * dwarf_getscopes_die from the innermost one) give the inlined subroutines from the innermost out to the enclosing
 * subprogram; the innermost's location is the address's line-table entry,
 * each outer function's location is the call site (DW_AT_call_file /
 * DW_AT_call_line) of the inlined subroutine inside it. Without DWARF the
 * ELF symbol containing the address is used alone. When the address is not
 * in the file at all (perf printed a run-time address), perf's "symbol+0xOFF"
 * is resolved through the symbol table, as stackcollapse-perf.pl does with
 * nm.
 *
 * Names are DWARF's DW_AT_name (C++ and Rust names are therefore not
 * qualified nor demangled, unlike `addr2line -C`).
 */
#include "inline.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct named_address {
    const char *name; /* owned by libdw */
    uint64_t address; /* run-time (biased) address */
};

struct inline_module {
    char *path;
    Dwfl *dwfl;
    Dwfl_Module *module; /* NULL when the file could not be read */
    Dwarf_Addr bias;
    struct named_address *symbols; /* sorted by name, built on first need */
    size_t symbol_count;
    int symbols_loaded;
};

struct result_slot {
    uint64_t address;
    uint32_t module; /* UINT32_MAX when empty */
    uint32_t first;  /* index in names */
    uint32_t count;
};

struct inline_resolver {
    int with_context;
    struct inline_module *modules;
    size_t module_count, module_capacity;
    struct result_slot *slots;
    size_t slot_mask, slot_used;
    char **names;
    size_t *name_lengths;
    size_t name_count, name_capacity, length_capacity;
};

/* One function of an address's inline chain, innermost first. */
struct chain_entry {
    const char *name;
    const char *file;
    int line;
};

struct chain {
    struct chain_entry *entries;
    size_t count, capacity;
};

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

static void allocate_slots(struct inline_resolver *resolver, size_t slot_count)
{
    resolver->slots = xmalloc(slot_count * sizeof *resolver->slots);
    for (size_t i = 0; i < slot_count; i++)
        resolver->slots[i].module = UINT32_MAX;
    resolver->slot_mask = slot_count - 1;
}

struct inline_resolver *inline_resolver_create(int with_context)
{
    struct inline_resolver *resolver = xcalloc(1, sizeof *resolver);
    resolver->with_context = with_context;
    allocate_slots(resolver, 1024);
    return resolver;
}

void inline_resolver_destroy(struct inline_resolver *resolver)
{
    if (!resolver)
        return;
    for (size_t i = 0; i < resolver->module_count; i++) {
        struct inline_module *module = &resolver->modules[i];
        free(module->symbols);
        if (module->dwfl)
            dwfl_end(module->dwfl);
        free(module->path);
    }
    free(resolver->modules);
    free(resolver->slots);
    for (size_t i = 0; i < resolver->name_count; i++)
        free(resolver->names[i]);
    free(resolver->names);
    free(resolver->name_lengths);
    free(resolver);
}

static uint32_t find_module(struct inline_resolver *resolver, const char *path, size_t length)
{
    for (size_t i = 0; i < resolver->module_count; i++)
        if (strlen(resolver->modules[i].path) == length &&
            memcmp(resolver->modules[i].path, path, length) == 0)
            return (uint32_t)i;
    GROW(resolver->modules, resolver->module_capacity, resolver->module_count + 1);
    struct inline_module *module = &resolver->modules[resolver->module_count];
    memset(module, 0, sizeof *module);
    module->path = xmalloc(length + 1);
    memcpy(module->path, path, length);
    module->path[length] = '\0';
    /* perf marks frames it expanded itself as "(inlined)": not a file. */
    int is_path = memchr(path, '/', length) != NULL && memchr(path, '\0', length) == NULL;
    if (is_path) {
        module->dwfl = dwfl_begin(&offline_callbacks);
        if (module->dwfl) {
            dwfl_report_begin(module->dwfl);
            module->module = dwfl_report_elf(module->dwfl, module->path, module->path, -1, 0, true);
            dwfl_report_end(module->dwfl, NULL, NULL);
        }
        if (module->module)
            dwfl_module_getelf(module->module, &module->bias);
        else
            fprintf(stderr, "ember: --inline: %s: cannot read it (%s); its frames keep perf's "
                            "symbols\n",
                    module->path, dwfl_errmsg(-1));
    }
    return (uint32_t)resolver->module_count++;
}

static void chain_add(struct chain *chain, const char *name, const char *file, int line)
{
    GROW(chain->entries, chain->capacity, chain->count + 1);
    chain->entries[chain->count++] = (struct chain_entry){name, file, line};
}

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute attribute;
    const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attribute));
    return name;
}

/* Fills chain for a run-time address of module; returns 1 when found. */
static int describe_address(struct inline_module *module, Dwarf_Addr address, struct chain *chain)
{
    chain->count = 0;
    Dwarf_Addr cu_bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(module->module, address, &cu_bias);
    if (cu) {
        const char *file = NULL;
        int line = 0;
        Dwfl_Line *source = dwfl_module_getsrc(module->module, address);
        if (source)
            file = dwfl_lineinfo(source, NULL, &line, NULL, NULL, NULL);
        Dwarf_Files *files = NULL;
        size_t file_count = 0;
        if (dwarf_getsrcfiles(cu, &files, &file_count) != 0)
            files = NULL;
        /* dwarf_getscopes() goes from an inlined instance straight to the
         * unit; dwarf_getscopes_die() on the innermost scope gives the
         * physical nesting: inlined instances, blocks, the subprogram. */
        Dwarf_Die *scopes = NULL;
        int scope_count = dwarf_getscopes(cu, address - cu_bias, &scopes);
        if (scope_count > 0) {
            Dwarf_Die innermost = scopes[0];
            free(scopes);
            scopes = NULL;
            scope_count = dwarf_getscopes_die(&innermost, &scopes);
        }
        for (int i = 0; i < scope_count; i++) {
            int tag = dwarf_tag(&scopes[i]);
            if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine &&
                tag != DW_TAG_entry_point)
                continue;
            const char *name = die_name(&scopes[i]);
            chain_add(chain, name ? name : "??", file, line);
            if (tag != DW_TAG_inlined_subroutine)
                break;
            /* The next function out is located at this one's call site. */
            Dwarf_Attribute attribute;
            Dwarf_Word value;
            file = NULL;
            line = 0;
            if (files && dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attribute),
                                         &value) == 0 &&
                value < file_count)
                file = dwarf_filesrc(files, value, NULL, NULL);
            if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attribute), &value) == 0)
                line = (int)value;
        }
        free(scopes);
        if (chain->count > 0)
            return 1;
    }
    const char *symbol = dwfl_module_addrname(module->module, address);
    if (symbol && symbol[0]) {
        chain_add(chain, symbol, NULL, 0);
        return 1;
    }
    return 0;
}

static int compare_named_addresses(const void *left, const void *right)
{
    const struct named_address *a = left, *b = right;
    int order = strcmp(a->name, b->name);
    if (order)
        return order;
    return (a->address > b->address) - (a->address < b->address);
}

static void load_symbols(struct inline_module *module)
{
    module->symbols_loaded = 1;
    int count = dwfl_module_getsymtab(module->module);
    if (count <= 0)
        return;
    module->symbols = xmalloc((size_t)count * sizeof *module->symbols);
    for (int i = 0; i < count; i++) {
        GElf_Sym symbol;
        GElf_Addr address;
        GElf_Word section;
        const char *name = dwfl_module_getsym_info(module->module, i, &symbol, &address,
                                                   &section, NULL, NULL);
        if (!name || !name[0] || section == SHN_UNDEF)
            continue;
        module->symbols[module->symbol_count++] = (struct named_address){name, address};
    }
    qsort(module->symbols, module->symbol_count, sizeof *module->symbols,
          compare_named_addresses);
}

/* perf's "name+0xOFF" -> run-time address of name plus OFF; 0 when unknown. */
static int address_from_symbol(struct inline_module *module, const char *symbol, size_t length,
                               Dwarf_Addr *address)
{
    const char *plus = NULL;
    for (size_t i = length; i-- > 0;)
        if (symbol[i] == '+') {
            plus = symbol + i;
            break;
        }
    if (!plus || plus == symbol || (size_t)(symbol + length - plus) < 4 || plus[1] != '0' ||
        plus[2] != 'x')
        return 0;
    uint64_t offset = 0;
    for (const char *p = plus + 3; p < symbol + length; p++) {
        if (*p >= '0' && *p <= '9')
            offset = offset << 4 | (uint64_t)(*p - '0');
        else if (*p >= 'a' && *p <= 'f')
            offset = offset << 4 | (uint64_t)(*p - 'a' + 10);
        else
            return 0;
    }
    if (!module->symbols_loaded)
        load_symbols(module);
    size_t name_length = (size_t)(plus - symbol);
    char *name = xmalloc(name_length + 1);
    memcpy(name, symbol, name_length);
    name[name_length] = '\0';
    /* Lower bound by name: the lowest address among equal names. */
    size_t low = 0, high = module->symbol_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (strcmp(module->symbols[middle].name, name) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    const struct named_address *found = NULL;
    if (low < module->symbol_count && strcmp(module->symbols[low].name, name) == 0)
        found = &module->symbols[low];
    free(name);
    if (!found)
        return 0;
    *address = found->address + offset;
    return 1;
}

static void store_name(struct inline_resolver *resolver, const struct chain_entry *entry)
{
    const char *name = entry->name;
    char *text;
    if (resolver->with_context) {
        const char *file = entry->file ? entry->file : "??";
        const char *slash = strrchr(file, '/');
        if (slash)
            file = slash + 1;
        char line[24];
        if (entry->line > 0)
            snprintf(line, sizeof line, "%d", entry->line);
        else
            snprintf(line, sizeof line, "%s", entry->file ? "?" : "0");
        size_t size = strlen(name) + strlen(file) + strlen(line) + 3;
        text = xmalloc(size);
        snprintf(text, size, "%s:%s:%s", name, file, line);
    } else {
        text = xstrdup(name);
    }
    GROW(resolver->names, resolver->name_capacity, resolver->name_count + 1);
    GROW(resolver->name_lengths, resolver->length_capacity, resolver->name_count + 1);
    resolver->name_lengths[resolver->name_count] = strlen(text);
    resolver->names[resolver->name_count++] = text;
}

static void grow_slots(struct inline_resolver *resolver)
{
    struct result_slot *old_slots = resolver->slots;
    size_t old_count = resolver->slot_mask + 1;
    allocate_slots(resolver, old_count * 2);
    for (size_t i = 0; i < old_count; i++) {
        if (old_slots[i].module == UINT32_MAX)
            continue;
        uint64_t hash = hash_mix64(old_slots[i].address ^ ((uint64_t)old_slots[i].module << 48));
        size_t position = hash & resolver->slot_mask;
        while (resolver->slots[position].module != UINT32_MAX)
            position = (position + 1) & resolver->slot_mask;
        resolver->slots[position] = old_slots[i];
    }
    free(old_slots);
}

size_t inline_resolver_lookup(struct inline_resolver *resolver, const char *module_path,
                              size_t module_length, uint64_t address, const char *symbol,
                              size_t symbol_length, const char *const **names,
                              const size_t **lengths)
{
    uint32_t module_index = find_module(resolver, module_path, module_length);
    uint64_t hash = hash_mix64(address ^ ((uint64_t)module_index << 48));
    size_t position = hash & resolver->slot_mask;
    for (;;) {
        struct result_slot *slot = &resolver->slots[position];
        if (slot->module == UINT32_MAX)
            break;
        if (slot->module == module_index && slot->address == address) {
            *names = (const char *const *)(resolver->names + slot->first);
            *lengths = resolver->name_lengths + slot->first;
            return slot->count;
        }
        position = (position + 1) & resolver->slot_mask;
    }
    struct inline_module *module = &resolver->modules[module_index];
    size_t first = resolver->name_count;
    if (module->module) {
        struct chain chain = {NULL, 0, 0};
        Dwarf_Addr symbol_address;
        int found = describe_address(module, address + module->bias, &chain);
        if (!found && address_from_symbol(module, symbol, symbol_length, &symbol_address))
            found = describe_address(module, symbol_address, &chain);
        /* Outermost first, as stackcollapse-perf.pl stacks them. */
        if (found)
            for (size_t i = chain.count; i-- > 0;)
                store_name(resolver, &chain.entries[i]);
        free(chain.entries);
    }
    resolver->slots[position] = (struct result_slot){address, module_index, (uint32_t)first,
                                                     (uint32_t)(resolver->name_count - first)};
    if (++resolver->slot_used * 2 > resolver->slot_mask + 1)
        grow_slots(resolver);
    *names = (const char *const *)(resolver->names + first);
    *lengths = resolver->name_lengths + first;
    return resolver->name_count - first;
}
