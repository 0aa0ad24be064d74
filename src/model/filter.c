/* filter.c — builds the filtered copy of a profile; see filter.h for what
 * each option does and the order they apply in. */
#define _GNU_SOURCE /* memrchr */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter.h"
#include "reverse.h"
#include "../util/memory.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct profile_filter {
    pcre2_code *patterns[FILTER_PATTERN_COUNT]; /* NULL when not given */
    enum filter_root_strip strip_roots;
    int merge_recursion;
    int invert;
    unsigned long max_depth;
    double min_percent;
};

struct profile_filter *profile_filter_create(const struct profile_filter_spec *spec,
                                             struct profile_filter_error *error)
{
    struct profile_filter *filter = xcalloc(1, sizeof *filter);
    filter->strip_roots = spec->strip_roots;
    filter->merge_recursion = spec->merge_recursion;
    filter->invert = spec->invert;
    filter->max_depth = spec->max_depth;
    filter->min_percent = spec->min_percent;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++) {
        const char *pattern = spec->patterns[which];
        if (!pattern || !*pattern)
            continue;
        int code;
        PCRE2_SIZE offset;
        filter->patterns[which] = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                                PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
                                                &offset, NULL);
        if (!filter->patterns[which]) {
            error->pattern = (enum filter_pattern)which;
            error->offset = offset;
            if (pcre2_get_error_message(code, (PCRE2_UCHAR *)error->message,
                                        sizeof error->message) < 0)
                strcpy(error->message, "invalid regular expression");
            profile_filter_destroy(filter);
            return NULL;
        }
    }
    return filter;
}

void profile_filter_destroy(struct profile_filter *filter)
{
    if (!filter)
        return;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        pcre2_code_free(filter->patterns[which]);
    free(filter);
}

int profile_filter_has_pattern(const struct profile_filter *filter, enum filter_pattern which)
{
    return filter->patterns[which] != NULL;
}

/* ---- the pass engine: rewrite every stack of a profile into a new one ---- */

/* A rewrite returns the destination node that takes the values of the
 * source node's stack, or PROFILE_NONE to leave them out. It is called in
 * node id order, so a node comes after its parent. */
typedef uint32_t (*rewrite_stack)(void *context, uint32_t node);

/* Imports every frame of source into destination in id order, so a source
 * frame keeps its id (frames are unique tuples); returns the map anyway. */
static uint32_t *import_frames(struct profile *destination, const struct profile *source)
{
    uint32_t *frame_map = xmalloc((source->frame_count + 1) * sizeof *frame_map);
    for (size_t frame = 0; frame < source->frame_count; frame++)
        frame_map[frame] = profile_import_frame(destination, source, (uint32_t)frame);
    return frame_map;
}

static int has_value(const struct profile *profile, uint32_t node)
{
    size_t stride = profile->sample_type_count;
    for (size_t type = 0; type < stride; type++)
        if (profile->self_values[(size_t)node * stride + type] != 0)
            return 1;
    return 0;
}

/* Adds to destination the values of every stack of source that has a
 * value or a timeline entry, at the node the rewrite gives; then the
 * timeline entries whose stack survived, in order. */
static void rewrite_stacks(const struct profile *source, struct profile *destination,
                           rewrite_stack rewrite, void *context)
{
    uint32_t *node_map = xmalloc(source->node_count * sizeof *node_map);
    for (size_t node = 0; node < source->node_count; node++)
        node_map[node] = PROFILE_NONE;
    /* Timeline entries may point at nodes without value: mark them. */
    unsigned char *on_timeline = NULL;
    if (source->timeline_count) {
        on_timeline = xcalloc(source->node_count, 1);
        for (size_t i = 0; i < source->timeline_count; i++)
            on_timeline[source->timeline[i].node] = 1;
    }
    size_t stride = source->sample_type_count;
    for (uint32_t node = 0; node < source->node_count; node++) {
        if (!has_value(source, node) && !(on_timeline && on_timeline[node]))
            continue;
        uint32_t target = rewrite(context, node);
        if (target == PROFILE_NONE)
            continue;
        node_map[node] = target;
        for (size_t type = 0; type < stride; type++) {
            double value = source->self_values[(size_t)node * stride + type];
            if (value != 0)
                profile_add_value(destination, target, type, value);
        }
    }
    for (size_t i = 0; i < source->timeline_count; i++) {
        const struct timeline_entry *entry = &source->timeline[i];
        uint32_t node = node_map[entry->node];
        if (node != PROFILE_NONE)
            profile_timeline_append(destination, entry->time,
                                    profile_import_string(destination, source, entry->thread),
                                    node, entry->weight);
    }
    free(on_timeline);
    free(node_map);
}

/* ---- pass 1: names (roots, focus, ignore, hide, show, prune_from, recursion) ----
 *
 * Every step of this pass is decided along the root path, so each source
 * node's outcome follows from its parent's: `seen` (the regex flags met
 * from the root down), `prune_at` (the deepest kept ancestor-or-self that
 * matches prune_from) and `mapped` (the destination node of the stack
 * ending there, after renaming, hiding and merging). seen and prune_at are
 * computed for every node up front; mapped only for the nodes a surviving
 * stack needs, so a stack that focus or ignore drops leaves no empty
 * nodes behind. No stack is ever built as a path of frames. */

enum frame_flag {
    FLAG_FOCUS = 1 << FILTER_FOCUS,
    FLAG_IGNORE = 1 << FILTER_IGNORE,
    FLAG_HIDE = 1 << FILTER_HIDE,
    FLAG_SHOW = 1 << FILTER_SHOW,
    FLAG_PRUNE_FROM = 1 << FILTER_PRUNE_FROM,
    FLAG_DROPPED = 1 << 7, /* computed: hidden by --hide or not shown by --show */
};

struct name_pass {
    const struct profile_filter *filter;
    const struct profile *source;
    struct profile *destination;
    const uint32_t *frame_map;  /* source frame -> destination frame */
    uint32_t *root_map;         /* source frame -> its stripped destination frame,
                                   PROFILE_NONE until needed */
    unsigned char *flags;       /* per destination frame: enum frame_flag bits */
    unsigned char *flags_known;
    size_t flags_capacity;
    pcre2_match_data *match_data;
    int any_pattern;
    unsigned char *seen;        /* per source node, when any_pattern */
    uint32_t *prune_at;         /* per source node, with prune_from */
    uint32_t *mapped;           /* per source node, PROFILE_NONE until needed */
    uint32_t *chain;            /* scratch: nodes whose mapping is being computed */
    struct profile_filter_report *report;
};

static int matches(struct name_pass *pass, const pcre2_code *pattern, const char *bytes,
                   size_t length)
{
    return pcre2_match(pattern, (PCRE2_SPTR)bytes, length, 0, 0, pass->match_data, NULL) >= 0;
}

/* focus, ignore, hide and show test name and file; prune_from the name. */
static unsigned char frame_flags(struct name_pass *pass, uint32_t frame)
{
    if (!pass->any_pattern)
        return 0;
    if (frame >= pass->flags_capacity) {
        size_t old_capacity = pass->flags_capacity;
        pass->flags_capacity = (frame + 1) * 2;
        pass->flags = xrealloc(pass->flags, pass->flags_capacity);
        pass->flags_known = xrealloc(pass->flags_known, pass->flags_capacity);
        memset(pass->flags_known + old_capacity, 0, pass->flags_capacity - old_capacity);
    }
    if (pass->flags_known[frame])
        return pass->flags[frame];
    const struct profile *profile = pass->destination;
    const struct frame *record = &profile->frames[frame];
    const char *name = profile_string(profile, record->name);
    size_t name_length = profile_string_length(profile, record->name);
    const char *file = NULL;
    size_t file_length = 0;
    if (record->file != PROFILE_NONE) {
        file = profile_string(profile, record->file);
        file_length = profile_string_length(profile, record->file);
    }
    unsigned char flags = 0;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++) {
        const pcre2_code *pattern = pass->filter->patterns[which];
        if (!pattern)
            continue;
        int hit = matches(pass, pattern, name, name_length);
        if (!hit && which != FILTER_PRUNE_FROM && file_length)
            hit = matches(pass, pattern, file, file_length);
        if (hit)
            flags |= (unsigned char)(1 << which);
    }
    if ((flags & FLAG_HIDE) || (pass->filter->patterns[FILTER_SHOW] && !(flags & FLAG_SHOW)))
        flags |= FLAG_DROPPED;
    pass->flags[frame] = flags;
    pass->flags_known[frame] = 1;
    return flags;
}

static int is_digits(const char *bytes, size_t length)
{
    if (length == 0)
        return 0;
    for (size_t i = 0; i < length; i++)
        if (bytes[i] < '0' || bytes[i] > '9')
            return 0;
    return 1;
}

/* The length name keeps once its "-PID" / "-PID/TID" suffix is stripped as
 * strip says; length itself when the name has no such suffix. */
static size_t stripped_root_length(const char *name, size_t length, enum filter_root_strip strip)
{
    const char *slash = memrchr(name, '/', length);
    size_t pid_end = length;
    if (slash && is_digits(slash + 1, length - (size_t)(slash - name) - 1))
        pid_end = (size_t)(slash - name);
    const char *dash = memrchr(name, '-', pid_end);
    if (!dash)
        return length;
    size_t pid_start = (size_t)(dash - name) + 1;
    /* perf script's "?" stands for a pid it did not print. */
    int pid_ok = is_digits(name + pid_start, pid_end - pid_start) ||
                 (pid_end - pid_start == 1 && name[pid_start] == '?');
    if (!pid_ok)
        return length;
    if (strip == FILTER_STRIP_TIDS)
        return pid_end;
    if (strip == FILTER_STRIP_PIDS)
        return (size_t)(dash - name);
    return length;
}

/* The destination frame of source node's own frame: its first frame is
 * renamed by root stripping. */
static uint32_t destination_frame(struct name_pass *pass, uint32_t node)
{
    const struct tree_node *tree_node = &pass->source->nodes[node];
    uint32_t frame = tree_node->frame;
    if (tree_node->depth != 1 || pass->filter->strip_roots == FILTER_KEEP_ROOTS)
        return pass->frame_map[frame];
    if (pass->root_map[frame] != PROFILE_NONE)
        return pass->root_map[frame];
    const struct frame *record = &pass->source->frames[frame];
    const char *name = profile_string(pass->source, record->name);
    size_t length = profile_string_length(pass->source, record->name);
    size_t kept = stripped_root_length(name, length, pass->filter->strip_roots);
    uint32_t mapped = pass->frame_map[frame];
    if (kept != length) {
        const struct frame *imported = &pass->destination->frames[mapped];
        mapped = profile_frame(pass->destination, profile_intern(pass->destination, name, kept),
                               imported->file, imported->line, (enum frame_kind)imported->kind);
    }
    pass->root_map[frame] = mapped;
    return mapped;
}

/* The destination node of the stack ending at source node: its nearest
 * mapped ancestor, then each node below it in turn is left out (hidden),
 * merged into its parent's node (same name as the last kept frame, with
 * merge recursion) or added as a child. */
static uint32_t map_node(struct name_pass *pass, uint32_t node)
{
    size_t count = 0;
    uint32_t at = node;
    while (pass->mapped[at] == PROFILE_NONE) {
        pass->chain[count++] = at;
        at = pass->source->nodes[at].parent;
    }
    uint32_t target = pass->mapped[at];
    struct profile *destination = pass->destination;
    while (count > 0) {
        uint32_t below = pass->chain[--count];
        uint32_t frame = destination_frame(pass, below);
        if (frame_flags(pass, frame) & FLAG_DROPPED) {
            /* hidden: the stack goes on from the same node */
        } else if (pass->filter->merge_recursion && target != PROFILE_ROOT &&
                   destination->frames[destination->nodes[target].frame].name ==
                       destination->frames[frame].name) {
            /* recursion: one frame for the run */
        } else {
            target = profile_child(destination, target, frame);
        }
        pass->mapped[below] = target;
    }
    return target;
}

static uint32_t rewrite_names(void *context, uint32_t node)
{
    struct name_pass *pass = context;
    const struct profile_filter *filter = pass->filter;
    if (pass->any_pattern) {
        /* focus / ignore: the whole stack, on the frames as renamed. */
        unsigned char seen = pass->seen[node];
        if (pass->report)
            for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
                if (seen & (1 << which))
                    pass->report->matched[which] = 1;
        if (seen & FLAG_IGNORE)
            return PROFILE_NONE;
        if (filter->patterns[FILTER_FOCUS] && !(seen & FLAG_FOCUS))
            return PROFILE_NONE;
    }
    /* prune_from: the stack ends at its deepest kept matching frame. */
    uint32_t last = node;
    if (pass->prune_at && pass->prune_at[node] != PROFILE_NONE)
        last = pass->prune_at[node];
    uint32_t target = map_node(pass, last);
    /* Every frame hidden: pprof drops the sample. */
    if (target == PROFILE_ROOT && node != PROFILE_ROOT)
        return PROFILE_NONE;
    return target;
}

/* seen and prune_at of every node, parents first. */
static void follow_paths(struct name_pass *pass)
{
    const struct profile *source = pass->source;
    int prune = pass->filter->patterns[FILTER_PRUNE_FROM] != NULL;
    pass->seen = xcalloc(source->node_count, 1);
    if (prune) {
        pass->prune_at = xmalloc(source->node_count * sizeof *pass->prune_at);
        pass->prune_at[PROFILE_ROOT] = PROFILE_NONE;
    }
    for (uint32_t node = 1; node < source->node_count; node++) {
        uint32_t parent = source->nodes[node].parent;
        unsigned char flags = frame_flags(pass, destination_frame(pass, node));
        pass->seen[node] = (unsigned char)(pass->seen[parent] | (flags & ~FLAG_DROPPED));
        if (prune)
            pass->prune_at[node] = (flags & FLAG_PRUNE_FROM) && !(flags & FLAG_DROPPED)
                                       ? node
                                       : pass->prune_at[parent];
    }
}

static struct profile *apply_names(const struct profile_filter *filter,
                                   const struct profile *source,
                                   struct profile_filter_report *report)
{
    struct profile *destination = profile_create_like(source);
    uint32_t *frame_map = import_frames(destination, source);
    struct name_pass pass = {
        .filter = filter,
        .source = source,
        .destination = destination,
        .frame_map = frame_map,
        .match_data = pcre2_match_data_create(1, NULL),
        .report = report,
    };
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        if (filter->patterns[which])
            pass.any_pattern = 1;
    if (filter->strip_roots != FILTER_KEEP_ROOTS) {
        pass.root_map = xmalloc((source->frame_count + 1) * sizeof *pass.root_map);
        for (size_t frame = 0; frame < source->frame_count; frame++)
            pass.root_map[frame] = PROFILE_NONE;
    }
    pass.mapped = xmalloc(source->node_count * sizeof *pass.mapped);
    for (size_t node = 0; node < source->node_count; node++)
        pass.mapped[node] = PROFILE_NONE;
    pass.mapped[PROFILE_ROOT] = PROFILE_ROOT;
    pass.chain = xmalloc((profile_max_depth(source) + 1) * sizeof *pass.chain);
    if (pass.any_pattern)
        follow_paths(&pass);
    rewrite_stacks(source, destination, rewrite_names, &pass);
    pcre2_match_data_free(pass.match_data);
    free(pass.chain);
    free(pass.mapped);
    free(pass.prune_at);
    free(pass.seen);
    free(pass.flags);
    free(pass.flags_known);
    free(pass.root_map);
    free(frame_map);
    return destination;
}

/* ---- pass 3: shape (max depth, min percent) ----
 *
 * Again each node's outcome follows from its parent's: a node is `closed`
 * when nothing may be added below its destination node (it became
 * "other", or it is at the maximum depth); the nodes below a closed one
 * give their values to its destination node. Destination nodes are made
 * only for the stacks that have values. */

struct shape_pass {
    const struct profile_filter *filter;
    const struct profile *source;
    struct profile *destination;
    const uint32_t *frame_map;
    double *totals;         /* per source node, of the chosen type; NULL without min percent */
    double grand_total;
    uint32_t other;         /* destination frame "other" */
    uint32_t *mapped;       /* per source node, PROFILE_NONE until needed */
    unsigned char *closed;  /* per source node, valid where mapped is */
    uint32_t *chain;        /* scratch */
};

static uint32_t rewrite_shape(void *context, uint32_t node)
{
    struct shape_pass *pass = context;
    const struct profile *source = pass->source;
    size_t count = 0;
    uint32_t at = node;
    while (pass->mapped[at] == PROFILE_NONE) {
        pass->chain[count++] = at;
        at = source->nodes[at].parent;
    }
    while (count > 0) {
        uint32_t below = pass->chain[--count];
        uint32_t parent = source->nodes[below].parent;
        uint32_t target = pass->mapped[parent];
        int closed = 1;
        if (pass->closed[parent]) {
            /* inside "other" or below the maximum depth */
        } else if (pass->totals &&
                   pass->totals[below] * 100.0 < pass->filter->min_percent * pass->grand_total) {
            /* total * 100 < P * grand total: exact for integer counts. */
            target = profile_child(pass->destination, target, pass->other);
        } else {
            target = profile_child(pass->destination, target,
                                   pass->frame_map[source->nodes[below].frame]);
            closed = pass->filter->max_depth && source->nodes[below].depth >= pass->filter->max_depth;
        }
        pass->mapped[below] = target;
        pass->closed[below] = (unsigned char)closed;
    }
    return pass->mapped[node];
}

static struct profile *apply_shape(const struct profile_filter *filter,
                                   const struct profile *source, size_t sample_type)
{
    struct profile *destination = profile_create_like(source);
    uint32_t *frame_map = import_frames(destination, source);
    struct shape_pass pass = {
        .filter = filter,
        .source = source,
        .destination = destination,
        .frame_map = frame_map,
        .other = profile_frame_named(destination, PROFILE_FILTER_OTHER,
                                     strlen(PROFILE_FILTER_OTHER), FRAME_UNKNOWN),
        .mapped = xmalloc(source->node_count * sizeof *pass.mapped),
        .closed = xcalloc(source->node_count, 1),
        .chain = xmalloc((profile_max_depth(source) + 1) * sizeof *pass.chain),
    };
    for (size_t node = 0; node < source->node_count; node++)
        pass.mapped[node] = PROFILE_NONE;
    pass.mapped[PROFILE_ROOT] = PROFILE_ROOT;
    if (filter->min_percent > 0 && sample_type < source->sample_type_count) {
        pass.totals = xmalloc(source->node_count * sizeof *pass.totals);
        profile_total_values(source, sample_type, pass.totals);
        pass.grand_total = pass.totals[PROFILE_ROOT];
    }
    rewrite_stacks(source, destination, rewrite_shape, &pass);
    free(pass.chain);
    free(pass.closed);
    free(pass.mapped);
    free(pass.totals);
    free(frame_map);
    return destination;
}

/* ---- the pipeline ---- */

struct profile *profile_filter_apply(const struct profile_filter *filter,
                                     const struct profile *source, size_t sample_type,
                                     struct profile_filter_report *report)
{
    if (report)
        memset(report, 0, sizeof *report);
    int names = filter->strip_roots != FILTER_KEEP_ROOTS || filter->merge_recursion;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        if (filter->patterns[which])
            names = 1;
    int shape = filter->max_depth > 0 || filter->min_percent > 0;

    /* Always a new profile: the name pass copies when nothing else runs. */
    struct profile *current = NULL;
    if (names || (!filter->invert && !shape))
        current = apply_names(filter, source, report);
    if (filter->invert) {
        struct profile *inverted = profile_reverse(current ? current : source);
        profile_destroy(current);
        current = inverted;
    }
    if (shape) {
        struct profile *shaped = apply_shape(filter, current ? current : source, sample_type);
        profile_destroy(current);
        current = shaped;
    }
    return current;
}
