/* chrome.c — Chrome's and V8's JSON profiles: the DevTools .cpuprofile
 * (what `node --cpu-prof` and DevTools' "Save profile" write) and the Trace
 * Event Format (chrome://tracing, Perfetto's JSON, `node
 * --trace-events-enabled`). One format, "chrome": the reader looks at the
 * document's top level: an object with "nodes" is a .cpuprofile; an array,
 * or an object with "traceEvents", is a trace.
 *
 * .cpuprofile (formats.md §8.1): nodes {id, callFrame {functionName, url,
 * lineNumber, columnNumber}, children: [ids] or parent: id}, samples (the
 * leaf node id of each sample) and timeDeltas (µs since the previous
 * sample, the first since startTime). A frame is (functionName or
 * "(anonymous)", url, lineNumber + 1: V8's lines are 0-based); the column
 * is dropped. Two sample types: ("time", "microseconds"), the default, where
 * a sample weighs the time until the next sample (the last one until
 * endTime), as DevTools and speedscope count it, negative deltas counting
 * as 0; and ("samples", "count"), one per sample. Without samples, the
 * nodes' hitCount gives the counts. The node "(root)" is the tree's root
 * (not a frame); "(program)" and "(idle)" stay top-level frames, as in
 * DevTools' call tree; a "(garbage collector)" sample is put on top of the
 * stack of the sample before it, as DevTools' flame chart and speedscope do.
 *
 * Trace events (§8.2): "B"/"E" pairs and "X" complete events (ts and dur in
 * µs) per pid/tid; every other phase is ignored. Events are ordered by time
 * per thread (at equal times ends come before begins, and X events nest by
 * their durations), and the time between two events goes to the innermost
 * open event: the profile is self time per stack, ("time", "microseconds").
 * Each thread's stacks hang below a root frame naming it: "NAME (pid P, tid
 * T)" with the name of its thread_name metadata event, else "pid P, tid T".
 * An "E" with no open event is skipped (counted as a skipped line); events
 * still open at the end stop at the thread's last event.
 *
 * Everything is read from one in-memory copy of the file with the pull
 * parser of util/json.c; keys may come in any order.
 */
#define _GNU_SOURCE /* memmem, qsort_r */
#include "chrome.h"
#include "../util/json.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_ID INT64_MIN

/* ---- .cpuprofile -------------------------------------------------------- */

struct cpu_node {
    int64_t id;
    int64_t parent_id; /* NO_ID until known */
    uint32_t frame;    /* PROFILE_NONE for "(root)" */
    uint32_t tree_node;
    double hit_count;
    unsigned char resolving, resolved, is_garbage_collector;
};

struct child_edge {
    size_t parent; /* index into nodes */
    int64_t child_id;
    size_t offset;
};

struct cpuprofile_reader {
    struct json_parser *parser;
    struct profile *profile;
    struct read_statistics *statistics;
    struct cpu_node *nodes;
    size_t node_count, node_capacity;
    struct child_edge *edges;
    size_t edge_count, edge_capacity;
    size_t *by_id; /* node indexes sorted by id */
    size_t time_type, count_type;
};

static int read_call_frame(struct cpuprofile_reader *reader, struct cpu_node *node)
{
    struct json_parser *parser = reader->parser;
    struct profile *profile = reader->profile;
    uint32_t name = PROFILE_NONE, file = PROFILE_NONE;
    int64_t line = -1;
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key, *string;
    size_t key_length, length;
    int status;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        if (json_key_is(key, key_length, "functionName")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            name = length ? profile_intern(profile, string, length)
                          : profile_intern_cstring(profile, "(anonymous)");
        } else if (json_key_is(key, key_length, "url")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            if (length)
                file = profile_intern(profile, string, length);
        } else if (json_key_is(key, key_length, "lineNumber")) {
            if (json_read_integer(parser, -1, UINT32_MAX - 1, "lineNumber", &line) < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    if (name == PROFILE_NONE)
        name = profile_intern_cstring(profile, "(anonymous)");
    const char *text = profile_string(profile, name);
    if (strcmp(text, "(root)") == 0) {
        node->frame = PROFILE_NONE;
        return 0;
    }
    node->is_garbage_collector = strcmp(text, "(garbage collector)") == 0;
    node->frame = profile_frame(profile, name, file, line >= 0 ? (uint32_t)line + 1 : 0,
                                FRAME_UNKNOWN);
    return 0;
}

static int read_cpu_node(struct cpuprofile_reader *reader)
{
    struct json_parser *parser = reader->parser;
    size_t offset = json_offset(parser);
    GROW(reader->nodes, reader->node_capacity, reader->node_count + 1);
    size_t index = reader->node_count;
    struct cpu_node *node = &reader->nodes[index];
    *node = (struct cpu_node){.id = NO_ID, .parent_id = NO_ID, .frame = PROFILE_NONE};
    int has_call_frame = 0;
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key;
    size_t key_length;
    int status;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        node = &reader->nodes[index];
        if (json_key_is(key, key_length, "id")) {
            if (json_read_integer(parser, INT64_MIN + 1, INT64_MAX, "node id", &node->id) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "parent")) {
            if (json_read_integer(parser, INT64_MIN + 1, INT64_MAX, "parent id",
                                  &node->parent_id) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "hitCount")) {
            if (json_read_number(parser, &node->hit_count) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "callFrame")) {
            if (read_call_frame(reader, node) < 0)
                return -1;
            has_call_frame = 1;
        } else if (json_key_is(key, key_length, "children")) {
            if (json_begin_array(parser) < 0)
                return -1;
            int element;
            while ((element = json_next_element(parser)) > 0) {
                GROW(reader->edges, reader->edge_capacity, reader->edge_count + 1);
                struct child_edge *edge = &reader->edges[reader->edge_count++];
                edge->parent = index;
                edge->offset = json_offset(parser);
                if (json_read_integer(parser, INT64_MIN + 1, INT64_MAX, "child id",
                                      &edge->child_id) < 0)
                    return -1;
            }
            if (element < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    node = &reader->nodes[index];
    if (node->id == NO_ID)
        return json_fail_at(parser, offset, "a node without an id");
    if (!has_call_frame)
        return json_fail_at(parser, offset, "node %lld has no callFrame", (long long)node->id);
    reader->node_count++;
    return 0;
}

static int compare_ids(const void *a, const void *b, void *context)
{
    const struct cpu_node *nodes = context;
    int64_t left = nodes[*(const size_t *)a].id, right = nodes[*(const size_t *)b].id;
    return left < right ? -1 : left > right;
}

/* Index of the node with id, or SIZE_MAX. */
static size_t find_node(const struct cpuprofile_reader *reader, int64_t id)
{
    size_t low = 0, high = reader->node_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int64_t middle_id = reader->nodes[reader->by_id[middle]].id;
        if (middle_id == id)
            return reader->by_id[middle];
        if (middle_id < id)
            low = middle + 1;
        else
            high = middle;
    }
    return SIZE_MAX;
}

/* Links children to parents and gives every node its tree node. */
static int build_tree(struct cpuprofile_reader *reader, size_t nodes_offset)
{
    struct json_parser *parser = reader->parser;
    reader->by_id = xmalloc((reader->node_count + 1) * sizeof *reader->by_id);
    for (size_t i = 0; i < reader->node_count; i++)
        reader->by_id[i] = i;
    qsort_r(reader->by_id, reader->node_count, sizeof *reader->by_id, compare_ids, reader->nodes);
    for (size_t i = 1; i < reader->node_count; i++)
        if (reader->nodes[reader->by_id[i]].id == reader->nodes[reader->by_id[i - 1]].id)
            return json_fail_at(parser, nodes_offset, "two nodes have the id %lld",
                                (long long)reader->nodes[reader->by_id[i]].id);
    for (size_t e = 0; e < reader->edge_count; e++) {
        const struct child_edge *edge = &reader->edges[e];
        size_t child = find_node(reader, edge->child_id);
        if (child == SIZE_MAX)
            return json_fail_at(parser, edge->offset, "child %lld is not a node",
                                (long long)edge->child_id);
        int64_t parent_id = reader->nodes[edge->parent].id;
        if (reader->nodes[child].parent_id != NO_ID && reader->nodes[child].parent_id != parent_id)
            return json_fail_at(parser, edge->offset, "node %lld has two parents",
                                (long long)edge->child_id);
        reader->nodes[child].parent_id = parent_id;
    }
    /* Resolve each node after its parent, walking up with an explicit stack. */
    size_t *pending = xmalloc((reader->node_count + 1) * sizeof *pending);
    int status = 0;
    for (size_t start = 0; start < reader->node_count && status == 0; start++) {
        size_t depth = 0;
        size_t current = start;
        while (!reader->nodes[current].resolved) {
            struct cpu_node *node = &reader->nodes[current];
            if (node->resolving) {
                status = json_fail_at(parser, nodes_offset, "the parents of node %lld form a cycle",
                                      (long long)node->id);
                break;
            }
            node->resolving = 1;
            pending[depth++] = current;
            if (node->parent_id == NO_ID)
                break;
            size_t parent = find_node(reader, node->parent_id);
            if (parent == SIZE_MAX) {
                status = json_fail_at(parser, nodes_offset, "the parent %lld of node %lld is not a node",
                                      (long long)node->parent_id, (long long)node->id);
                break;
            }
            current = parent;
        }
        if (status < 0)
            break;
        while (depth > 0) {
            struct cpu_node *node = &reader->nodes[pending[--depth]];
            uint32_t parent_tree = PROFILE_ROOT;
            if (node->parent_id != NO_ID)
                parent_tree = reader->nodes[find_node(reader, node->parent_id)].tree_node;
            node->tree_node = node->frame == PROFILE_NONE
                                  ? parent_tree
                                  : profile_child(reader->profile, parent_tree, node->frame);
            node->resolved = 1;
        }
    }
    free(pending);
    return status;
}

struct cpuprofile_fields {
    size_t nodes_offset, samples_offset, deltas_offset; /* 0 = absent */
    double start_time, end_time;
    int has_start_time, has_end_time;
};

/* The tree node a sample of node goes to. */
static uint32_t sample_node(struct cpuprofile_reader *reader, const struct cpu_node *node,
                            uint32_t previous, int *previous_was_garbage_collector)
{
    uint32_t tree_node = node->tree_node;
    if (node->is_garbage_collector && previous != PROFILE_NONE) {
        if (!*previous_was_garbage_collector)
            tree_node = profile_child(reader->profile, previous, node->frame);
        else
            tree_node = previous;
    }
    *previous_was_garbage_collector = node->is_garbage_collector;
    return tree_node;
}

static void add_sample(struct cpuprofile_reader *reader, uint32_t tree_node, double time,
                       double weight)
{
    struct profile *profile = reader->profile;
    profile_add_value(profile, tree_node, reader->time_type, weight);
    profile_add_value(profile, tree_node, reader->count_type, 1);
    if (profile->keep_timeline)
        profile_timeline_append(profile, time * 1e-6, PROFILE_NONE, tree_node, weight);
    reader->statistics->samples++;
}

static int read_samples(struct cpuprofile_reader *reader, const struct cpuprofile_fields *fields)
{
    struct json_pair pair;
    int has_deltas = fields->deltas_offset != 0;
    int status = json_pair_begin(&pair, reader->parser, fields->samples_offset,
                                 fields->deltas_offset, "samples", "timeDeltas");
    double time = fields->has_start_time ? fields->start_time : 0;
    uint32_t pending = PROFILE_NONE; /* the previous sample, weighed when the next comes */
    double pending_time = 0;
    int previous_was_garbage_collector = 0;
    while (status == 0) {
        int more = json_pair_next(&pair);
        if (more <= 0) {
            status = more;
            break;
        }
        size_t offset = json_offset(&pair.first);
        int64_t id;
        if (json_read_integer(&pair.first, INT64_MIN + 1, INT64_MAX, "sample node id", &id) < 0) {
            status = -1;
            break;
        }
        double delta = 0;
        if (has_deltas && json_read_number(&pair.second, &delta) < 0) {
            status = -1;
            break;
        }
        size_t node = find_node(reader, id);
        if (node == SIZE_MAX) {
            json_fail_at(&pair.first, offset, "sample %zu names node %lld, which is not a node",
                         pair.index - 1, (long long)id);
            status = -1;
            break;
        }
        time += delta > 0 ? delta : 0;
        if (pending != PROFILE_NONE)
            add_sample(reader, pending, pending_time, time - pending_time);
        pending = sample_node(reader, &reader->nodes[node], pending,
                              &previous_was_garbage_collector);
        pending_time = time;
    }
    if (status == 0 && pending != PROFILE_NONE) {
        double last = fields->has_end_time && fields->end_time > pending_time && has_deltas
                          ? fields->end_time - pending_time
                          : 0;
        add_sample(reader, pending, pending_time, last);
    }
    json_pair_end(&pair, reader->parser);
    return status;
}

static int read_cpuprofile(struct json_parser *parser, struct profile *profile,
                           struct read_statistics *statistics,
                           const struct cpuprofile_fields *fields)
{
    struct cpuprofile_reader reader = {.parser = parser, .profile = profile,
                                       .statistics = statistics};
    reader.time_type = profile_add_sample_type(profile, "time", "microseconds");
    reader.count_type = profile_add_sample_type(profile, "samples", "count");
    profile->default_sample_type = reader.time_type;
    json_seek(parser, fields->nodes_offset);
    int status = json_begin_array(parser);
    int element = 0;
    while (status == 0 && (element = json_next_element(parser)) > 0)
        status = read_cpu_node(&reader);
    if (status == 0 && element < 0)
        status = -1;
    if (status == 0)
        status = build_tree(&reader, fields->nodes_offset);
    if (status == 0 && fields->samples_offset) {
        status = read_samples(&reader, fields);
    } else if (status == 0) {
        /* No samples: the hit counts are all there is. */
        for (size_t i = 0; i < reader.node_count; i++)
            if (reader.nodes[i].hit_count > 0) {
                profile_add_value(profile, reader.nodes[i].tree_node, reader.count_type,
                                  reader.nodes[i].hit_count);
                statistics->samples++;
            }
        profile->default_sample_type = reader.count_type;
    }
    free(reader.nodes);
    free(reader.edges);
    free(reader.by_id);
    return status;
}

/* ---- trace events ------------------------------------------------------- */

enum trace_phase { PHASE_BEGIN, PHASE_END };

struct trace_event {
    uint32_t process, thread; /* string ids of pid and tid as written */
    double time;              /* µs */
    double other_time;        /* X events: the end of a begin, the start of an end */
    uint32_t frame;           /* begins only */
    uint32_t sequence;
    unsigned char phase;
    unsigned char complete;   /* made from an X event */
};

struct thread_name {
    uint32_t process, thread, name;
};

struct trace_reader {
    struct json_parser *parser;
    struct profile *profile;
    struct read_statistics *statistics;
    struct trace_event *events;
    size_t event_count, event_capacity;
    struct thread_name *names;
    size_t name_count, name_capacity;
};

static int compare_events(const void *a, const void *b)
{
    const struct trace_event *left = a, *right = b;
    if (left->process != right->process)
        return left->process < right->process ? -1 : 1;
    if (left->thread != right->thread)
        return left->thread < right->thread ? -1 : 1;
    if (left->time != right->time)
        return left->time < right->time ? -1 : 1;
    if (left->phase != right->phase)
        return left->phase == PHASE_END ? -1 : 1; /* ends before begins */
    if (left->complete && right->complete && left->other_time != right->other_time) {
        /* Begins: the longer (later end) outside; ends: the later begun inside. */
        return left->other_time > right->other_time ? -1 : 1;
    }
    if (left->phase == PHASE_END && left->complete && right->complete)
        return left->sequence > right->sequence ? -1 : 1;
    return left->sequence < right->sequence ? -1 : left->sequence > right->sequence;
}

/* pid or tid: a number or a string, kept as its text. */
static int read_identifier(struct trace_reader *reader, uint32_t *id)
{
    struct json_parser *parser = reader->parser;
    enum json_type type = json_peek(parser);
    if (type == JSON_STRING) {
        const char *string;
        size_t length;
        if (json_read_string(parser, &string, &length) < 0)
            return -1;
        *id = profile_intern(reader->profile, string, length);
        return 0;
    }
    double number;
    if (json_read_number(parser, &number) < 0)
        return -1;
    char text[64];
    int length = format_count(text, sizeof text, number);
    *id = profile_intern(reader->profile, text, (size_t)length);
    return 0;
}

/* args.name of a thread_name metadata event. */
static int read_metadata_name(struct trace_reader *reader, size_t args_offset, uint32_t *name)
{
    struct json_parser args;
    json_parser_at(&args, reader->parser, args_offset);
    int status = json_begin_object(&args);
    const char *key;
    size_t key_length;
    while (status == 0 && (status = json_next_key(&args, &key, &key_length)) > 0) {
        status = 0;
        if (json_key_is(key, key_length, "name") && json_peek(&args) == JSON_STRING) {
            const char *string;
            size_t length;
            status = json_read_string(&args, &string, &length);
            if (status == 0)
                *name = profile_intern(reader->profile, string, length);
        } else {
            status = json_skip(&args);
        }
    }
    json_take_error(reader->parser, &args);
    json_free(&args);
    return status < 0 ? -1 : 0;
}

static int read_trace_event(struct trace_reader *reader)
{
    struct json_parser *parser = reader->parser;
    struct profile *profile = reader->profile;
    size_t offset = json_offset(parser);
    char phase = 0;
    uint32_t name = PROFILE_NONE, process = PROFILE_NONE, thread = PROFILE_NONE;
    double time = NAN, duration = NAN;
    size_t args_offset = 0;
    if (json_peek(parser) != JSON_OBJECT) {
        reader->statistics->skipped_lines++;
        return json_skip(parser);
    }
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key, *string;
    size_t key_length, length;
    int status;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        if (json_key_is(key, key_length, "ph")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            phase = length == 1 ? string[0] : '?';
        } else if (json_key_is(key, key_length, "name")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            name = profile_intern(profile, string, length);
        } else if (json_key_is(key, key_length, "pid")) {
            if (read_identifier(reader, &process) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "tid")) {
            if (read_identifier(reader, &thread) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "ts")) {
            if (json_read_number(parser, &time) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "dur")) {
            if (json_read_number(parser, &duration) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "args")) {
            args_offset = json_offset(parser);
            if (json_skip(parser) < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    if (process == PROFILE_NONE)
        process = profile_intern_cstring(profile, "0");
    if (thread == PROFILE_NONE)
        thread = process;
    if (phase == 'M') {
        if (name != PROFILE_NONE && strcmp(profile_string(profile, name), "thread_name") == 0 &&
            args_offset) {
            uint32_t thread_name = PROFILE_NONE;
            if (read_metadata_name(reader, args_offset, &thread_name) < 0)
                return -1;
            if (thread_name != PROFILE_NONE) {
                GROW(reader->names, reader->name_capacity, reader->name_count + 1);
                reader->names[reader->name_count++] = (struct thread_name){process, thread,
                                                                           thread_name};
            }
        }
        return 0;
    }
    if (phase != 'B' && phase != 'E' && phase != 'X')
        return 0; /* instant, counter, async, flow, sample events: not stacks */
    if (!isfinite(time)) {
        return json_fail_at(parser, offset, "a \"%c\" event without a numeric ts", phase);
    }
    if (phase == 'X' && !(duration >= 0))
        return json_fail_at(parser, offset, "an \"X\" event without a non-negative dur");
    if (name == PROFILE_NONE)
        name = profile_intern_cstring(profile, "(unnamed)");
    uint32_t frame = phase == 'E' ? PROFILE_NONE
                                  : profile_frame(profile, name, PROFILE_NONE, 0, FRAME_UNKNOWN);
    GROW(reader->events, reader->event_capacity, reader->event_count + 2);
    uint32_t sequence = (uint32_t)reader->event_count;
    if (phase == 'X') {
        reader->events[reader->event_count++] = (struct trace_event){
            process, thread, time, time + duration, frame, sequence, PHASE_BEGIN, 1};
        reader->events[reader->event_count++] = (struct trace_event){
            process, thread, time + duration, time, PROFILE_NONE, sequence, PHASE_END, 1};
    } else {
        reader->events[reader->event_count++] = (struct trace_event){
            process, thread, time, 0, frame, sequence, phase == 'B' ? PHASE_BEGIN : PHASE_END, 0};
    }
    return 0;
}

static uint32_t thread_root_frame(struct trace_reader *reader, uint32_t process, uint32_t thread)
{
    struct profile *profile = reader->profile;
    uint32_t name = PROFILE_NONE;
    for (size_t i = 0; i < reader->name_count; i++)
        if (reader->names[i].process == process && reader->names[i].thread == thread)
            name = reader->names[i].name;
    const char *process_text = profile_string(profile, process);
    const char *thread_text = profile_string(profile, thread);
    size_t size = strlen(process_text) + strlen(thread_text) + 32 +
                  (name != PROFILE_NONE ? profile_string_length(profile, name) : 0);
    char *text = xmalloc(size);
    int length;
    if (name != PROFILE_NONE)
        length = snprintf(text, size, "%s (pid %s, tid %s)", profile_string(profile, name),
                          process_text, thread_text);
    else
        length = snprintf(text, size, "pid %s, tid %s", process_text, thread_text);
    uint32_t frame = profile_frame_named(profile, text, (size_t)length, FRAME_UNKNOWN);
    free(text);
    return frame;
}

static void build_trace_profile(struct trace_reader *reader)
{
    struct profile *profile = reader->profile;
    size_t type = profile_add_sample_type(profile, "time", "microseconds");
    profile->default_sample_type = type;
    if (reader->event_count == 0)
        return; /* no B/E/X event: nothing to add (and qsort of NULL is undefined) */
    qsort(reader->events, reader->event_count, sizeof *reader->events, compare_events);
    uint32_t *open = NULL;
    size_t open_capacity = 0, depth = 0;
    uint32_t thread_root = PROFILE_NONE, thread_frame = PROFILE_NONE;
    double previous = 0;
    for (size_t i = 0; i < reader->event_count; i++) {
        const struct trace_event *event = &reader->events[i];
        if (i == 0 || event->process != event[-1].process || event->thread != event[-1].thread) {
            depth = 0;
            thread_frame = thread_root_frame(reader, event->process, event->thread);
            thread_root = profile_child(profile, PROFILE_ROOT, thread_frame);
            previous = event->time;
        }
        if (depth > 0 && event->time > previous) {
            uint32_t node = open[depth - 1];
            profile_add_value(profile, node, type, event->time - previous);
            if (profile->keep_timeline)
                profile_timeline_append(profile, previous * 1e-6,
                                        profile->frames[thread_frame].name, node,
                                        event->time - previous);
        }
        previous = event->time;
        if (event->phase == PHASE_BEGIN) {
            GROW(open, open_capacity, depth + 1);
            open[depth] = profile_child(profile, depth ? open[depth - 1] : thread_root,
                                        event->frame);
            depth++;
            reader->statistics->samples++;
        } else if (depth > 0) {
            depth--;
        } else {
            reader->statistics->skipped_lines++; /* an end with nothing open */
        }
    }
    free(open);
}

static int read_trace(struct json_parser *parser, struct profile *profile,
                      struct read_statistics *statistics, size_t events_offset)
{
    struct trace_reader reader = {.parser = parser, .profile = profile,
                                  .statistics = statistics};
    json_seek(parser, events_offset);
    int status = json_begin_array(parser);
    int element = 0;
    while (status == 0 && (element = json_next_element(parser)) > 0) {
        statistics->lines++;
        status = read_trace_event(&reader);
    }
    if (status == 0 && element < 0)
        status = -1;
    if (status == 0)
        build_trace_profile(&reader);
    free(reader.events);
    free(reader.names);
    return status;
}

/* ---- the format --------------------------------------------------------- */

static int chrome_read(struct input *input, struct profile *profile,
                       const struct read_options *options, struct read_statistics *statistics)
{
    char *data;
    size_t length;
    if (input_read_all(input, &data, &length) < 0)
        return -1;
    struct json_parser parser;
    json_init(&parser, data, length, input_name(input));
    struct cpuprofile_fields fields = {0};
    size_t events_offset = 0;
    int is_trace = 0;
    int status = 0;
    enum json_type type = json_peek(&parser);
    if (type == JSON_ARRAY) {
        events_offset = json_offset(&parser);
        is_trace = 1;
        status = json_skip(&parser);
    } else if (type == JSON_OBJECT) {
        const char *key;
        size_t key_length;
        status = json_begin_object(&parser);
        while (status == 0 && (status = json_next_key(&parser, &key, &key_length)) > 0) {
            size_t offset = json_offset(&parser);
            status = 0;
            if (json_key_is(key, key_length, "nodes"))
                fields.nodes_offset = offset;
            else if (json_key_is(key, key_length, "samples"))
                fields.samples_offset = offset;
            else if (json_key_is(key, key_length, "timeDeltas"))
                fields.deltas_offset = offset;
            else if (json_key_is(key, key_length, "traceEvents")) {
                events_offset = offset;
                is_trace = 1;
            }
            if (json_key_is(key, key_length, "startTime") && json_peek(&parser) == JSON_NUMBER) {
                status = json_read_number(&parser, &fields.start_time);
                fields.has_start_time = 1;
            } else if (json_key_is(key, key_length, "endTime") &&
                       json_peek(&parser) == JSON_NUMBER) {
                status = json_read_number(&parser, &fields.end_time);
                fields.has_end_time = 1;
            } else {
                status = json_skip(&parser);
            }
        }
    } else {
        json_fail(&parser, "expected a .cpuprofile object or an array of trace events");
        status = -1;
    }
    if (status == 0)
        status = json_end(&parser);
    if (status == 0) {
        if (fields.nodes_offset) {
            status = read_cpuprofile(&parser, profile, statistics, &fields);
        } else if (is_trace) {
            status = read_trace(&parser, profile, statistics, events_offset);
        } else {
            json_fail_at(&parser, 0, "neither \"nodes\" (a .cpuprofile) nor \"traceEvents\" "
                                     "(a trace) found");
            status = -1;
        }
    }
    if (status < 0 || parser.failed) {
        json_report(&parser);
        status = -1;
    }
    json_free(&parser);
    free(data);
    (void)options;
    return status;
}

/* Probe: JSON whose first keys look like a .cpuprofile or a trace. */
static int chrome_probe(const char *head, size_t length)
{
    size_t i = 0;
    while (i < length && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        i++;
    if (i >= length || (head[i] != '{' && head[i] != '['))
        return 0;
    if (memmem(head, length, "\"$schema\"", 9))
        return 0; /* speedscope */
    if (head[i] == '{' && memmem(head, length, "\"nodes\"", 7) &&
        memmem(head, length, "\"callFrame\"", 11))
        return 90;
    if (memmem(head, length, "\"traceEvents\"", 13))
        return 90;
    if (head[i] == '[' && memmem(head, length, "\"ph\"", 4) && memmem(head, length, "\"ts\"", 4))
        return 80;
    return 0;
}

static const char *const chrome_extensions[] = {".cpuprofile", ".trace.json", NULL};

const struct format chrome_format = {
    .name = "chrome",
    .extensions = chrome_extensions,
    .probe = chrome_probe,
    .read = chrome_read,
};
