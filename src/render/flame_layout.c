/* flame_layout.c — flamegraph.pl's frame layout (sort, flow, prune), and
 * the flame chart's (input order or time); see flame_layout.h for the
 * rules. */
#define _GNU_SOURCE /* qsort_r */
#include "flame_layout.h"
#include "units.h"
#include "../formats/format.h"
#include "../model/offcpu.h"
#include "../util/memory.h"

#include <float.h>
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
    /* hotcold: the marker's name id, or PROFILE_NONE */
    uint32_t offcpu_marker;
    /* the walk's promise for the next flow_line: open frames [0, known_same)
     * are that line's first frames (0: no promise) */
    size_t known_same;
    /* flame chart by time: boxes close at exact times, pruned by width */
    int timed;
    double timed_min_width;
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

/* A box of the flame chart by time: exact times, no flamegraph.pl keys. */
static void close_timed_box(struct flow *flow, size_t depth)
{
    struct flame_layout *layout = flow->layout;
    const struct open_frame *frame = &flow->open[depth];
    double end = flow->time;
    if (depth > 0 && (!(end > frame->start) || end - frame->start < flow->timed_min_width))
        return;
    GROW(layout->boxes, layout->box_capacity, layout->box_count + 1);
    layout->boxes[layout->box_count++] = (struct flame_box){
        .name = frame->name,
        .flags = frame->flags,
        .depth = (uint32_t)depth, /* within its lane; walk_time lifts it */
        .start = frame->start,
        .end = end,
        .delta = frame->delta,
    };
}

static void close_box(struct flow *flow, size_t depth)
{
    if (flow->timed) {
        close_timed_box(flow, depth);
        return;
    }
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
    size_t same = flow->known_same < flow->open_count ? flow->known_same : flow->open_count;
    flow->known_same = 0;
    while (same < flow->open_count && same < count && flow->open[same].name == names[same] &&
           (flow->open[same].flags & FLAME_BOX_WAKER) == (flags[same] & FLAME_BOX_WAKER))
        same++;
    for (size_t depth = flow->open_count; depth-- > same;)
        close_box(flow, depth);
    GROW(flow->open, flow->open_capacity, count);
    /* hotcold: the marker and the frames above it are off-CPU */
    size_t offcpu_from = count;
    if (flow->offcpu_marker != PROFILE_NONE)
        for (size_t depth = 0; depth < count; depth++)
            if (names[depth] == flow->offcpu_marker) {
                offcpu_from = depth;
                break;
            }
    for (size_t depth = same; depth < count; depth++) {
        flow->open[depth] = (struct open_frame){
            .name = names[depth],
            .flags = flags[depth] | (has_delta ? FLAME_BOX_HAS_DELTA : 0) |
                     (depth >= offcpu_from ? FLAME_BOX_OFFCPU : 0),
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
    flow->known_same = 0; /* the rewritten line is not the walk's path */
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
    /* A node's own line and the lines through it: same name, then " COUNT"
     * against ";", and ' ' sorts before ';'. */
    if (a->node == b->node)
        return (int)b->ends - (int)a->ends;
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
    int duplicate_names; /* two children share a name: no subtree skipping here */
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

/* Whether node is a line of the input (it ends a stack). */
static int is_line(const struct profile *profile, const struct flame_layout_options *options,
                   uint32_t node)
{
    return profile->nodes[node].first_child == PROFILE_NONE || has_value(profile, options, node);
}

/* ---- skipping subtrees narrower than minwidth ----
 *
 * Every box inside a subtree is at most as wide as the subtree's total, so
 * when that total is below minwidth (zero included: the stacks only BEFORE
 * has, in a differential graph) none of them is drawn, and flowing the
 * subtree's lines one by one only moves the clock. The walk then flows one
 * line ending at the subtree's root with the subtree's total instead (its
 * box is dropped too), which closes and opens the boxes outside exactly as
 * the subtree's first line would. This is exact under conditions checked
 * here: counts are whole numbers (sums are exact in any order) and not
 * negative; the chain palette (which rewrites lines) is off; the root's
 * siblings have names of their own (so the next line closes everything
 * from the root's depth down); and no drawn box deeper than the root ends
 * where the subtree starts (a zero-width box at the very start of the
 * subtree would replace it: flamegraph.pl's quirk, kept in close_box). The
 * largest |delta| of the differential colour scale is
 * taken over every line beforehand, as flamegraph.pl reads it from every
 * input line. */
struct subtree_skip {
    double *totals; /* per node, NULL when skipping does not apply */
};

/* One pass from the last node back (a node's children come after it, so
 * their totals are in by the time it is reached): subtree totals, whether
 * every count is whole, and the largest |delta| of a line. */
static void subtree_skip_init(struct subtree_skip *skip, struct flow *flow,
                              const struct profile *profile,
                              const struct flame_layout_options *options)
{
    skip->totals = NULL;
    int differential = options->before_type >= 0;
    double max_delta = flow->layout->max_delta;
    int whole = 1;
    double *totals = xcalloc(profile->node_count, sizeof *totals);
    for (uint32_t node = (uint32_t)profile->node_count - 1; node >= 1; node--) {
        double value = profile_self_value(profile, node, options->sample_type);
        totals[node] += value;
        totals[profile->nodes[node].parent] += totals[node];
        if (value < 0 || value != floor(value))
            whole = 0;
        if (differential && is_line(profile, options, node)) {
            double line_value, delta;
            line_values(profile, options, node, &line_value, &delta);
            if (fabs(delta) > max_delta)
                max_delta = fabs(delta);
        }
    }
    totals[PROFILE_ROOT] += profile_self_value(profile, PROFILE_ROOT, options->sample_type);
    flow->layout->max_delta = max_delta;
    /* Sums of whole numbers below 2^53 are exact in any order. */
    if (!whole || options->chain || !(options->min_width > 0) || profile->node_count < 2 ||
        !(totals[PROFILE_ROOT] < 9007199254740992.0)) {
        free(totals);
        return;
    }
    skip->totals = totals;
}

/* Whether the zero-width boxes a subtree entered now at depth may start
 * with could not replace a drawn box: flamegraph.pl's zero-width box
 * replaces a box of its name and depth that ends where it is (close_box).
 * Boxes inside the subtree are deeper than depth; the drawn boxes that end
 * now are those already closed now and the open ones this line closes: no
 * deeper one may be wide enough to be drawn. */
static int zero_width_boxes_harmless(const struct flow *flow, size_t depth)
{
    double now = flow->time; /* a whole number here: perl prints it as it is */
    for (size_t open = depth + 1; open < flow->open_count; open++)
        if (!(now - flow->open[open].start < flow->options->min_width))
            return 0;
    const struct flame_layout *layout = flow->layout;
    for (size_t i = layout->box_count; i-- > 0 && layout->boxes[i].end == now;)
        if (layout->boxes[i].depth > depth)
            return 0;
    return 1;
}

/* Whether the lines below node, entered at depth from level, can be
 * flowed as one line. */
static int can_skip(const struct subtree_skip *skip, const struct flow *flow,
                    const struct profile *profile, const struct walk_level *level, uint32_t node,
                    size_t depth)
{
    if (!skip->totals || level->duplicate_names)
        return 0;
    double below = skip->totals[node] -
                   profile_self_value(profile, node, flow->options->sample_type);
    return below >= 0 && below < flow->options->min_width &&
           zero_width_boxes_harmless(flow, depth);
}

static int has_duplicate_names(const struct profile *profile, const struct order_item *items,
                               size_t count)
{
    for (size_t i = 1; i < count; i++) {
        uint32_t a = items[i - 1].node, b = items[i].node;
        if (a != b && profile->frames[profile->nodes[a].frame].name ==
                          profile->frames[profile->nodes[b].frame].name)
            return 1;
    }
    return 0;
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
    struct subtree_skip skip;
    subtree_skip_init(&skip, flow, profile, options);
    size_t unchanged_depth = 0; /* flow->names[0, this) are the last flowed line's */

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
        levels[level_count++] = (struct walk_level){
            node, begin, item_count, begin,
            skip.totals && has_duplicate_names(profile, items + begin, item_count - begin)};

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
            if (depth < unchanged_depth)
                unchanged_depth = depth;
            if (item.ends) {
                double value, delta;
                line_values(profile, options, item.node, &value, &delta);
                /* The path above depth is the one the last line flowed. */
                flow->known_same = unchanged_depth;
                unchanged_depth = SIZE_MAX;
                emit_line(flow, depth + 1, value, differential, delta);
            } else if (can_skip(&skip, flow, profile, level, item.node, depth)) {
                /* item.node's own line, if any, was its "ends" item, already
                 * flowed: this flows the lines below it, as one. */
                double below = skip.totals[item.node] -
                               profile_self_value(profile, item.node, options->sample_type);
                flow->known_same = unchanged_depth;
                unchanged_depth = SIZE_MAX;
                flow_line(flow, flow->names, flow->flags, depth + 1, below, differential, 0);
            } else {
                node = item.node;
            }
        }
        if (node == PROFILE_NONE)
            break;
    }
    free(skip.totals);
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

/* ---- the flame chart by time ---- */

/* One timeline entry placed in time: [start, end) in seconds from the
 * origin, in its lane. */
struct timed_sample {
    double start, end;
    uint32_t node;
    uint32_t lane;
    size_t entry; /* its index in the timeline */
};

/* thread string id -> its current lane and last time (open addressing) */
struct thread_slot {
    uint32_t thread;
    uint32_t lane;
    double last_time;
    int used;
};

struct lane {
    size_t first, count; /* its samples in plan->samples, in input order */
    double first_time;
    uint32_t id;          /* creation order, the tie-break */
};

struct time_plan {
    struct timed_sample *samples; /* grouped by lane, input order within */
    size_t count;
    struct lane *lanes;           /* in drawing order */
    size_t lane_count;
    double origin, span;
    double slack;                 /* times closer than this are equal */
    int durations_known;
};

/* Rounding slack when comparing times of magnitude time: a few units in
 * the last place, at least a picosecond. */
static double time_slack(double time)
{
    return 8 * DBL_EPSILON * fabs(time) + 1e-12;
}

/* Seconds per unit of the timeline's weights (sample type 0), or 0 when
 * they are not times. */
static double weight_seconds(const struct profile *profile)
{
    if (profile->sample_type_count == 0)
        return 0;
    const char *unit = profile_string(profile, profile->sample_types[0].unit);
    if (!unit || strcmp(unit, "auto") == 0 || strcmp(unit, "minimum") == 0)
        return 0;
    /* a time unit scales to ms 1000 times bigger than to s; any other
     * unit (counts, bytes) is left as it is or scaled alike */
    const char *name = "";
    double seconds = units_scale(1, unit, "s", &name);
    double milliseconds = units_scale(1, unit, "ms", &name);
    return seconds > 0 && fabs(milliseconds - 1000 * seconds) <= 1e-9 * milliseconds ? seconds : 0;
}

static size_t thread_slot_of(const struct thread_slot *slots, size_t capacity, uint32_t thread)
{
    size_t at = (thread * 2654435761u) & (capacity - 1);
    while (slots[at].used && slots[at].thread != thread)
        at = (at + 1) & (capacity - 1);
    return at;
}

/* Gives every timeline entry a lane: per thread, a new lane when its time
 * goes backwards. Fills lane_of[entry]; returns the number of lanes. The
 * table grows with the threads (kept at most half full). */
static uint32_t assign_lanes(const struct profile *profile, uint32_t *lane_of)
{
    size_t capacity = 16, used = 0;
    struct thread_slot *slots = xcalloc(capacity, sizeof *slots);
    uint32_t lanes = 0;
    for (size_t i = 0; i < profile->timeline_count; i++) {
        const struct timeline_entry *entry = &profile->timeline[i];
        size_t at = thread_slot_of(slots, capacity, entry->thread);
        if (!slots[at].used && 2 * (used + 1) > capacity) {
            struct thread_slot *old = slots;
            slots = xcalloc(2 * capacity, sizeof *slots);
            for (size_t j = 0; j < capacity; j++)
                if (old[j].used)
                    slots[thread_slot_of(slots, 2 * capacity, old[j].thread)] = old[j];
            capacity *= 2;
            free(old);
            at = thread_slot_of(slots, capacity, entry->thread);
        }
        struct thread_slot *slot = &slots[at];
        if (!slot->used)
            used++;
        if (!slot->used || entry->time < slot->last_time - time_slack(slot->last_time)) {
            slot->used = 1;
            slot->thread = entry->thread;
            slot->lane = lanes++;
            slot->last_time = entry->time;
        }
        if (entry->time > slot->last_time)
            slot->last_time = entry->time;
        lane_of[i] = slot->lane;
    }
    free(slots);
    return lanes;
}

static int compare_lanes(const void *left, const void *right)
{
    const struct lane *a = left, *b = right;
    if (a->first_time != b->first_time)
        return a->first_time < b->first_time ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left, b = *(const double *)right;
    return a < b ? -1 : a > b;
}

/* The median gap between consecutive samples of a lane, over all lanes;
 * without any, the span divided by the samples, or a millisecond. */
static double typical_interval(const struct time_plan *plan)
{
    double *gaps = xmalloc((plan->count + 1) * sizeof *gaps);
    size_t gap_count = 0;
    for (size_t l = 0; l < plan->lane_count; l++) {
        const struct lane *lane = &plan->lanes[l];
        for (size_t i = lane->first + 1; i < lane->first + lane->count; i++) {
            double gap = plan->samples[i].start - plan->samples[i - 1].start;
            if (gap > plan->slack)
                gaps[gap_count++] = gap;
        }
    }
    double interval;
    if (gap_count) {
        qsort(gaps, gap_count, sizeof *gaps, compare_doubles);
        interval = gap_count % 2 ? gaps[gap_count / 2]
                                 : (gaps[gap_count / 2 - 1] + gaps[gap_count / 2]) / 2;
    } else {
        interval = plan->span > 0 ? plan->span / (double)plan->count : 1e-3;
    }
    free(gaps);
    return interval;
}

/* Places the timeline in time. Returns 0, or -1 when it cannot be drawn
 * by time (an entry without time, or nothing that takes time). */
static int plan_time(struct time_plan *plan, const struct profile *profile)
{
    size_t count = profile->timeline_count;
    if (count == 0)
        return -1;
    double first = INFINITY, last = -INFINITY;
    for (size_t i = 0; i < count; i++) {
        double time = profile->timeline[i].time;
        if (!isfinite(time))
            return -1;
        if (time < first)
            first = time;
        if (time > last)
            last = time;
    }
    double seconds_per_weight = weight_seconds(profile);
    if (last == first && seconds_per_weight == 0)
        return -1; /* one instant and no durations: nothing to spread */

    uint32_t *lane_of = xmalloc(count * sizeof *lane_of);
    size_t lane_count = assign_lanes(profile, lane_of);
    struct lane *lanes = xcalloc(lane_count, sizeof *lanes);
    for (size_t i = 0; i < count; i++)
        lanes[lane_of[i]].count++;
    size_t offset = 0;
    for (size_t l = 0; l < lane_count; l++) {
        lanes[l].first = offset;
        lanes[l].id = (uint32_t)l;
        lanes[l].first_time = INFINITY;
        offset += lanes[l].count;
        lanes[l].count = 0;
    }
    struct timed_sample *samples = xmalloc(count * sizeof *samples);
    for (size_t i = 0; i < count; i++) {
        const struct timeline_entry *entry = &profile->timeline[i];
        struct lane *lane = &lanes[lane_of[i]];
        struct timed_sample *sample = &samples[lane->first + lane->count];
        double start = entry->time - first;
        /* times within a lane never go back (slack only) */
        if (lane->count > 0 && start < sample[-1].start)
            start = sample[-1].start;
        /* end holds the duration (known or not) until the ends are set */
        double duration = seconds_per_weight > 0 && entry->weight > 0
                              ? entry->weight * seconds_per_weight
                              : 0;
        *sample = (struct timed_sample){start, duration, entry->node, lane_of[i], i};
        if (lane->count++ == 0)
            lane->first_time = start;
    }
    free(lane_of);
    plan->samples = samples;
    plan->count = count;
    plan->lanes = lanes;
    plan->lane_count = lane_count;
    plan->origin = first;
    plan->span = last - first;
    /* times relative to the origin keep the rounding of the absolute ones */
    plan->slack = time_slack(fabs(first) + fabs(last));
    plan->durations_known = seconds_per_weight > 0;

    double interval = plan->durations_known ? 0 : typical_interval(plan);
    double span = 0;
    for (size_t l = 0; l < lane_count; l++) {
        struct lane *lane = &lanes[l];
        for (size_t i = lane->first; i < lane->first + lane->count; i++) {
            struct timed_sample *sample = &samples[i];
            int has_next = i + 1 < lane->first + lane->count;
            double next = has_next ? samples[i + 1].start : INFINITY;
            double end;
            if (plan->durations_known) {
                end = sample->start + sample->end; /* the duration, see above */
                if (end > next)
                    end = next;
            } else if (has_next && next - sample->start <= 1.5 * interval) {
                end = next;
            } else {
                end = sample->start + interval;
            }
            sample->end = end > sample->start ? end : sample->start;
            if (sample->end > span)
                span = sample->end;
        }
    }
    plan->span = span;
    qsort(lanes, lane_count, sizeof *lanes, compare_lanes);
    if (!(span > 0)) {
        free(plan->samples);
        free(plan->lanes);
        *plan = (struct time_plan){0};
        return -1; /* nothing takes time: input order it is */
    }
    return 0;
}

int flame_chart_times(const struct profile *profile, struct flame_chart_times *times)
{
    struct time_plan plan = {0};
    *times = (struct flame_chart_times){0};
    if (plan_time(&plan, profile) < 0)
        return -1;
    size_t count = profile->timeline_count;
    times->start = xmalloc(count * sizeof *times->start);
    times->end = xmalloc(count * sizeof *times->end);
    times->lane = xmalloc(count * sizeof *times->lane);
    times->count = count;
    times->lane_count = plan.lane_count;
    times->origin = plan.origin;
    times->span = plan.span;
    times->durations_known = plan.durations_known;
    uint32_t *position = xmalloc(plan.lane_count * sizeof *position);
    for (size_t l = 0; l < plan.lane_count; l++)
        position[plan.lanes[l].id] = (uint32_t)l;
    for (size_t i = 0; i < count; i++) {
        const struct timed_sample *sample = &plan.samples[i];
        times->start[sample->entry] = sample->start;
        times->end[sample->entry] = sample->end;
        times->lane[sample->entry] = position[sample->lane];
    }
    free(position);
    free(plan.samples);
    free(plan.lanes);
    return 0;
}

void flame_chart_times_free(struct flame_chart_times *times)
{
    free(times->start);
    free(times->end);
    free(times->lane);
    *times = (struct flame_chart_times){0};
}

/* Closes every open box but the root at the flow's time. */
static void close_above_root(struct flow *flow)
{
    for (size_t depth = flow->open_count; depth-- > 1;)
        close_box(flow, depth);
    if (flow->open_count > 1)
        flow->open_count = 1;
}

/* Flows the plan lane by lane; then lifts each lane's boxes onto its band:
 * the rows its kept boxes use, above the previous bands and an empty row,
 * so a lane whose boxes were all pruned takes no room. Returns the number
 * of bands drawn. */
static size_t walk_time(struct flow *flow, const struct profile *profile,
                        const struct time_plan *plan)
{
    struct flame_layout *layout = flow->layout;
    size_t lane_base = 0, bands = 0;
    for (size_t l = 0; l < plan->lane_count; l++) {
        const struct lane *lane = &plan->lanes[l];
        size_t first_box = layout->box_count;
        double previous_end = -INFINITY;
        for (size_t i = lane->first; i < lane->first + lane->count; i++) {
            const struct timed_sample *sample = &plan->samples[i];
            if (!(sample->end > sample->start))
                continue; /* takes no time */
            if (sample->start - previous_end > plan->slack) {
                flow->time = previous_end; /* a gap: everything open ends */
                close_above_root(flow);
            }
            uint32_t node = sample->node;
            size_t depth = profile->nodes[node].depth;
            ensure_path(flow, depth + 1);
            for (uint32_t at = node; at != PROFILE_ROOT; at = profile->nodes[at].parent)
                flow->names[profile->nodes[at].depth] =
                    profile->frames[profile->nodes[at].frame].name;
            flow->time = sample->start;
            emit_line(flow, depth + 1, sample->end - sample->start, 0, 0);
            previous_end = sample->end;
        }
        flow->time = previous_end;
        close_above_root(flow);
        uint32_t rows = 0;
        for (size_t i = first_box; i < layout->box_count; i++)
            if (layout->boxes[i].depth > rows)
                rows = layout->boxes[i].depth;
        for (size_t i = first_box; i < layout->box_count; i++)
            layout->boxes[i].depth += (uint32_t)lane_base;
        if (rows > 0) {
            lane_base += rows + 1; /* the band's rows and an empty one */
            bands++;
        }
    }
    flow->time = plan->span;
    return bands;
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
    flow.offcpu_marker = options->hotcold ? offcpu_marker_name(profile) : PROFILE_NONE;
    struct time_plan plan = {0};
    if (options->flamechart && plan_time(&plan, profile) == 0) {
        flow.timed = 1;
        flow.timed_min_width = options->min_width_fraction * plan.span;
        GROW(flow.open, flow.open_capacity, 1);
        flow.open[0] = (struct open_frame){.name = FLAME_NAME_ROOT, .start = 0};
        flow.open_count = 1;
        layout->lane_count = walk_time(&flow, profile, &plan);
        layout->timed = 1;
        layout->time_origin = plan.origin;
        layout->durations_known = plan.durations_known;
    } else if (options->flamechart && profile->timeline_count > 0) {
        walk_timeline(&flow, profile, options);
    } else {
        walk_sorted(&flow, profile, options);
    }
    free(plan.samples);
    free(plan.lanes);
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
