/* pstats.c — reading cProfile / profile dumps and estimating a call tree
 * from them; see pstats.h for the file's layout.
 *
 * The call tree
 * -------------
 * A pstats file holds no stacks, only caller->callee edges with the
 * callee's counts and times restricted to that caller. The tree is grown
 * from the roots (functions nobody calls) downwards; at each frame of
 * width W (seconds) whose own time is S:
 *
 *  - the frame's children are its callees, one per outgoing edge;
 *  - when the context is *exact* — every function on the path from the
 *    root down to this one, this one included, has a single caller — the
 *    edges' numbers describe exactly the calls made on this path, and a
 *    child's width is its edge's cumtime (only shrunk proportionally if
 *    the children together exceed W, which rounding or recursion can
 *    cause);
 *  - otherwise the edge's numbers mix calls from every path, and the
 *    children share the frame's remaining time W - S in proportion to
 *    their edges' cumtimes (the rule flameprof uses); the child's own
 *    time and calls are scaled by the same factor.
 *
 * So frames at depth one are exact, and below that a frame is exact
 * only while its ancestors have one caller each; elsewhere it is an
 * estimate.
 *
 * Recursion: a function appears once on a path. Edges back to the path are
 * not followed and take no share of the frame (cProfile counts recursive
 * time once, at the outermost call, and the deeper levels' calls to other
 * functions are in those functions' edges already), and an estimated child
 * is never wider than its edge's cumtime, so what recursion leaves
 * unexplained stays in the frame's own time instead of inflating a small
 * callee. Frames narrower than 1/100000 of the total are left out (their
 * time stays in the parent's own time), which bounds the tree to 100000
 * frames per level, and a budget of frames stops pathological inputs.
 *
 * Roots are the functions without callers; functions no root reaches (a
 * profile enabled inside a recursion) are made roots, largest cumtime
 * first, until every function is reachable. A root is as wide as its
 * cumtime, or as its callees' edges together if they add up to more (the
 * profile module's fake "profiler" root has no time of its own).
 *
 * The profile module writes bare call counts on edges: such an edge gets
 * the callee's tottime in proportion to its calls and its cumtime in
 * proportion to its primitive calls (cumtime counts only those), neither
 * beyond the whole, and makes everything below it an estimate.
 *
 * Values: sample type 0 is ("time", "nanoseconds"), the frame's own time
 * on that path rounded to a nanosecond (so totals are cumulative times);
 * type 1 is ("calls", "count"), the calls of the frame's function on that
 * path, rounded to whole calls.
 */
#include "pstats.h"
#include "marshal.h"
#include "../util/diagnostics.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_TREE_NODES = 2 * 1000 * 1000, /* real dumps need far fewer (the 3 MB bench dump: 20k) */
};
static const double MINIMUM_WIDTH_FRACTION = 1e-5;
/* Times beyond this many seconds (30 years) are treated as garbage. */
static const double LARGEST_TIME = 1e9;

/* ---------- loading ---------- */

struct loader {
    const struct marshal_document *document;
    struct pstats *stats;
    const char *name; /* input name for messages */
    size_t function_capacity, edge_capacity;
    uint32_t *function_of_object; /* marshal object index -> function, or UINT32_MAX */
    uint64_t *string_hashes;      /* marshal object index -> content hash | 1, 0 unknown */
    uint64_t *function_hashes;    /* function -> its key's hash */
    uint32_t *slots;              /* content hash of keys -> function + 1 (0 empty) */
    size_t slot_mask;
};

static int load_error(const struct loader *loader, uint64_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int load_error(const struct loader *loader, uint64_t offset, const char *format, ...)
{
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    report_at_offset(loader->name, offset, "%s", message);
    return -1;
}

static const struct marshal_object *object(const struct loader *loader, uint32_t index)
{
    return marshal_object_at(loader->document, index);
}

static int is_string(const struct marshal_object *value)
{
    return value->type == MARSHAL_STRING || value->type == MARSHAL_BYTES;
}

static int is_number(const struct marshal_object *value)
{
    return value->type == MARSHAL_INT || value->type == MARSHAL_FLOAT;
}

static double number_value(const struct marshal_object *value)
{
    return value->type == MARSHAL_INT ? (double)value->value.integer : value->value.real;
}

/* The content hash of a string object, computed once per object: keys in
 * callers dicts are new tuples, but their strings are back-references. */
static uint64_t string_hash(struct loader *loader, uint32_t index)
{
    if (!loader->string_hashes[index]) {
        const struct marshal_object *string = object(loader, index);
        loader->string_hashes[index] =
            hash_bytes(marshal_string_bytes(loader->document, string), string->length) | 1;
    }
    return loader->string_hashes[index];
}

static uint64_t key_hash(uint64_t file_hash, int64_t line, uint64_t name_hash)
{
    return hash_mix64(file_hash * 31 + name_hash + (uint64_t)line * 0x9e3779b97f4a7c15ULL);
}

static void grow_slots(struct loader *loader)
{
    struct pstats *stats = loader->stats;
    size_t size = (loader->slot_mask + 1) * 2;
    if (size < 1024)
        size = 1024;
    free(loader->slots);
    loader->slots = xcalloc(size, sizeof *loader->slots);
    loader->slot_mask = size - 1;
    for (size_t i = 0; i < stats->function_count; i++) {
        size_t slot = loader->function_hashes[i] & loader->slot_mask;
        while (loader->slots[slot])
            slot = (slot + 1) & loader->slot_mask;
        loader->slots[slot] = (uint32_t)i + 1;
    }
}

/* The function a (filename, line, funcname) key names, added if new.
 * what says where the key was found, for messages. Returns -1 on a bad key. */
static long intern_function(struct loader *loader, uint32_t key_index, const char *what)
{
    if (loader->function_of_object[key_index] != UINT32_MAX)
        return loader->function_of_object[key_index];
    const struct marshal_document *document = loader->document;
    const struct marshal_object *key = object(loader, key_index);
    if (key->type != MARSHAL_TUPLE || key->length != 3)
        return load_error(loader, key->offset,
                          "expected %s: a (filename, line, function) tuple, found a %s%s", what,
                          marshal_type_name(key), key->type == MARSHAL_TUPLE ? " of another size" : "");
    const struct marshal_object *file = object(loader, marshal_item(document, key, 0));
    const struct marshal_object *line = object(loader, marshal_item(document, key, 1));
    const struct marshal_object *name = object(loader, marshal_item(document, key, 2));
    if (!is_string(file))
        return load_error(loader, file->offset, "expected a file name string in %s, found a %s",
                          what, marshal_type_name(file));
    if (line->type != MARSHAL_INT)
        return load_error(loader, line->offset, "expected a line number int in %s, found a %s",
                          what, marshal_type_name(line));
    if (!is_string(name))
        return load_error(loader, name->offset, "expected a function name string in %s, found a %s",
                          what, marshal_type_name(name));

    struct pstats *stats = loader->stats;
    const char *file_bytes = marshal_string_bytes(document, file);
    const char *name_bytes = marshal_string_bytes(document, name);
    if ((stats->function_count + 1) * 2 > loader->slot_mask + 1)
        grow_slots(loader);
    uint64_t hash = key_hash(string_hash(loader, marshal_item(document, key, 0)),
                             line->value.integer,
                             string_hash(loader, marshal_item(document, key, 2)));
    size_t slot = hash & loader->slot_mask;
    while (loader->slots[slot]) {
        uint32_t candidate = loader->slots[slot] - 1;
        const struct pstats_function *function = &stats->functions[candidate];
        if (function->line == line->value.integer && function->file_length == file->length &&
            function->name_length == name->length &&
            memcmp(function->file, file_bytes, file->length) == 0 &&
            memcmp(function->name, name_bytes, name->length) == 0) {
            loader->function_of_object[key_index] = candidate;
            return candidate;
        }
        slot = (slot + 1) & loader->slot_mask;
    }
    if (stats->function_count + 1 > loader->function_capacity) {
        size_t capacity = loader->function_capacity;
        GROW(stats->functions, capacity, stats->function_count + 1);
        loader->function_hashes =
            xrealloc(loader->function_hashes, capacity * sizeof *loader->function_hashes);
        loader->function_capacity = capacity;
    }
    loader->function_hashes[stats->function_count] = hash;
    struct pstats_function *function = &stats->functions[stats->function_count];
    memset(function, 0, sizeof *function);
    function->file = file_bytes;
    function->file_length = file->length;
    function->name = name_bytes;
    function->name_length = name->length;
    function->line = line->value.integer;
    uint32_t index = (uint32_t)stats->function_count++;
    loader->slots[slot] = index + 1;
    loader->function_of_object[key_index] = index;
    return index;
}

static int read_count(const struct loader *loader, const struct marshal_object *value,
                      const char *what, int64_t *count)
{
    if (value->type != MARSHAL_INT)
        return load_error(loader, value->offset, "expected %s (an int), found a %s", what,
                          marshal_type_name(value));
    *count = value->value.integer;
    return 0;
}

static int read_time(const struct loader *loader, const struct marshal_object *value,
                     const char *what, double *time)
{
    if (!is_number(value))
        return load_error(loader, value->offset, "expected %s (a number), found a %s", what,
                          marshal_type_name(value));
    *time = number_value(value);
    return 0;
}

/* The 5-tuple value of a dict entry; callers_index receives the callers dict. */
static int read_function_stats(struct loader *loader, uint32_t value_index,
                               struct pstats_function *function, uint32_t *callers_index)
{
    const struct marshal_document *document = loader->document;
    const struct marshal_object *value = object(loader, value_index);
    if (value->type != MARSHAL_TUPLE || value->length != 5)
        return load_error(loader, value->offset,
                          "expected a (primitive calls, calls, tottime, cumtime, callers) tuple, "
                          "found a %s%s", marshal_type_name(value),
                          value->type == MARSHAL_TUPLE ? " of another size" : "");
    if (read_count(loader, object(loader, marshal_item(document, value, 0)), "the primitive call count",
                   &function->primitive_calls) < 0 ||
        read_count(loader, object(loader, marshal_item(document, value, 1)), "the call count",
                   &function->total_calls) < 0 ||
        read_time(loader, object(loader, marshal_item(document, value, 2)), "tottime",
                  &function->total_time) < 0 ||
        read_time(loader, object(loader, marshal_item(document, value, 3)), "cumtime",
                  &function->cumulative_time) < 0)
        return -1;
    *callers_index = marshal_item(document, value, 4);
    const struct marshal_object *callers = object(loader, *callers_index);
    if (callers->type != MARSHAL_DICT)
        return load_error(loader, callers->offset, "expected the callers dict, found a %s",
                          marshal_type_name(callers));
    return 0;
}

static int read_edge(struct loader *loader, uint32_t value_index, struct pstats_edge *edge)
{
    const struct marshal_document *document = loader->document;
    const struct marshal_object *value = object(loader, value_index);
    if (value->type == MARSHAL_INT) { /* the profile module: a call count */
        edge->total_calls = edge->primitive_calls = value->value.integer;
        edge->has_times = 0;
        return 0;
    }
    if (value->type != MARSHAL_TUPLE || value->length != 4)
        return load_error(loader, value->offset,
                          "expected a caller's (calls, primitive calls, tottime, cumtime) tuple or "
                          "call count, found a %s%s", marshal_type_name(value),
                          value->type == MARSHAL_TUPLE ? " of another size" : "");
    edge->has_times = 1;
    if (read_count(loader, object(loader, marshal_item(document, value, 0)), "a caller's call count",
                   &edge->total_calls) < 0 ||
        read_count(loader, object(loader, marshal_item(document, value, 1)),
                   "a caller's primitive call count", &edge->primitive_calls) < 0 ||
        read_time(loader, object(loader, marshal_item(document, value, 2)), "a caller's tottime",
                  &edge->total_time) < 0 ||
        read_time(loader, object(loader, marshal_item(document, value, 3)), "a caller's cumtime",
                  &edge->cumulative_time) < 0)
        return -1;
    return 0;
}

static int load_document(struct loader *loader)
{
    const struct marshal_document *document = loader->document;
    struct pstats *stats = loader->stats;
    const struct marshal_object *root = object(loader, document->root);
    if (root->type != MARSHAL_DICT)
        return load_error(loader, root->offset, "expected the statistics dict, found a %s",
                          marshal_type_name(root));
    if (root->length == 0)
        return load_error(loader, root->offset, "the statistics dict is empty (no functions)");

    /* Pass 1: the keys, in file order; a repeated key keeps its first place
     * and its last value, as a Python dict does. */
    uint32_t *callers_of = xmalloc(root->length * sizeof *callers_of);
    for (size_t pair = 0; pair < root->length; pair++) {
        long function = intern_function(loader, marshal_item(document, root, 2 * pair),
                                        "a function key");
        if (function < 0 ||
            read_function_stats(loader, marshal_item(document, root, 2 * pair + 1),
                                &stats->functions[function], &callers_of[function]) < 0) {
            free(callers_of);
            return -1;
        }
        stats->functions[function].has_stats = 1;
    }
    stats->keyed_count = stats->function_count;

    /* Pass 2: the callers dicts. A caller named twice in one dict keeps its
     * last value. */
    size_t mark_capacity = 0;
    uint32_t *last_callee = NULL, *edge_of_caller = NULL;
    int status = 0;
    for (size_t callee = 0; callee < stats->keyed_count && status == 0; callee++) {
        const struct marshal_object *callers = object(loader, callers_of[callee]);
        stats->functions[callee].first_caller = (uint32_t)stats->edge_count;
        for (size_t pair = 0; pair < callers->length; pair++) {
            long caller = intern_function(loader, marshal_item(document, callers, 2 * pair),
                                          "a caller key");
            if (caller < 0) {
                status = -1;
                break;
            }
            if (stats->function_count > mark_capacity) {
                size_t old = mark_capacity;
                GROW(last_callee, mark_capacity, stats->function_count);
                edge_of_caller = xrealloc(edge_of_caller, mark_capacity * sizeof *edge_of_caller);
                for (size_t i = old; i < mark_capacity; i++)
                    last_callee[i] = UINT32_MAX;
            }
            struct pstats_edge edge = {.caller = (uint32_t)caller, .callee = (uint32_t)callee};
            if (read_edge(loader, marshal_item(document, callers, 2 * pair + 1), &edge) < 0) {
                status = -1;
                break;
            }
            if (last_callee[caller] == callee) {
                stats->edges[edge_of_caller[caller]] = edge;
                continue;
            }
            GROW(stats->edges, loader->edge_capacity, stats->edge_count + 1);
            last_callee[caller] = (uint32_t)callee;
            edge_of_caller[caller] = (uint32_t)stats->edge_count;
            stats->edges[stats->edge_count++] = edge;
        }
        stats->functions[callee].caller_count =
            (uint32_t)(stats->edge_count - stats->functions[callee].first_caller);
    }
    free(last_callee);
    free(edge_of_caller);
    free(callers_of);
    return status;
}

int pstats_load(struct pstats *stats, struct input *input)
{
    memset(stats, 0, sizeof *stats);
    if (input_read_all(input, &stats->data, &stats->length) < 0)
        return -1;
    struct marshal_document document;
    if (marshal_decode(&document, stats->data, stats->length) < 0) {
        report_at_offset(input_name(input), document.error_offset, "%s", document.error);
        marshal_free(&document);
        pstats_free(stats);
        return -1;
    }
    struct loader loader = {.document = &document, .stats = stats, .name = input_name(input)};
    loader.function_of_object = xmalloc(document.object_count * sizeof *loader.function_of_object);
    memset(loader.function_of_object, 0xff, document.object_count * sizeof *loader.function_of_object);
    loader.string_hashes = xcalloc(document.object_count + 1, sizeof *loader.string_hashes);
    int status = load_document(&loader);
    free(loader.function_of_object);
    free(loader.string_hashes);
    free(loader.function_hashes);
    free(loader.slots);
    marshal_free(&document);
    if (status < 0)
        pstats_free(stats);
    return status;
}

void pstats_free(struct pstats *stats)
{
    free(stats->data);
    free(stats->functions);
    free(stats->edges);
    memset(stats, 0, sizeof *stats);
}

/* ---------- the call tree ---------- */

static double clean_time(double seconds)
{
    return isfinite(seconds) && seconds > 0 && seconds < LARGEST_TIME ? seconds : 0;
}

static double clean_count(int64_t count)
{
    return count > 0 ? (double)count : 0;
}

/* An edge's numbers as the tree uses them. */
struct edge_values {
    uint32_t callee;
    int estimated; /* times derived from call counts */
    double calls, self_time, width;
};

/* One frame of the depth-first expansion. */
struct expansion {
    uint32_t function, node;
    double width, self_time, calls;
    double factor;          /* applied to every followed edge's numbers */
    int exact_children;     /* the outgoing edges describe exactly this path */
    uint32_t next_edge, end_edge;
    double children_width;
};

struct tree_builder {
    const struct pstats *stats;
    struct profile *profile;
    struct pstats_build_report *report;
    size_t time_type, calls_type;
    uint32_t *frames;            /* function -> frame id */
    uint32_t *outgoing_start;    /* function -> first index in outgoing */
    struct edge_values *outgoing; /* edges grouped by caller */
    unsigned char *on_path;      /* function -> 1 while on the current path */
    struct expansion *stack;
    size_t stack_count, stack_capacity;
    double minimum_width;
};

static void add_node_values(struct tree_builder *builder, uint32_t node, double self_time,
                            double calls)
{
    double nanoseconds = round(self_time * 1e9);
    if (nanoseconds > 0) {
        profile_add_value(builder->profile, node, builder->time_type, nanoseconds);
        builder->report->nonzero_stacks++;
    }
    if (round(calls) > 0)
        profile_add_value(builder->profile, node, builder->calls_type, round(calls));
}

/* Decides how the frame's width is shared among its callees. Edges back to
 * a function on the path (recursion) are not followed and take no share:
 * cProfile counts a recursive call's time once, at its outermost call, and
 * that time is also in the edges to the other callees made at deeper
 * levels, which the frame's children stand for.
 *
 * Exact context: every edge keeps its cumtime, all shrunk together only if
 * they exceed the width.
 *
 * Otherwise the callees share what is left after the frame's own time, in
 * proportion to their edges' cumtimes (flameprof's rule), but no child is
 * made wider than its edge's cumtime: when recursion leaves little for the
 * other callees, the rest stays in the frame rather than inflating them. */
static void share_width(struct tree_builder *builder, struct expansion *frame)
{
    double forward = 0;
    for (uint32_t i = frame->next_edge; i < frame->end_edge; i++)
        if (!builder->on_path[builder->outgoing[i].callee])
            forward += builder->outgoing[i].width;
    if (frame->exact_children) {
        frame->factor = forward > frame->width ? frame->width / forward : 1;
        return;
    }
    double available = frame->width - frame->self_time;
    frame->factor = forward > 0 && available > 0 ? available / forward : 0;
    if (frame->factor > 1)
        frame->factor = 1;
}

static void push_frame(struct tree_builder *builder, uint32_t function, uint32_t parent_node,
                       double width, double self_time, double calls, int exact)
{
    const struct pstats *stats = builder->stats;
    GROW(builder->stack, builder->stack_capacity, builder->stack_count + 1);
    struct expansion *frame = &builder->stack[builder->stack_count++];
    frame->function = function;
    frame->node = profile_child(builder->profile, parent_node, builder->frames[function]);
    builder->report->frames_added++;
    frame->width = width;
    frame->self_time = self_time;
    frame->calls = calls;
    frame->exact_children = exact && stats->functions[function].caller_count <= 1;
    frame->next_edge = builder->outgoing_start[function];
    frame->end_edge = builder->outgoing_start[function + 1];
    frame->children_width = 0;
    builder->on_path[function] = 1;
    share_width(builder, frame);
}

static void expand(struct tree_builder *builder)
{
    while (builder->stack_count) {
        struct expansion *frame = &builder->stack[builder->stack_count - 1];
        if (frame->next_edge == frame->end_edge) {
            double self_time = frame->width - frame->children_width;
            add_node_values(builder, frame->node, self_time > 0 ? self_time : 0, frame->calls);
            builder->on_path[frame->function] = 0;
            builder->stack_count--;
            continue;
        }
        const struct edge_values *edge = &builder->outgoing[frame->next_edge++];
        if (builder->on_path[edge->callee])
            continue; /* recursion */
        double factor = frame->factor;
        double width = edge->width * factor;
        if (!(width >= builder->minimum_width) || width <= 0)
            continue;
        if (builder->profile->node_count >= MAX_TREE_NODES) {
            builder->report->truncated = 1;
            continue;
        }
        frame->children_width += width;
        int exact = frame->exact_children && !edge->estimated;
        push_frame(builder, edge->callee, frame->node, width, edge->self_time * factor,
                   edge->calls * factor, exact);
    }
}

static uint32_t function_frame(struct profile *profile, const struct pstats_function *function)
{
    uint32_t name = profile_intern(profile, function->name, function->name_length);
    int builtin = function->line == 0 && function->file_length == 1 && function->file[0] == '~';
    uint32_t file = builtin ? PROFILE_NONE : profile_intern(profile, function->file,
                                                            function->file_length);
    uint32_t line = function->line > 0 && function->line <= (int64_t)UINT32_MAX
                        ? (uint32_t)function->line : 0;
    return profile_frame(profile, name, file, line, FRAME_PYTHON);
}

/* Marks everything reachable from start along caller->callee edges. */
static void mark_reachable(const struct tree_builder *builder, uint32_t start,
                           unsigned char *reached, uint32_t *queue)
{
    size_t head = 0, tail = 0;
    if (reached[start])
        return;
    reached[start] = 1;
    queue[tail++] = start;
    while (head < tail) {
        uint32_t function = queue[head++];
        for (uint32_t i = builder->outgoing_start[function]; i < builder->outgoing_start[function + 1];
             i++) {
            uint32_t callee = builder->outgoing[i].callee;
            if (!reached[callee]) {
                reached[callee] = 1;
                queue[tail++] = callee;
            }
        }
    }
}

void pstats_build_profile(const struct pstats *stats, struct profile *profile,
                          struct pstats_build_report *report)
{
    memset(report, 0, sizeof *report);
    struct tree_builder builder = {.stats = stats, .profile = profile, .report = report};
    builder.time_type = profile_add_sample_type(profile, "time", "nanoseconds");
    builder.calls_type = profile_add_sample_type(profile, "calls", "count");
    size_t count = stats->function_count;

    builder.frames = xmalloc((count + 1) * sizeof *builder.frames);
    for (size_t i = 0; i < count; i++)
        builder.frames[i] = function_frame(profile, &stats->functions[i]);

    /* Outgoing edges grouped by caller (a counting sort of the callee-grouped list). */
    builder.outgoing_start = xcalloc(count + 2, sizeof *builder.outgoing_start);
    for (size_t i = 0; i < stats->edge_count; i++)
        builder.outgoing_start[stats->edges[i].caller + 2]++;
    for (size_t i = 2; i < count + 2; i++)
        builder.outgoing_start[i] += builder.outgoing_start[i - 1];
    builder.outgoing = xmalloc((stats->edge_count + 1) * sizeof *builder.outgoing);
    for (size_t i = 0; i < stats->edge_count; i++) {
        const struct pstats_edge *edge = &stats->edges[i];
        const struct pstats_function *callee = &stats->functions[edge->callee];
        struct edge_values *values = &builder.outgoing[builder.outgoing_start[edge->caller + 1]++];
        values->callee = edge->callee;
        values->calls = clean_count(edge->total_calls);
        if (edge->has_times) {
            values->estimated = 0;
            values->self_time = clean_time(edge->total_time);
            values->width = clean_time(edge->cumulative_time);
        } else {
            /* tottime covers every call, cumtime only the outermost
             * (primitive) ones: share each by its own count. */
            double self_share = callee->total_calls > 0
                                    ? values->calls / (double)callee->total_calls : 0;
            double width_share = callee->primitive_calls > 0
                                     ? values->calls / (double)callee->primitive_calls : 0;
            values->estimated = 1;
            values->self_time = clean_time(callee->total_time) * (self_share < 1 ? self_share : 1);
            values->width = clean_time(callee->cumulative_time) * (width_share < 1 ? width_share : 1);
        }
    }

    /* Roots: functions without callers, then the unreachable ones. */
    unsigned char *reached = xcalloc(count + 1, 1);
    uint32_t *queue = xmalloc((count + 1) * sizeof *queue);
    uint32_t *roots = xmalloc((count + 1) * sizeof *roots);
    size_t root_count = 0;
    for (uint32_t i = 0; i < count; i++)
        if (stats->functions[i].caller_count == 0) {
            roots[root_count++] = i;
            mark_reachable(&builder, i, reached, queue);
        }
    size_t unreached = 0;
    for (uint32_t i = 0; i < count; i++)
        if (!reached[i])
            queue[unreached++] = i;
    if (unreached) {
        /* Largest cumtime first, ties in file order: a stable merge sort. */
        uint32_t *candidates = xmalloc(unreached * sizeof *candidates);
        memcpy(candidates, queue, unreached * sizeof *candidates);
        uint32_t *scratch = xmalloc(unreached * sizeof *scratch);
        for (size_t width = 1; width < unreached; width *= 2) {
            for (size_t low = 0; low < unreached; low += 2 * width) {
                size_t middle = low + width < unreached ? low + width : unreached;
                size_t high = low + 2 * width < unreached ? low + 2 * width : unreached;
                size_t left = low, right = middle, out = low;
                while (left < middle && right < high) {
                    double a = clean_time(stats->functions[candidates[left]].cumulative_time);
                    double b = clean_time(stats->functions[candidates[right]].cumulative_time);
                    scratch[out++] = b > a ? candidates[right++] : candidates[left++];
                }
                while (left < middle)
                    scratch[out++] = candidates[left++];
                while (right < high)
                    scratch[out++] = candidates[right++];
            }
            memcpy(candidates, scratch, unreached * sizeof *candidates);
        }
        free(scratch);
        for (size_t i = 0; i < unreached; i++)
            if (!reached[candidates[i]]) {
                roots[root_count++] = candidates[i];
                report->promoted_roots++;
                mark_reachable(&builder, candidates[i], reached, queue);
            }
        free(candidates);
    }

    /* A root is as wide as its cumtime, or as its callees together when
     * that is more: the profile module's fake "profiler" root has no time of
     * its own but calls the profiled code. */
    double *root_widths = xmalloc((root_count + 1) * sizeof *root_widths);
    double total = 0;
    for (size_t i = 0; i < root_count; i++) {
        double callees = 0;
        for (uint32_t edge = builder.outgoing_start[roots[i]];
             edge < builder.outgoing_start[roots[i] + 1]; edge++)
            callees += builder.outgoing[edge].width;
        double own = clean_time(stats->functions[roots[i]].cumulative_time);
        root_widths[i] = callees > own ? callees : own;
        total += root_widths[i];
    }
    builder.minimum_width = total * MINIMUM_WIDTH_FRACTION;
    builder.on_path = xcalloc(count + 1, 1);
    for (size_t i = 0; i < root_count; i++) {
        const struct pstats_function *root = &stats->functions[roots[i]];
        double width = root_widths[i];
        if (width <= 0)
            continue; /* roots are kept however narrow: the total stays whole */
        if (profile->node_count >= MAX_TREE_NODES) {
            report->truncated = 1;
            break;
        }
        push_frame(&builder, roots[i], PROFILE_ROOT, width, clean_time(root->total_time),
                   clean_count(root->total_calls), 1);
        expand(&builder);
    }
    free(root_widths);
    free(reached);
    free(queue);
    free(roots);
    free(builder.on_path);
    free(builder.stack);
    free(builder.outgoing);
    free(builder.outgoing_start);
    free(builder.frames);
}

/* ---------- the format ---------- */

int pstats_probe(const char *head, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)head;
    if (length < 3 || (bytes[0] & 0x7f) != '{')
        return 0;
    int tuple = bytes[1] & 0x7f;
    if (tuple == ')' && bytes[2] == 3)
        return 90;
    if (tuple == '(' && length >= 6 && bytes[2] == 3 && bytes[3] == 0 && bytes[4] == 0 &&
        bytes[5] == 0)
        return 90;
    return 0;
}

static int pstats_read(struct input *input, struct profile *profile,
                       const struct read_options *options, struct read_statistics *statistics)
{
    (void)options;
    struct pstats stats;
    if (pstats_load(&stats, input) < 0)
        return -1;
    struct pstats_build_report report;
    pstats_build_profile(&stats, profile, &report);
    if (report.truncated)
        fprintf(stderr, "ember: %s: the estimated call tree was cut at %d frames; deeper time "
                        "is shown as the callers' own\n", input_name(input), MAX_TREE_NODES);
    statistics->samples += report.nonzero_stacks;
    pstats_free(&stats);
    return 0;
}

static const char *const pstats_extensions[] = {".pstats", ".cprofile", NULL};

const struct format pstats_format = {
    .name = "pstats",
    .extensions = pstats_extensions,
    .probe = pstats_probe,
    .read = pstats_read,
    .write = NULL,
};
