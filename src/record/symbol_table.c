/* symbol_table.c — sorted code symbols with perf's alias and size rules;
 * see symbol_table.h. */
#include "symbol_table.h"
#include "key_sort.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

void symbol_table_init(struct symbol_table *table)
{
    memset(table, 0, sizeof *table);
    perf_tree_init(&table->tree);
}

void symbol_table_use_perf_tree(struct symbol_table *table)
{
    table->use_tree = 1;
}

void symbol_table_free(struct symbol_table *table)
{
    free(table->entries);
    free(table->names);
    free(table->node_starts);
    free(table->tree_log);
    perf_tree_free(&table->tree);
    free(table->entry_of_node);
    memset(table, 0, sizeof *table);
    perf_tree_init(&table->tree);
}

static void log_tree_operation(struct symbol_table *table, int32_t operation)
{
    if (table->tree_log_count == table->tree_log_capacity)
        GROW(table->tree_log, table->tree_log_capacity, table->tree_log_count + 1);
    table->tree_log[table->tree_log_count++] = operation;
    table->tree_built = 0;
}

void symbol_table_add(struct symbol_table *table, uint64_t start, uint64_t size,
                      enum symbol_binding binding, int untyped, const char *name, size_t length)
{
    if (table->names_length + length + 1 > UINT32_MAX || table->count >= UINT32_MAX)
        return;
    GROW(table->entries, table->capacity, table->count + 1);
    GROW(table->names, table->names_capacity, table->names_length + length + 1);
    memcpy(table->names + table->names_length, name, length);
    table->names[table->names_length + length] = '\0';
    table->entries[table->count] = (struct symbol_entry){
        start, start + size, 0, (uint32_t)table->names_length, table->next_order++,
        (uint8_t)binding, (uint8_t)(untyped != 0)};
    table->count++;
    table->names_length += length + 1;
    table->finished = 0;
    if (table->use_tree) {
        uint32_t node = table->entries[table->count - 1].order;
        GROW(table->node_starts, table->node_starts_capacity, (size_t)node + 1);
        table->node_starts[node] = start;
        log_tree_operation(table, (int32_t)node);
    }
}

/* Sorts the entries by (start, order). The array is always in order of
 * `order` but for starts (the entries added in order, or a sorted table
 * with entries added after it, whose orders are all higher), so a stable
 * sort by start (key_sort.h) is that order. Input already in order (JIT
 * maps, usually) is noticed in one pass. */
static void sort_entries(struct symbol_table *table)
{
    size_t count = table->count, i = 1;
    while (i < count && table->entries[i - 1].start <= table->entries[i].start)
        i++;
    if (i >= count)
        return;
    struct key_sort_item *keys = xmalloc(count * sizeof *keys);
    for (size_t j = 0; j < count; j++)
        keys[j] = (struct key_sort_item){table->entries[j].start, j};
    key_sort(keys, count);
    struct symbol_entry *sorted = xmalloc(table->capacity * sizeof *sorted);
    for (size_t j = 0; j < count; j++)
        sorted[j] = table->entries[keys[j].value];
    free(table->entries);
    table->entries = sorted;
    free(keys);
}

static size_t leading_underscores(const char *name)
{
    size_t count = 0;
    while (name[count] == '_')
        count++;
    return count;
}

/* perf's choose_best_symbol: 1 when a is kept over b. */
static int first_is_better(const struct symbol_table *table, const struct symbol_entry *a,
                           const struct symbol_entry *b)
{
    uint64_t size_a = a->end - a->start, size_b = b->end - b->start;
    if (size_b == 0 && size_a > 0)
        return 1;
    if (size_a == 0 && size_b > 0)
        return 0;
    if (a->untyped != b->untyped)
        return !a->untyped;
    int weak_a = a->binding == SYMBOL_WEAK, weak_b = b->binding == SYMBOL_WEAK;
    if (weak_a != weak_b)
        return !weak_a;
    int global_a = a->binding == SYMBOL_GLOBAL, global_b = b->binding == SYMBOL_GLOBAL;
    if (global_a != global_b)
        return global_a;
    const char *name_a = table->names + a->name, *name_b = table->names + b->name;
    size_t under_a = leading_underscores(name_a), under_b = leading_underscores(name_b);
    if (under_a != under_b)
        return under_a < under_b;
    size_t length_a = strlen(name_a), length_b = strlen(name_b);
    if (length_a != length_b)
        return length_a > length_b;
    /* perf's x86 tie-break avoids the "SyS" syscall aliases. */
    if (strncmp(name_a, "SyS", 3) == 0 || strncmp(name_a, "compat_SyS", 10) == 0)
        return 0;
    return 1;
}

/* One symbol per start; the losers leave perf's tree in the order perf's
 * in-order walk erases them. */
static void remove_aliases(struct symbol_table *table)
{
    size_t kept = 0;
    for (size_t i = 0; i < table->count; i++) {
        if (kept > 0 && table->entries[kept - 1].start == table->entries[i].start) {
            struct symbol_entry *current = &table->entries[kept - 1];
            if (first_is_better(table, current, &table->entries[i])) {
                if (table->use_tree)
                    log_tree_operation(table, -1 - (int32_t)table->entries[i].order);
            } else {
                if (table->use_tree)
                    log_tree_operation(table, -1 - (int32_t)current->order);
                *current = table->entries[i];
            }
            continue;
        }
        table->entries[kept++] = table->entries[i];
    }
    table->count = kept;
}

/* Zero-size symbols end where the next one starts. */
static void size_symbols(struct symbol_table *table)
{
    for (size_t i = 0; i + 1 < table->count; i++)
        if (table->entries[i].end == table->entries[i].start)
            table->entries[i].end = table->entries[i + 1].start;
    struct symbol_entry *last = &table->entries[table->count - 1];
    if (last->end == last->start)
        last->end = ((last->start + 4095) & ~(uint64_t)4095) + 4096;
}

void symbol_table_finish(struct symbol_table *table)
{
    if (table->finished)
        return;
    table->finished = 1;
    if (table->count == 0)
        return;
    sort_entries(table);
    if (table->use_tree && table->finish_count++ > 0) {
        /* Symbols added after perf's fixups (the PLT's) get none. */
    } else {
        remove_aliases(table);
        size_symbols(table);
    }
    uint64_t reach = 0;
    for (size_t j = 0; j < table->count; j++) {
        const struct symbol_entry *entry = &table->entries[j];
        if (entry->end > reach)
            reach = entry->end;
        table->entries[j].reach = reach;
    }
}

/* perf's tree: the logged inserts and erasures replayed, in order, then
 * each remaining node given its entry's end. */
static void build_tree(struct symbol_table *table)
{
    perf_tree_free(&table->tree);
    for (size_t i = 0; i < table->tree_log_count; i++) {
        int32_t operation = table->tree_log[i];
        if (operation >= 0)
            perf_tree_insert(&table->tree, table->node_starts[operation]);
        else
            perf_tree_erase(&table->tree, -1 - operation);
    }
    free(table->entry_of_node);
    table->entry_of_node = xmalloc((table->tree.count + 1) * sizeof *table->entry_of_node);
    for (size_t j = 0; j < table->tree.count; j++)
        table->entry_of_node[j] = UINT32_MAX;
    for (size_t j = 0; j < table->count; j++) {
        const struct symbol_entry *entry = &table->entries[j];
        if (entry->order < table->tree.count) {
            table->entry_of_node[entry->order] = (uint32_t)j;
            table->tree.nodes[entry->order].end = entry->end;
        }
    }
    table->tree_built = 1;
}

static int holds(const struct symbol_entry *entry, uint64_t address)
{
    return entry->start <= address &&
           (address < entry->end || (address == entry->start && entry->start == entry->end));
}

/* perf's tree's answer for address, when the binary search settles it
 * (1, *found set): with c the last symbol starting at or below address,
 * either c alone holds it, no other symbol starts where c does, and none
 * before c reaches it (every search path meets c: nodes starting above
 * the address send the search left, towards c; nodes starting below c's
 * start do not hold it and send it right, towards c), or nothing holds
 * it (a search never returns a node that does not hold the address). 0
 * when symbols around the address overlap: only the tree knows. */
static int settled_without_tree(const struct symbol_table *table, size_t low, uint64_t address,
                                const struct symbol_entry **found)
{
    *found = NULL;
    if (low == 0)
        return 1; /* nothing starts at or below the address */
    const struct symbol_entry *candidate = &table->entries[low - 1];
    const struct symbol_entry *before = low >= 2 ? &table->entries[low - 2] : NULL;
    if (holds(candidate, address)) {
        if (before && (before->start == candidate->start || before->reach > address))
            return 0;
        *found = candidate;
        return 1;
    }
    return candidate->start != address && candidate->reach <= address;
}

const struct symbol_entry *symbol_table_find(struct symbol_table *table, uint64_t address)
{
    size_t low = 0, high = table->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (table->entries[middle].start <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (table->use_tree) {
        const struct symbol_entry *found;
        if (settled_without_tree(table, low, address, &found))
            return found;
        if (!table->tree_built)
            build_tree(table);
        int32_t node = perf_tree_find(&table->tree, address);
        if (node < 0 || !table->entry_of_node || table->entry_of_node[node] == UINT32_MAX)
            return NULL;
        return &table->entries[table->entry_of_node[node]];
    }
    /* The nearest start at or below address, then back while an earlier
     * symbol can still reach it; the first added of those holding it. */
    const struct symbol_entry *best = NULL;
    for (size_t i = low, looked = 0; i > 0 && looked < 64; i--, looked++) {
        const struct symbol_entry *entry = &table->entries[i - 1];
        if (address < entry->end || (address == entry->start && entry->start == entry->end))
            if (!best || entry->order < best->order)
                best = entry;
        if (i >= 2 && table->entries[i - 2].reach <= address)
            break;
    }
    return best;
}
