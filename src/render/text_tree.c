/* text_tree.c — the call tree as indented text; see text_tree.h.
 *
 * One depth-first walk on an explicit stack: a node's children are sorted
 * into a scratch array and pushed in reverse, so they pop in order. Every
 * node is pushed once, so the walk is O(n log n) in the nodes shown.
 */
#define _GNU_SOURCE /* qsort_r */
#include "text_tree.h"
#include "text_top.h"
#include "units.h"
#include "../util/memory.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tree_sorter {
    const struct profile *profile;
    const double *totals;
};

static int compare_strings(const struct profile *profile, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    if (a == PROFILE_NONE || b == PROFILE_NONE)
        return a == PROFILE_NONE ? -1 : 1;
    size_t length_a = profile_string_length(profile, a), length_b = profile_string_length(profile, b);
    int order = memcmp(profile_string(profile, a), profile_string(profile, b),
                       length_a < length_b ? length_a : length_b);
    if (order)
        return order < 0 ? -1 : 1;
    return length_a < length_b ? -1 : length_a > length_b ? 1 : 0;
}

/* Heavier first, then name, file, line, kind, and node id last (only
 * frames that differ in nothing printed can tie there). */
static int compare_children(const void *left, const void *right, void *context)
{
    const struct tree_sorter *sorter = context;
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    double weight_a = fabs(sorter->totals[a]), weight_b = fabs(sorter->totals[b]);
    if (weight_a != weight_b)
        return weight_a > weight_b ? -1 : 1;
    const struct profile *profile = sorter->profile;
    const struct frame *frame_a = &profile->frames[profile->nodes[a].frame];
    const struct frame *frame_b = &profile->frames[profile->nodes[b].frame];
    int order = compare_strings(profile, frame_a->name, frame_b->name);
    if (!order)
        order = compare_strings(profile, frame_a->file, frame_b->file);
    if (!order && frame_a->line != frame_b->line)
        order = frame_a->line < frame_b->line ? -1 : 1;
    if (!order && frame_a->kind != frame_b->kind)
        order = frame_a->kind < frame_b->kind ? -1 : 1;
    if (!order)
        order = a < b ? -1 : a > b ? 1 : 0;
    return order;
}

int text_tree(FILE *file, const struct profile *profile, size_t sample_type,
              const struct text_tree_options *options)
{
    const char *sample_unit = profile_string(profile, profile->sample_types[sample_type].unit);
    size_t node_count = profile->node_count;
    double *totals = xmalloc((node_count + 1) * sizeof *totals);
    profile_total_values(profile, sample_type, totals);
    double total = 0, smallest = 0;
    for (uint32_t node = 0; node < node_count; node++) {
        double self = fabs(profile_self_value(profile, node, sample_type));
        total += self;
        double value = self != 0 ? self : fabs(totals[node]);
        if (node != PROFILE_ROOT && value > 0 && (smallest == 0 || value < smallest))
            smallest = value;
    }
    const char *unit = units_table_unit(options->unit, smallest, total, sample_unit);

    char value[64], other[64], share[32], self_share[32];
    text_profile_header(file, profile, sample_type, total, unit);
    units_label(value, sizeof value, total, sample_unit, unit);
    fprintf(file, "Total: %s\n", value);
    fprintf(file, "%10s %6s %10s %6s  %s\n", "total", "total%", "self", "self%", "call tree");

    struct tree_sorter sorter = {profile, totals};
    uint32_t *stack = xmalloc((node_count + 1) * sizeof *stack);
    uint32_t *children = xmalloc((node_count + 1) * sizeof *children);
    size_t depth = 0;
    if (node_count)
        stack[depth++] = PROFILE_ROOT;
    while (depth) {
        uint32_t node = stack[--depth];
        const struct tree_node *tree = &profile->nodes[node];
        if (node != PROFILE_ROOT) {
            double self = profile_self_value(profile, node, sample_type);
            units_label(value, sizeof value, totals[node], sample_unit, unit);
            units_label(other, sizeof other, self, sample_unit, unit);
            units_percentage(share, sizeof share, totals[node], total);
            units_percentage(self_share, sizeof self_share, self, total);
            fprintf(file, "%10s %s %10s %s  %*s", value, share, other, self_share,
                    (int)(2 * (tree->depth - 1)), "");
            uint32_t name = profile->frames[tree->frame].name;
            text_put_name(file, profile_string(profile, name), profile_string_length(profile, name));
            fputc('\n', file);
        }
        size_t count = 0;
        for (uint32_t child = tree->first_child; child != PROFILE_NONE;
             child = profile->nodes[child].next_sibling)
            if (totals[child] != 0 || profile_self_value(profile, child, sample_type) != 0)
                children[count++] = child;
        qsort_r(children, count, sizeof *children, compare_children, &sorter);
        while (count)
            stack[depth++] = children[--count];
    }
    free(children);
    free(stack);
    free(totals);
    return ferror(file) ? -1 : 0;
}
