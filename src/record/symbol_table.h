/* symbol_table.h — a sorted table of code symbols with perf's rules for
 * choosing among aliases and sizing symbols, so lookups name addresses as
 * `perf script` does.
 *
 * Design: entries (start, end, binding, type, name offset) in one array,
 * names in one byte buffer. symbol_table_finish() sorts by start (stable:
 * insertion order among equal starts, as perf's tree keeps them), keeps
 * one symbol per start (perf's choose_best_symbol: non-zero size, then not
 * weak, then global, then fewer leading underscores, then the longer name,
 * then the first), and gives zero-size symbols the next symbol's start as
 * end (perf's symbols__fixup_end; the last one ends at the next page
 * boundary after its start plus a page). A lookup is a binary search for
 * the last start <= address, then [start, end) must hold it. Symbols may
 * overlap (a sizeless _init stretched over the PLT entries added after
 * it): of those holding the address, the one added first wins, as the
 * first one met going down perf's tree usually is; `reach` bounds how far
 * back such a symbol can start.
 *
 * ELF files' tables answer as perf's tree (perf_tree.h) would. The tree
 * is built only when its shape can matter: when the last symbol starting
 * at or below an address alone holds it (no other starts with it, none
 * before it reaches that far) or nothing holds it, every search path
 * through a binary search tree gives that answer, and so does the binary
 * search above. So the table logs the tree operations (inserts in add
 * order, the alias erasures of the first finish) and replays them into a
 * tree only at the first lookup of an address where symbols overlap (an
 * executable's sizeless _init stretched over its PLT); a library whose
 * sampled functions overlap nothing (libc's 10,000 symbols) never pays
 * for its tree.
 *
 * Ownership: the table owns its arrays; names stay valid until
 * symbol_table_free().
 */
#ifndef EMBER_SYMBOL_TABLE_H
#define EMBER_SYMBOL_TABLE_H

#include "perf_tree.h"

#include <stddef.h>
#include <stdint.h>

enum symbol_binding { SYMBOL_LOCAL = 0, SYMBOL_GLOBAL = 1, SYMBOL_WEAK = 2 };

struct symbol_entry {
    uint64_t start, end;
    uint64_t reach;   /* the largest end of this entry and every one before it */
    uint32_t name;    /* offset in names */
    uint32_t order;   /* insertion order: stable sorting, overlaps */
    uint8_t binding;  /* enum symbol_binding */
    uint8_t untyped;  /* an ELF STT_NOTYPE label (loses to typed symbols) */
};

struct symbol_table {
    struct symbol_entry *entries;
    size_t count, capacity;
    char *names;
    size_t names_length, names_capacity;
    uint32_t next_order; /* insertion counter (orders stay unique after aliases go) */
    int finished, finish_count;
    /* ELF files: lookups walk perf's tree (perf_tree.h), where overlapping
     * symbols resolve as they do in perf; node i is the i-th added. */
    int use_tree;
    uint64_t *node_starts;   /* node -> start (the insert that made it) */
    int32_t *tree_log;       /* node n inserted: n; erased: -1 - n */
    size_t tree_log_count, tree_log_capacity, node_starts_capacity;
    int tree_built;          /* tree and entry_of_node replay the log so far */
    struct perf_tree tree;
    uint32_t *entry_of_node; /* node -> index in entries, UINT32_MAX when erased */
};

void symbol_table_init(struct symbol_table *table);
/* Switches a new, empty table to perf's tree for lookups (ELF files: the
 * aliases removed by the first finish are erased from it, symbols added
 * after it, the PLT's, are neither deduplicated nor resized, as in perf). */
void symbol_table_use_perf_tree(struct symbol_table *table);
void symbol_table_free(struct symbol_table *table);
/* Adds [start, start + size) named name (length bytes, copied). */
void symbol_table_add(struct symbol_table *table, uint64_t start, uint64_t size,
                      enum symbol_binding binding, int untyped, const char *name, size_t length);
/* Sorts and applies perf's fixups; call once after the last add. */
void symbol_table_finish(struct symbol_table *table);
/* The symbol holding address, or NULL. (Not const: the first lookup
 * after a finish may build perf's tree.) */
const struct symbol_entry *symbol_table_find(struct symbol_table *table, uint64_t address);
static inline const char *symbol_table_name(const struct symbol_table *table,
                                            const struct symbol_entry *entry)
{
    return table->names + entry->name;
}

#endif
