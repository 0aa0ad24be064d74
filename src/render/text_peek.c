/* text_peek.c — callers and callees of chosen functions; see text_peek.h.
 *
 * Design: the edges are found by one depth-first walk of the call tree.
 * A tree node C under a parent P (neither the root) is an occurrence of
 * the edge name(P) -> name(C); the stacks through C are exactly the stacks
 * where that occurrence happens, so C's total is the edge's value on them.
 * Counting only the outermost occurrence of each edge on a path (a count
 * per edge of its occurrences on the current path) counts every stack
 * once, which is pprof's per-sample de-duplication. Only edges touching a
 * chosen function are kept, in a hash table keyed by the two name ids;
 * each node remembers its edge (or none) so leaving it needs no lookup.
 */
#define _GNU_SOURCE /* qsort_r */
#include "text_peek.h"
#include "units.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct peek_edge {
    uint32_t caller, callee; /* string ids */
    uint32_t on_path;        /* occurrences on the walk's current path */
    double weight;
};

struct edge_table {
    struct peek_edge *edges;
    size_t count, capacity;
    uint32_t *slots; /* edge index + 1; 0 = empty */
    size_t slot_mask;
};

static uint64_t edge_key(uint32_t caller, uint32_t callee)
{
    return (uint64_t)caller << 32 | callee;
}

static size_t edge_slot(const struct edge_table *table, uint32_t caller, uint32_t callee)
{
    size_t slot = (size_t)hash_mix64(edge_key(caller, callee)) & table->slot_mask;
    while (table->slots[slot]) {
        const struct peek_edge *edge = &table->edges[table->slots[slot] - 1];
        if (edge->caller == caller && edge->callee == callee)
            break;
        slot = (slot + 1) & table->slot_mask;
    }
    return slot;
}

static void edge_table_grow(struct edge_table *table)
{
    size_t slot_count = (table->slot_mask + 1) * 2;
    free(table->slots);
    table->slots = xcalloc(slot_count, sizeof *table->slots);
    table->slot_mask = slot_count - 1;
    for (size_t i = 0; i < table->count; i++)
        table->slots[edge_slot(table, table->edges[i].caller, table->edges[i].callee)] =
            (uint32_t)i + 1;
}

static uint32_t edge_find_or_add(struct edge_table *table, uint32_t caller, uint32_t callee)
{
    size_t slot = edge_slot(table, caller, callee);
    if (table->slots[slot])
        return table->slots[slot] - 1;
    if (table->count == table->capacity) {
        table->capacity = table->capacity ? table->capacity * 2 : 64;
        table->edges = xrealloc(table->edges, table->capacity * sizeof *table->edges);
    }
    uint32_t index = (uint32_t)table->count++;
    table->edges[index] = (struct peek_edge){caller, callee, 0, 0};
    table->slots[slot] = index + 1;
    if (table->count * 2 > table->slot_mask + 1)
        edge_table_grow(table);
    return index;
}

/* Walks the tree and fills the edges touching a chosen name. */
static void collect_edges(struct edge_table *table, const struct profile *profile,
                          size_t sample_type, const unsigned char *chosen)
{
    size_t node_count = profile->node_count;
    double *totals = xmalloc((node_count + 1) * sizeof *totals);
    profile_total_values(profile, sample_type, totals);
    uint32_t *edge_of = xmalloc((node_count + 1) * sizeof *edge_of);
    uint32_t *stack = xmalloc((node_count + 1) * sizeof *stack);
    unsigned char *entered = xcalloc(node_count + 1, 1);
    size_t depth = 0;
    if (node_count)
        stack[depth++] = PROFILE_ROOT;
    while (depth) {
        uint32_t node = stack[depth - 1];
        const struct tree_node *tree = &profile->nodes[node];
        if (entered[node]) {
            if (edge_of[node] != PROFILE_NONE)
                table->edges[edge_of[node]].on_path--;
            depth--;
            continue;
        }
        entered[node] = 1;
        edge_of[node] = PROFILE_NONE;
        if (tree->parent != PROFILE_NONE && tree->parent != PROFILE_ROOT) {
            uint32_t caller = profile->frames[profile->nodes[tree->parent].frame].name;
            uint32_t callee = profile->frames[tree->frame].name;
            if (caller != callee && (chosen[caller] || chosen[callee])) {
                uint32_t index = edge_find_or_add(table, caller, callee);
                edge_of[node] = index;
                if (table->edges[index].on_path++ == 0)
                    table->edges[index].weight += totals[node];
            }
        }
        for (uint32_t child = tree->first_child; child != PROFILE_NONE;
             child = profile->nodes[child].next_sibling)
            stack[depth++] = child;
    }
    free(entered);
    free(stack);
    free(edge_of);
    free(totals);
}

static int compare_names(const struct profile *profile, uint32_t a, uint32_t b)
{
    size_t length_a = profile_string_length(profile, a), length_b = profile_string_length(profile, b);
    int order = memcmp(profile_string(profile, a), profile_string(profile, b),
                       length_a < length_b ? length_a : length_b);
    if (order)
        return order;
    return length_a < length_b ? -1 : length_a > length_b ? 1 : 0;
}

/* pprof's edge order: heavier first, then caller name, then callee name. */
static int compare_edges(const void *left, const void *right, void *context)
{
    const struct profile *profile = context;
    const struct peek_edge *a = left, *b = right;
    if (a->weight != b->weight)
        return fabs(a->weight) > fabs(b->weight) ? -1 : 1;
    int order = compare_names(profile, a->caller, b->caller);
    return order ? order : compare_names(profile, a->callee, b->callee);
}

/* Edge indices grouped by one end's name, in the edges' (sorted) order:
 * group name's edges are index[start[name] .. start[name + 1]). */
struct edge_groups {
    uint32_t *start; /* string_count + 1 */
    uint32_t *index;
};

static void group_edges(struct edge_groups *groups, const struct edge_table *table,
                        size_t string_count, int by_callee)
{
    groups->start = xcalloc(string_count + 2, sizeof *groups->start);
    groups->index = xmalloc((table->count + 1) * sizeof *groups->index);
    for (size_t i = 0; i < table->count; i++)
        groups->start[(by_callee ? table->edges[i].callee : table->edges[i].caller) + 1]++;
    for (size_t name = 0; name < string_count; name++)
        groups->start[name + 1] += groups->start[name];
    uint32_t *next = xmalloc((string_count + 1) * sizeof *next);
    memcpy(next, groups->start, string_count * sizeof *next);
    for (size_t i = 0; i < table->count; i++)
        groups->index[next[by_callee ? table->edges[i].callee : table->edges[i].caller]++] =
            (uint32_t)i;
    free(next);
}

static void free_groups(struct edge_groups *groups)
{
    free(groups->start);
    free(groups->index);
}

static const char separator[] =
    "----------------------------------------------------------+-------------\n";

/* One caller or callee line: value, share of the function's cum, name. */
static void put_edge(FILE *file, const struct profile *profile, const struct peek_edge *edge,
                     uint32_t other, double cumulative, const char *sample_unit,
                     const char *unit)
{
    char value[64], share[32];
    units_label(value, sizeof value, edge->weight, sample_unit, unit);
    units_percentage(share, sizeof share, edge->weight, cumulative);
    fprintf(file, "%50s %s |   ", value, share);
    text_put_name(file, profile_string(profile, other), profile_string_length(profile, other));
    fputc('\n', file);
}

int text_peek(FILE *file, const struct profile *profile, size_t sample_type,
              text_peek_match match, void *context, const struct text_peek_options *options,
              size_t *matched)
{
    const char *sample_unit = profile_string(profile, profile->sample_types[sample_type].unit);
    size_t string_count = profile->strings.count;
    struct function_table table;
    function_table_build(&table, profile, sample_type);
    function_table_sort(&table, profile, options->sort);
    unsigned char *chosen = xcalloc(string_count + 1, 1);
    *matched = 0;
    int status = 0;
    for (size_t i = 0; i < table.count && status == 0; i++) {
        uint32_t name = table.rows[i].name;
        int verdict = match(context, profile_string(profile, name),
                            profile_string_length(profile, name));
        if (verdict < 0)
            status = -1;
        else if (verdict > 0) {
            chosen[name] = 1;
            ++*matched;
        }
    }
    if (status < 0 || *matched == 0) {
        free(chosen);
        function_table_free(&table);
        return status;
    }

    struct edge_table edges = {0};
    edges.slots = xcalloc(64, sizeof *edges.slots);
    edges.slot_mask = 63;
    collect_edges(&edges, profile, sample_type, chosen);
    qsort_r(edges.edges, edges.count, sizeof *edges.edges, compare_edges, (void *)profile);
    struct edge_groups callers, callees;
    group_edges(&callers, &edges, string_count, 1);
    group_edges(&callees, &edges, string_count, 0);

    double total = table.absolute_sum;
    const char *unit = units_table_unit(options->unit, function_rows_smallest(table.rows, table.count),
                                        total, sample_unit);
    char value[64], other[64], share[32], running_share[32], cum_share[32];
    text_profile_header(file, profile, sample_type, total, unit);
    units_label(value, sizeof value, table.flat_sum, sample_unit, unit);
    units_label(other, sizeof other, total, sample_unit, unit);
    units_percentage(share, sizeof share, table.flat_sum, total);
    const char *trimmed = share;
    while (*trimmed == ' ')
        trimmed++;
    fprintf(file, "Showing nodes accounting for %s, %s of %s total\n", value, trimmed, other);
    fputs(separator, file);
    fputs("      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n", file);
    double running = 0;
    for (size_t i = 0; i < table.count; i++) {
        const struct function_row *row = &table.rows[i];
        if (!chosen[row->name])
            continue;
        fputs(separator, file);
        for (uint32_t at = callers.start[row->name]; at < callers.start[row->name + 1]; at++) {
            const struct peek_edge *edge = &edges.edges[callers.index[at]];
            if (edge->weight != 0)
                put_edge(file, profile, edge, edge->caller, row->cumulative, sample_unit, unit);
        }
        running += row->flat;
        units_label(value, sizeof value, row->flat, sample_unit, unit);
        units_label(other, sizeof other, row->cumulative, sample_unit, unit);
        units_percentage(share, sizeof share, row->flat, total);
        units_percentage(running_share, sizeof running_share, running, total);
        units_percentage(cum_share, sizeof cum_share, row->cumulative, total);
        fprintf(file, "%10s %s %s %10s %s                | ", value, share, running_share, other,
                cum_share);
        text_put_name(file, profile_string(profile, row->name),
                      profile_string_length(profile, row->name));
        fputc('\n', file);
        for (uint32_t at = callees.start[row->name]; at < callees.start[row->name + 1]; at++) {
            const struct peek_edge *edge = &edges.edges[callees.index[at]];
            if (edge->weight != 0)
                put_edge(file, profile, edge, edge->callee, row->cumulative, sample_unit, unit);
        }
    }
    fputs(separator, file);
    free_groups(&callers);
    free_groups(&callees);
    free(edges.edges);
    free(edges.slots);
    free(chosen);
    function_table_free(&table);
    return ferror(file) ? -1 : 0;
}
