/* flame_layout.c — flamegraph.pl's frame layout (sort, flow, prune);
 * see flame_layout.h for the idea. */
#define _GNU_SOURCE /* qsort_r */
#include "flame_layout.h"
#include "../formats/format.h"
#include "../util/memory.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- flowing lines into boxes ---- */

struct open_frame {
    uint32_t name, flags;
    double start, delta;
};

struct flow {
    struct flame_layout *layout;
    const struct flame_layout_options *options;
    struct open_frame *open;
    size_t open_count, open_capacity;
    double time;
    /* the line being flowed: names[0] is the root */
    uint32_t *names, *flags;
    size_t path_capacity;
    /* chain palette rewriting */
    uint32_t *chain_names, *chain_flags;
    size_t chain_capacity;
    uint32_t dashes;
};

/* flamegraph.pl keeps a box's end time only inside its hash key
 * "name;depth;end", where perl prints it with 15 significant digits; the
 * width it prunes and draws uses that printed value. */
static double perl_key_time(double time)
{
    if (time == floor(time) && fabs(time) < 1e15)
        return time;
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%.15g", time);
    return strtod(buffer, NULL);
}

static void close_box(struct flow *flow, size_t depth)
{
    struct flame_layout *layout = flow->layout;
    const struct open_frame *frame = &flow->open[depth];
    double end = perl_key_time(flow->time);
    if (end == frame->start) {
        /* flamegraph.pl keys boxes by "name;depth;end": a zero-width box
         * replaces an earlier box with the same name, depth and end. */
        for (size_t i = layout->box_count; i-- > 0 && layout->boxes[i].end == end;) {
            struct flame_box *earlier = &layout->boxes[i];
            if (earlier->depth == depth && earlier->name == frame->name &&
                (earlier->flags & FLAME_BOX_WAKER) == (frame->flags & FLAME_BOX_WAKER)) {
                memmove(earlier, earlier + 1, (layout->box_count - i - 1) * sizeof *earlier);
                layout->box_count--;
                break;
            }
        }
    }
    if (end - frame->start < flow->options->min_width)
        return;
    GROW(layout->boxes, layout->box_capacity, layout->box_count + 1);
    layout->boxes[layout->box_count++] = (struct flame_box){
        .name = frame->name,
        .flags = frame->flags,
        .depth = (uint32_t)depth,
        .start = frame->start,
        .end = end,
        .delta = frame->delta,
    };
}

/* One input line: names/flags[0, count) with the root first. */
static void flow_line(struct flow *flow, const uint32_t *names, const uint32_t *flags,
                      size_t count, double value, int has_delta, double delta)
{
    size_t same = 0;
    while (same < flow->open_count && same < count && flow->open[same].name == names[same] &&
           (flow->open[same].flags & FLAME_BOX_WAKER) == (flags[same] & FLAME_BOX_WAKER))
        same++;
    for (size_t depth = flow->open_count; depth-- > same;)
        close_box(flow, depth);
    GROW(flow->open, flow->open_capacity, count);
    for (size_t depth = same; depth < count; depth++) {
        flow->open[depth] = (struct open_frame){
            .name = names[depth],
            .flags = flags[depth] | (has_delta ? FLAME_BOX_HAS_DELTA : 0),
            .start = flow->time,
            .delta = has_delta && depth == count - 1 ? delta : 0,
        };
    }
    flow->open_count = count;
    flow->time += value;
    if (has_delta && fabs(delta) > flow->layout->max_delta)
        flow->layout->max_delta = fabs(delta);
}

/* flamegraph.pl's chain palette rewrites "a;--;b;c" as "a;--;b_[w];c_[w]"
 * and a stack without a ";--;" separator as "stack;--". */
static void flow_chain_line(struct flow *flow, size_t count, double value, int has_delta,
                            double delta)
{
    GROW(flow->chain_names, flow->chain_capacity, 2 * count + 2);
    flow->chain_flags = xrealloc(flow->chain_flags, flow->chain_capacity * sizeof *flow->chain_flags);
    size_t out = 0;
    flow->chain_names[out] = flow->names[0];
    flow->chain_flags[out++] = 0;
    int separators = 0, previous_separator = 0;
    for (size_t i = 1; i < count; i++) {
        int separator = i > 1 && i + 1 < count && flow->names[i] == flow->dashes &&
                        !previous_separator;
        previous_separator = separator;
        if (separator) {
            separators++;
            flow->chain_names[out] = flow->dashes;
            flow->chain_flags[out++] = 0;
            continue;
        }
        flow->chain_names[out] = flow->names[i];
        flow->chain_flags[out++] = separators ? FLAME_BOX_WAKER : 0;
    }
    if (!separators) {
        flow->chain_names[out] = flow->dashes;
        flow->chain_flags[out++] = 0;
    }
    flow_line(flow, flow->chain_names, flow->chain_flags, out, value, has_delta, delta);
}

static void emit_line(struct flow *flow, size_t count, double value, int has_delta, double delta)
{
    if (flow->options->chain)
        flow_chain_line(flow, count, value, has_delta, delta);
    else
        flow_line(flow, flow->names, flow->flags, count, value, has_delta, delta);
}

static void ensure_path(struct flow *flow, size_t count)
{
    if (count <= flow->path_capacity)
        return;
    size_t capacity = flow->path_capacity;
    GROW(flow->names, capacity, count);
    flow->flags = xrealloc(flow->flags, capacity * sizeof *flow->flags);
    memset(flow->flags + flow->path_capacity, 0, (capacity - flow->path_capacity) * sizeof *flow->flags);
    flow->path_capacity = capacity;
}

/* ---- ordering children like sorted lines ---- */

struct order_item {
    uint32_t node;
    uint32_t ends; /* 1: the line ending at node; 0: the lines passing through it */
};

struct order_context {
    const struct profile *profile;
    const struct flame_layout_options *options;
};

/* What follows a frame's name in a line: ";" or " COUNT" (" BEFORE AFTER"). */
static size_t item_suffix(const struct order_context *context, const struct order_item *item,
                          char *buffer, size_t size)
{
    if (!item->ends) {
        buffer[0] = ';';
        return 1;
    }
    size_t length = 0;
    buffer[length++] = ' ';
    if (context->options->before_type >= 0) {
        length += (size_t)format_count(buffer + length, size - length,
                                       profile_self_value(context->profile, item->node,
                                                          (size_t)context->options->before_type));
        buffer[length++] = ' ';
    }
    length += (size_t)format_count(buffer + length, size - length,
                                   profile_self_value(context->profile, item->node,
                                                      context->options->sample_type));
    return length;
}

static int compare_items(const void *left, const void *right, void *context_pointer)
{
    const struct order_context *context = context_pointer;
    const struct order_item *a = left, *b = right;
    const struct profile *profile = context->profile;
    uint32_t frame_a = profile->nodes[a->node].frame, frame_b = profile->nodes[b->node].frame;
    const char *name_a = profile_frame_name(profile, frame_a);
    const char *name_b = profile_frame_name(profile, frame_b);
    size_t length_a = profile_frame_name_length(profile, frame_a);
    size_t length_b = profile_frame_name_length(profile, frame_b);
    size_t common = length_a < length_b ? length_a : length_b;
    int result = memcmp(name_a, name_b, common);
    if (result)
        return result;
    /* Equal so far: compare name + suffix byte by byte from here. */
    char suffix_a[80], suffix_b[80];
    size_t suffix_length_a = item_suffix(context, a, suffix_a, sizeof suffix_a);
    size_t suffix_length_b = item_suffix(context, b, suffix_b, sizeof suffix_b);
    size_t total_a = length_a + suffix_length_a, total_b = length_b + suffix_length_b;
    for (size_t i = common;; i++) {
        int byte_a = i < length_a ? (unsigned char)name_a[i]
                     : i < total_a ? (unsigned char)suffix_a[i - length_a] : -1;
        int byte_b = i < length_b ? (unsigned char)name_b[i]
                     : i < total_b ? (unsigned char)suffix_b[i - length_b] : -1;
        if (byte_a != byte_b)
            return byte_a < byte_b ? -1 : 1;
        if (byte_a < 0)
            break;
    }
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    return (int)a->ends - (int)b->ends;
}

struct walk_level {
    uint32_t node;
    size_t item_begin, item_end, next;
};

static int has_value(const struct profile *profile, const struct flame_layout_options *options,
                     uint32_t node)
{
    return profile_self_value(profile, node, options->sample_type) != 0 ||
           (options->before_type >= 0 &&
            profile_self_value(profile, node, (size_t)options->before_type) != 0);
}

static void line_values(const struct profile *profile, const struct flame_layout_options *options,
                        uint32_t node, double *value, double *delta)
{
    *value = profile_self_value(profile, node, options->sample_type);
    *delta = options->before_type >= 0
                 ? *value - profile_self_value(profile, node, (size_t)options->before_type)
                 : 0;
}

static void walk_sorted(struct flow *flow, const struct profile *profile,
                        const struct flame_layout_options *options)
{
    struct order_context context = {profile, options};
    struct order_item *items = NULL;
    size_t item_count = 0, item_capacity = 0;
    struct walk_level *levels = NULL;
    size_t level_count = 0, level_capacity = 0;
    int differential = options->before_type >= 0;

    uint32_t node = PROFILE_ROOT;
    for (;;) {
        /* Enter node: collect and order its children's items. */
        size_t begin = item_count;
        for (uint32_t child = profile->nodes[node].first_child; child != PROFILE_NONE;
             child = profile->nodes[child].next_sibling) {
            int has_children = profile->nodes[child].first_child != PROFILE_NONE;
            GROW(items, item_capacity, item_count + 2);
            if (has_children)
                items[item_count++] = (struct order_item){child, 0};
            if (!has_children || has_value(profile, options, child))
                items[item_count++] = (struct order_item){child, 1};
        }
        if (item_count - begin > 1)
            qsort_r(items + begin, item_count - begin, sizeof *items, compare_items, &context);
        GROW(levels, level_capacity, level_count + 1);
        levels[level_count++] = (struct walk_level){node, begin, item_count, begin};

        /* Advance to the next subtree to enter, emitting lines on the way. */
        node = PROFILE_NONE;
        while (level_count > 0 && node == PROFILE_NONE) {
            struct walk_level *level = &levels[level_count - 1];
            if (level->next == level->item_end) {
                item_count = level->item_begin;
                level_count--;
                continue;
            }
            struct order_item item = items[level->next++];
            size_t depth = level_count; /* the root level is 0, its children at depth 1 */
            ensure_path(flow, depth + 1);
            flow->names[depth] = profile->frames[profile->nodes[item.node].frame].name;
            if (item.ends) {
                double value, delta;
                line_values(profile, options, item.node, &value, &delta);
                emit_line(flow, depth + 1, value, differential, delta);
            } else {
                node = item.node;
            }
        }
        if (node == PROFILE_NONE)
            break;
    }
    free(items);
    free(levels);
}

static void walk_timeline(struct flow *flow, const struct profile *profile,
                          const struct flame_layout_options *options)
{
    int differential = options->before_type >= 0;
    for (size_t i = 0; i < profile->timeline_count; i++) {
        uint32_t node = profile->timeline[i].node;
        size_t depth = profile->nodes[node].depth;
        ensure_path(flow, depth + 1);
        for (uint32_t at = node; at != PROFILE_ROOT; at = profile->nodes[at].parent)
            flow->names[profile->nodes[at].depth] = profile->frames[profile->nodes[at].frame].name;
        double value, delta;
        line_values(profile, options, node, &value, &delta);
        if (options->sample_type == 0)
            value = profile->timeline[i].weight;
        emit_line(flow, depth + 1, value, differential, delta);
    }
}

int flame_layout_build(struct flame_layout *layout, const struct profile *profile,
                       const struct flame_layout_options *options)
{
    struct flow flow = {.layout = layout, .options = options};
    layout->max_delta = 1;
    flow.dashes = intern_find(&profile->strings, "--", 2);
    if (flow.dashes == UINT32_MAX)
        flow.dashes = FLAME_NAME_DASHES;
    ensure_path(&flow, 64);
    flow.names[0] = FLAME_NAME_ROOT;
    if (options->flamechart && profile->timeline_count > 0)
        walk_timeline(&flow, profile, options);
    else
        walk_sorted(&flow, profile, options);
    /* The final flow($last, []) closes everything. */
    for (size_t depth = flow.open_count; depth-- > 0;)
        close_box(&flow, depth);
    layout->total = flow.time;
    layout->max_depth = 0;
    for (size_t i = 0; i < layout->box_count; i++)
        if (layout->boxes[i].depth > layout->max_depth)
            layout->max_depth = layout->boxes[i].depth;
    free(flow.open);
    free(flow.names);
    free(flow.flags);
    free(flow.chain_names);
    free(flow.chain_flags);
    return 0;
}

void flame_layout_free(struct flame_layout *layout)
{
    free(layout->boxes);
    layout->boxes = NULL;
    layout->box_count = layout->box_capacity = 0;
}
