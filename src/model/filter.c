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

/* A rewrite fills path (capacity: the source's max depth + 1) with the
 * new stack, as frame ids of the destination, and returns its depth, or
 * DROP_STACK to leave the stack's values out. */
#define DROP_STACK SIZE_MAX
typedef size_t (*rewrite_stack)(void *context, uint32_t node, uint32_t *path);

/* A new profile with source's sample types, labels and metadata, and no
 * stacks. */
static struct profile *empty_copy(const struct profile *source)
{
    struct profile *copy = profile_create();
    for (size_t type = 0; type < source->sample_type_count; type++)
        profile_add_sample_type(copy, profile_string(source, source->sample_types[type].type),
                                profile_string(source, source->sample_types[type].unit));
    copy->default_sample_type = source->default_sample_type;
    copy->differential = source->differential;
    copy->keep_timeline = source->keep_timeline;
    copy->start_time = source->start_time;
    copy->end_time = source->end_time;
    copy->period = source->period;
    copy->period_type = profile_import_string(copy, source, source->period_type);
    for (size_t i = 0; i < source->label_count; i++)
        profile_add_label(copy, profile_string(source, source->labels[i].key),
                          profile_string(source, source->labels[i].value));
    return copy;
}

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

/* Adds to destination every stack of source that has a value or a timeline
 * entry, rewritten, with its values; then the timeline entries whose stack
 * survived, in order. */
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
    uint32_t *path = xmalloc((profile_max_depth(source) + 2) * sizeof *path);
    size_t stride = source->sample_type_count;
    for (uint32_t node = 0; node < source->node_count; node++) {
        if (!has_value(source, node) && !(on_timeline && on_timeline[node]))
            continue;
        size_t depth = rewrite(context, node, path);
        if (depth == DROP_STACK)
            continue;
        uint32_t target = profile_add_stack(destination, path, depth);
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
    free(path);
    free(on_timeline);
    free(node_map);
}

/* ---- pass 1: names (roots, focus, ignore, hide, show, prune_from, recursion) ---- */

enum frame_flag {
    FLAG_FOCUS = 1 << FILTER_FOCUS,
    FLAG_IGNORE = 1 << FILTER_IGNORE,
    FLAG_HIDE = 1 << FILTER_HIDE,
    FLAG_SHOW = 1 << FILTER_SHOW,
    FLAG_PRUNE_FROM = 1 << FILTER_PRUNE_FROM,
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

/* The destination frame for source frame as a stack's first frame. */
static uint32_t root_frame(struct name_pass *pass, uint32_t frame)
{
    if (pass->filter->strip_roots == FILTER_KEEP_ROOTS)
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

static size_t rewrite_names(void *context, uint32_t node, uint32_t *path)
{
    struct name_pass *pass = context;
    const struct profile_filter *filter = pass->filter;
    size_t depth = profile_root_path(pass->source, node, path);
    for (size_t i = 0; i < depth; i++)
        path[i] = i == 0 ? root_frame(pass, path[0]) : pass->frame_map[path[i]];

    /* focus / ignore: the whole stack, on the frames as they are now. */
    int any_pattern = 0;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        if (filter->patterns[which])
            any_pattern = 1;
    unsigned char seen = 0;
    if (any_pattern)
        for (size_t i = 0; i < depth; i++)
            seen |= frame_flags(pass, path[i]);
    if (pass->report)
        for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
            if (seen & (1 << which))
                pass->report->matched[which] = 1;
    if (seen & FLAG_IGNORE)
        return DROP_STACK;
    if (filter->patterns[FILTER_FOCUS] && !(seen & FLAG_FOCUS))
        return DROP_STACK;

    /* hide / show: remove frames; nothing left drops the stack. */
    if (filter->patterns[FILTER_HIDE] || filter->patterns[FILTER_SHOW]) {
        size_t kept = 0;
        for (size_t i = 0; i < depth; i++) {
            unsigned char flags = frame_flags(pass, path[i]);
            if (flags & FLAG_HIDE)
                continue;
            if (filter->patterns[FILTER_SHOW] && !(flags & FLAG_SHOW))
                continue;
            path[kept++] = path[i];
        }
        if (kept == 0 && depth > 0)
            return DROP_STACK;
        depth = kept;
    }

    /* prune_from: keep down to the deepest matching frame. */
    if (filter->patterns[FILTER_PRUNE_FROM])
        for (size_t i = depth; i-- > 0;)
            if (frame_flags(pass, path[i]) & FLAG_PRUNE_FROM) {
                depth = i + 1;
                break;
            }

    /* merge recursion: a run of frames of one name becomes one frame. */
    if (filter->merge_recursion && depth > 1) {
        const struct frame *frames = pass->destination->frames;
        size_t kept = 1;
        for (size_t i = 1; i < depth; i++)
            if (frames[path[i]].name != frames[path[kept - 1]].name)
                path[kept++] = path[i];
        depth = kept;
    }
    return depth;
}

static struct profile *apply_names(const struct profile_filter *filter,
                                   const struct profile *source,
                                   struct profile_filter_report *report)
{
    struct profile *destination = empty_copy(source);
    uint32_t *frame_map = import_frames(destination, source);
    struct name_pass pass = {
        .filter = filter,
        .source = source,
        .destination = destination,
        .frame_map = frame_map,
        .match_data = pcre2_match_data_create(1, NULL),
        .report = report,
    };
    if (filter->strip_roots != FILTER_KEEP_ROOTS) {
        pass.root_map = xmalloc((source->frame_count + 1) * sizeof *pass.root_map);
        for (size_t frame = 0; frame < source->frame_count; frame++)
            pass.root_map[frame] = PROFILE_NONE;
    }
    rewrite_stacks(source, destination, rewrite_names, &pass);
    pcre2_match_data_free(pass.match_data);
    free(pass.flags);
    free(pass.flags_known);
    free(pass.root_map);
    free(frame_map);
    return destination;
}

/* ---- pass 3: shape (max depth, min percent) ---- */

struct shape_pass {
    const struct profile_filter *filter;
    const struct profile *source;
    const uint32_t *frame_map;
    double *totals;      /* per source node, of the chosen type; NULL without min percent */
    double grand_total;
    uint32_t other;      /* destination frame "other" */
    uint32_t *nodes;     /* scratch: the root path as nodes */
};

static size_t rewrite_shape(void *context, uint32_t node, uint32_t *path)
{
    struct shape_pass *pass = context;
    const struct profile *source = pass->source;
    size_t depth = source->nodes[node].depth;
    for (size_t i = depth; i-- > 0;) {
        pass->nodes[i] = node;
        node = source->nodes[node].parent;
    }
    if (pass->filter->max_depth && depth > pass->filter->max_depth)
        depth = pass->filter->max_depth;
    for (size_t i = 0; i < depth; i++) {
        uint32_t at = pass->nodes[i];
        /* total * 100 < P * grand total: exact for integer counts. */
        if (pass->totals &&
            pass->totals[at] * 100.0 < pass->filter->min_percent * pass->grand_total) {
            path[i] = pass->other;
            return i + 1;
        }
        path[i] = pass->frame_map[source->nodes[at].frame];
    }
    return depth;
}

static struct profile *apply_shape(const struct profile_filter *filter,
                                   const struct profile *source, size_t sample_type)
{
    struct profile *destination = empty_copy(source);
    uint32_t *frame_map = import_frames(destination, source);
    struct shape_pass pass = {
        .filter = filter,
        .source = source,
        .frame_map = frame_map,
        .other = profile_frame_named(destination, PROFILE_FILTER_OTHER,
                                     strlen(PROFILE_FILTER_OTHER), FRAME_UNKNOWN),
        .nodes = xmalloc((profile_max_depth(source) + 1) * sizeof *pass.nodes),
    };
    if (filter->min_percent > 0 && sample_type < source->sample_type_count) {
        pass.totals = xmalloc(source->node_count * sizeof *pass.totals);
        profile_total_values(source, sample_type, pass.totals);
        pass.grand_total = pass.totals[PROFILE_ROOT];
    }
    rewrite_stacks(source, destination, rewrite_shape, &pass);
    free(pass.nodes);
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
