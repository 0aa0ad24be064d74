/* speedscope.c — speedscope's JSON file format
 * (https://www.speedscope.app/file-format-schema.json), read and written.
 *
 * Reading: shared.frames become frames (name, file, line; the column is
 * dropped), every profile of the file is read, "sampled" (samples: stacks of
 * frame indexes root first, with weights) and "evented" (O/C events: the
 * time between two events goes to the stack open then). All profiles are
 * merged into one; when the file has more than one, each profile's name is
 * the root frame of its stacks ("profile N" when it has none). The unit
 * picks the sample type: "none" -> (samples, count), "bytes" -> (space,
 * bytes), a time unit -> (time, UNIT). Keys may come in any order: the
 * reader remembers where the profiles and frames are and comes back to them.
 * Zero weights are ignored (as speedscope does); negative weights, indexes
 * out of range, events out of order or closing a frame that is not on top
 * are errors. Frames left open at the end of an evented profile are closed
 * at its last event.
 *
 * Writing: one "sampled" profile of the chosen sample type: a sample per
 * stack with a positive self value, in the folded writer's order, its weight
 * that value; frames shared (name, file, line); the unit from the sample
 * type's unit (nanoseconds/microseconds/milliseconds/seconds/bytes, else
 * none); exporter "ember". folded -> speedscope -> folded gives the same
 * file (for valid UTF-8 names).
 */
#define _GNU_SOURCE /* memmem */
#include "speedscope.h"
#include "../util/json.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

struct speedscope_reader {
    struct json_parser parser;
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    uint32_t *frames; /* speedscope frame index -> profile frame id */
    size_t frame_count, frame_capacity;
    uint32_t *stack;  /* frames of the stack being read, root first */
    size_t stack_capacity;
    /* The previous sample's frames and nodes: consecutive samples usually
     * share a prefix (ember writes them sorted), whose nodes are reused. */
    uint32_t *previous_frames, *previous_nodes;
    size_t previous_depth, previous_capacity;
    uint32_t *leaves; /* leaf node of each sample read before its weights */
    size_t leaf_count, leaf_capacity;
    uint32_t *open_nodes; /* evented: the open tree nodes */
    uint32_t *open_frames;
    size_t open_capacity;
};

static void push_frame(struct speedscope_reader *reader, size_t depth, uint32_t frame)
{
    if (depth >= reader->stack_capacity)
        GROW(reader->stack, reader->stack_capacity, depth + 1);
    reader->stack[depth] = frame;
}

/* Adds reader->stack[0, depth) to the tree, reusing the nodes of the prefix
 * it shares with the previous sample; returns the leaf. */
static uint32_t add_stack(struct speedscope_reader *reader, size_t depth)
{
    size_t shared = 0;
    while (shared < depth && shared < reader->previous_depth &&
           reader->previous_frames[shared] == reader->stack[shared])
        shared++;
    if (depth > reader->previous_capacity) {
        size_t capacity = reader->previous_capacity;
        GROW(reader->previous_frames, capacity, depth);
        reader->previous_nodes = xrealloc(reader->previous_nodes,
                                          capacity * sizeof *reader->previous_nodes);
        reader->previous_capacity = capacity;
    }
    uint32_t node = shared ? reader->previous_nodes[shared - 1] : PROFILE_ROOT;
    for (size_t level = shared; level < depth; level++) {
        node = profile_child(reader->profile, node, reader->stack[level]);
        reader->previous_frames[level] = reader->stack[level];
        reader->previous_nodes[level] = node;
    }
    reader->previous_depth = depth;
    return node;
}

/* shared: {frames: [{name, file?, line?, col?}, ...]} */
static int read_frame(struct speedscope_reader *reader)
{
    struct json_parser *parser = &reader->parser;
    size_t offset = json_offset(parser);
    uint32_t name = PROFILE_NONE, file = PROFILE_NONE;
    int64_t line = 0;
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key;
    size_t key_length;
    int status;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        const char *string;
        size_t length;
        if (json_key_is(key, key_length, "name")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            name = profile_intern(reader->profile, string, length);
        } else if (json_key_is(key, key_length, "file")) {
            if (json_peek(parser) == JSON_NULL) {
                if (json_skip(parser) < 0)
                    return -1;
                continue;
            }
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            file = profile_intern(reader->profile, string, length);
        } else if (json_key_is(key, key_length, "line")) {
            if (json_peek(parser) == JSON_NULL) {
                if (json_skip(parser) < 0)
                    return -1;
                continue;
            }
            if (json_read_integer(parser, 0, UINT32_MAX, "line", &line) < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    if (name == PROFILE_NONE)
        return json_fail_at(parser, offset, "frame %zu has no name", reader->frame_count);
    uint32_t frame = profile_frame(reader->profile, name, file, (uint32_t)line, FRAME_UNKNOWN);
    GROW(reader->frames, reader->frame_capacity, reader->frame_count + 1);
    reader->frames[reader->frame_count++] = frame;
    return 0;
}

static int read_shared(struct speedscope_reader *reader)
{
    struct json_parser *parser = &reader->parser;
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key;
    size_t key_length;
    int status;
    int seen_frames = 0;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        if (json_key_is(key, key_length, "frames") && !seen_frames) {
            seen_frames = 1;
            if (json_begin_array(parser) < 0)
                return -1;
            int element;
            while ((element = json_next_element(parser)) > 0)
                if (read_frame(reader) < 0)
                    return -1;
            if (element < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    return status;
}

/* The sample type for a speedscope unit. */
static size_t sample_type_for_unit(struct profile *profile, const char *unit, size_t length,
                                   double *seconds_per_unit)
{
    static const struct {
        const char *unit;
        double seconds;
    } time_units[] = {
        {"nanoseconds", 1e-9}, {"microseconds", 1e-6}, {"milliseconds", 1e-3}, {"seconds", 1},
    };
    *seconds_per_unit = NAN;
    for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
        if (json_key_is(unit, length, time_units[i].unit)) {
            *seconds_per_unit = time_units[i].seconds;
            return profile_add_sample_type(profile, "time", time_units[i].unit);
        }
    if (json_key_is(unit, length, "bytes"))
        return profile_add_sample_type(profile, "space", "bytes");
    return profile_add_sample_type(profile, "samples", "count");
}

/* What one profile object holds, collected in any key order. */
struct profile_fields {
    int sampled, evented;
    size_t type_offset;
    uint32_t name; /* string id, PROFILE_NONE when absent */
    char unit[16];
    size_t unit_length;
    int has_unit;
    double start_value;
    size_t samples_offset, weights_offset, events_offset; /* 0 = absent */
    int samples_read, weights_read; /* read where they stood (read_samples_now) */
};

/* The root frame of a profile's stacks: its name when the file has several. */
static uint32_t root_frame_of(struct speedscope_reader *reader, const struct profile_fields *fields,
                              size_t index, size_t profile_count)
{
    if (profile_count <= 1)
        return PROFILE_NONE;
    uint32_t name = fields->name;
    if (name == PROFILE_NONE || profile_string_length(reader->profile, name) == 0) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "profile %zu", index + 1);
        name = profile_intern_cstring(reader->profile, fallback);
    }
    return profile_frame(reader->profile, name, PROFILE_NONE, 0, FRAME_UNKNOWN);
}

/* One sample's stack (an array of frame indexes) into reader->stack, after
 * the root frame when there is one. */
static int read_stack(struct speedscope_reader *reader, struct json_parser *samples,
                      uint32_t root_frame, size_t *depth_out)
{
    size_t depth = 0;
    if (root_frame != PROFILE_NONE)
        push_frame(reader, depth++, root_frame);
    if (json_begin_array(samples) < 0)
        return -1;
    int element;
    while ((element = json_next_element(samples)) > 0) {
        int64_t frame_index;
        if (json_read_integer(samples, 0, (int64_t)reader->frame_count - 1, "frame index",
                              &frame_index) < 0)
            return -1;
        push_frame(reader, depth++, reader->frames[frame_index]);
    }
    *depth_out = depth;
    return element;
}

static void add_weighted(struct speedscope_reader *reader, uint32_t node, size_t type,
                         double weight, double *time, double seconds_per_unit)
{
    profile_add_value(reader->profile, node, type, weight);
    if (reader->profile->keep_timeline)
        profile_timeline_append(reader->profile, *time * seconds_per_unit, PROFILE_NONE, node,
                                weight);
    *time += weight;
    reader->statistics->samples++;
}

/* The common key order (type, name, unit, ..., samples, weights: ember's
 * and speedscope's own): samples are read where they stand, their leaves
 * kept until the weights come, so the arrays are parsed once. */
static int read_samples_now(struct speedscope_reader *reader, uint32_t root_frame)
{
    struct json_parser *parser = &reader->parser;
    reader->leaf_count = 0;
    if (json_begin_array(parser) < 0)
        return -1;
    int more;
    while ((more = json_next_element(parser)) > 0) {
        size_t depth;
        if (read_stack(reader, parser, root_frame, &depth) < 0)
            return -1;
        GROW(reader->leaves, reader->leaf_capacity, reader->leaf_count + 1);
        reader->leaves[reader->leaf_count++] = add_stack(reader, depth);
    }
    return more;
}

static int read_weights_now(struct speedscope_reader *reader, size_t type, double start_value,
                            double seconds_per_unit)
{
    struct json_parser *parser = &reader->parser;
    double time = start_value;
    size_t index = 0;
    if (json_begin_array(parser) < 0)
        return -1;
    int more;
    while ((more = json_next_element(parser)) > 0) {
        size_t offset = json_offset(parser);
        double weight;
        if (json_read_number(parser, &weight) < 0)
            return -1;
        if (index >= reader->leaf_count)
            return json_fail_at(parser, offset, "samples and weights differ in length (%zu samples)",
                                reader->leaf_count);
        if (weight < 0)
            return json_fail_at(parser, offset, "negative weight %g", weight);
        if (weight > 0)
            add_weighted(reader, reader->leaves[index], type, weight, &time, seconds_per_unit);
        index++;
    }
    if (more == 0 && index != reader->leaf_count)
        return json_fail(parser, "samples and weights differ in length (%zu weights)", index);
    return more;
}

static int read_sampled(struct speedscope_reader *reader, const struct profile_fields *fields,
                        uint32_t root_frame, size_t type, double seconds_per_unit)
{
    struct json_pair pair;
    int has_weights = fields->weights_offset != 0;
    int status = json_pair_begin(&pair, &reader->parser, fields->samples_offset,
                                 fields->weights_offset, "samples", "weights");
    double time = fields->start_value;
    while (status == 0) {
        int more = json_pair_next(&pair);
        if (more <= 0) {
            status = more;
            break;
        }
        double weight = 1;
        size_t weight_offset = has_weights ? json_offset(&pair.second) : 0;
        if (has_weights && json_read_number(&pair.second, &weight) < 0) {
            status = -1;
            break;
        }
        if (weight < 0) {
            json_fail_at(&pair.second, weight_offset, "negative weight %g", weight);
            status = -1;
            break;
        }
        size_t depth;
        if (read_stack(reader, &pair.first, root_frame, &depth) < 0) {
            status = -1;
            break;
        }
        if (weight == 0)
            continue; /* speedscope ignores zero weights too */
        add_weighted(reader, add_stack(reader, depth), type, weight, &time, seconds_per_unit);
    }
    json_pair_end(&pair, &reader->parser);
    return status;
}

static int read_event(struct json_parser *events, int *is_open, double *at, int64_t *frame,
                      size_t frame_count)
{
    size_t offset = json_offset(events);
    int have_type = 0, have_at = 0, have_frame = 0;
    if (json_begin_object(events) < 0)
        return -1;
    const char *key;
    size_t key_length;
    int status;
    while ((status = json_next_key(events, &key, &key_length)) > 0) {
        if (json_key_is(key, key_length, "type")) {
            const char *type;
            size_t length;
            size_t type_offset = json_offset(events);
            if (json_read_string(events, &type, &length) < 0)
                return -1;
            if (length != 1 || (type[0] != 'O' && type[0] != 'C'))
                return json_fail_at(events, type_offset, "event type must be \"O\" or \"C\"");
            *is_open = type[0] == 'O';
            have_type = 1;
        } else if (json_key_is(key, key_length, "at")) {
            if (json_read_number(events, at) < 0)
                return -1;
            have_at = 1;
        } else if (json_key_is(key, key_length, "frame")) {
            if (json_read_integer(events, 0, (int64_t)frame_count - 1, "frame index", frame) < 0)
                return -1;
            have_frame = 1;
        } else if (json_skip(events) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    if (!have_type || !have_at || !have_frame)
        return json_fail_at(events, offset, "an event needs type, at and frame");
    return 0;
}

static int read_evented(struct speedscope_reader *reader, const struct profile_fields *fields,
                        uint32_t root_frame, size_t type, double seconds_per_unit)
{
    struct json_parser *parser = &reader->parser;
    struct profile *profile = reader->profile;
    struct json_parser events;
    json_parser_at(&events, parser, fields->events_offset);
    int status = 0;
    size_t depth = 0;
    uint32_t base = root_frame != PROFILE_NONE ? profile_child(profile, PROFILE_ROOT, root_frame)
                                               : PROFILE_ROOT;
    double previous = NAN;
    if (json_begin_array(&events) < 0) {
        status = -1;
        goto done;
    }
    int element;
    while ((element = json_next_element(&events)) > 0) {
        size_t offset = json_offset(&events);
        int is_open = 0;
        double at = 0;
        int64_t frame_index = 0;
        if (read_event(&events, &is_open, &at, &frame_index, reader->frame_count) < 0) {
            element = -1;
            break;
        }
        if (at < previous) {
            json_fail_at(&events, offset, "event at %g comes before the previous one (%g)", at,
                         previous);
            element = -1;
            break;
        }
        if (depth > 0 && at > previous) {
            uint32_t node = reader->open_nodes[depth - 1];
            profile_add_value(profile, node, type, at - previous);
            if (profile->keep_timeline)
                profile_timeline_append(profile, previous * seconds_per_unit, PROFILE_NONE, node,
                                        at - previous);
            reader->statistics->samples++;
        }
        previous = at;
        uint32_t frame = reader->frames[frame_index];
        if (is_open) {
            uint32_t parent = depth ? reader->open_nodes[depth - 1] : base;
            if (depth >= reader->open_capacity) {
                size_t capacity = reader->open_capacity;
                GROW(reader->open_nodes, capacity, depth + 1);
                reader->open_frames = xrealloc(reader->open_frames,
                                               capacity * sizeof *reader->open_frames);
                reader->open_capacity = capacity;
            }
            reader->open_nodes[depth] = profile_child(profile, parent, frame);
            reader->open_frames[depth] = frame;
            depth++;
        } else {
            if (depth == 0 || reader->open_frames[depth - 1] != frame) {
                json_fail_at(&events, offset,
                             "closing frame %lld, which is not the innermost open frame",
                             (long long)frame_index);
                element = -1;
                break;
            }
            depth--;
        }
    }
    if (element < 0)
        status = -1;
done:
    json_take_error(parser, &events);
    json_free(&events);
    return status;
}

static int read_profile(struct speedscope_reader *reader, size_t index, size_t profile_count)
{
    struct json_parser *parser = &reader->parser;
    size_t offset = json_offset(parser);
    struct profile_fields fields = {.name = PROFILE_NONE};
    if (json_begin_object(parser) < 0)
        return -1;
    const char *key;
    size_t key_length;
    int status;
    while ((status = json_next_key(parser, &key, &key_length)) > 0) {
        const char *string;
        size_t length;
        if (json_key_is(key, key_length, "type")) {
            fields.type_offset = json_offset(parser);
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            fields.sampled = json_key_is(string, length, "sampled");
            fields.evented = json_key_is(string, length, "evented");
            if (!fields.sampled && !fields.evented)
                return json_fail_at(parser, fields.type_offset,
                                    "profile type must be \"sampled\" or \"evented\"");
        } else if (json_key_is(key, key_length, "name")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            fields.name = profile_intern(reader->profile, string, length);
        } else if (json_key_is(key, key_length, "unit")) {
            if (json_read_string(parser, &string, &length) < 0)
                return -1;
            fields.has_unit = 1;
            fields.unit_length = length < sizeof fields.unit ? length : sizeof fields.unit - 1;
            memcpy(fields.unit, string, fields.unit_length);
            if (length >= sizeof fields.unit)
                fields.unit_length = 0; /* no known unit is that long: "none" */
        } else if (json_key_is(key, key_length, "startValue")) {
            if (json_read_number(parser, &fields.start_value) < 0)
                return -1;
        } else if (json_key_is(key, key_length, "samples")) {
            fields.samples_offset = json_offset(parser);
            if (fields.sampled && fields.has_unit && !fields.weights_offset &&
                !fields.samples_read && (profile_count == 1 || fields.name != PROFILE_NONE)) {
                fields.samples_read = 1;
                if (read_samples_now(reader, root_frame_of(reader, &fields, index,
                                                           profile_count)) < 0)
                    return -1;
            } else if (json_skip(parser) < 0) {
                return -1;
            }
        } else if (json_key_is(key, key_length, "weights")) {
            fields.weights_offset = json_offset(parser);
            if (fields.samples_read && !fields.weights_read) {
                fields.weights_read = 1;
                double seconds_per_unit;
                size_t type = sample_type_for_unit(reader->profile, fields.unit,
                                                   fields.unit_length, &seconds_per_unit);
                if (read_weights_now(reader, type, fields.start_value, seconds_per_unit) < 0)
                    return -1;
            } else if (json_skip(parser) < 0) {
                return -1;
            }
        } else if (json_key_is(key, key_length, "events")) {
            fields.events_offset = json_offset(parser);
            if (json_skip(parser) < 0)
                return -1;
        } else if (json_skip(parser) < 0) {
            return -1;
        }
    }
    if (status < 0)
        return -1;
    if (!fields.sampled && !fields.evented)
        return json_fail_at(parser, offset, "profile %zu has no type", index);
    if (fields.sampled && !fields.samples_offset)
        return json_fail_at(parser, offset, "sampled profile %zu has no samples", index);
    if (fields.evented && !fields.events_offset)
        return json_fail_at(parser, offset, "evented profile %zu has no events", index);

    double seconds_per_unit;
    size_t type = sample_type_for_unit(reader->profile, fields.unit, fields.unit_length,
                                       &seconds_per_unit);
    if (fields.samples_read) {
        if (!fields.weights_read) { /* no weights: each sample counts once */
            double time = fields.start_value;
            for (size_t i = 0; i < reader->leaf_count; i++)
                add_weighted(reader, reader->leaves[i], type, 1, &time, seconds_per_unit);
        }
        return 0;
    }
    uint32_t root_frame = root_frame_of(reader, &fields, index, profile_count);
    if (fields.sampled)
        return read_sampled(reader, &fields, root_frame, type, seconds_per_unit);
    return read_evented(reader, &fields, root_frame, type, seconds_per_unit);
}

static int speedscope_read(struct input *input, struct profile *profile,
                           const struct read_options *options, struct read_statistics *statistics)
{
    char *data;
    size_t length;
    if (input_read_all(input, &data, &length) < 0)
        return -1;
    struct speedscope_reader reader = {.profile = profile, .options = options,
                                       .statistics = statistics};
    struct json_parser *parser = &reader.parser;
    json_init(parser, data, length, input_name(input));
    size_t shared_offset = 0, profiles_offset = 0, profile_count = 0;
    int has_schema = 0;
    const char *key;
    size_t key_length;
    int status = json_begin_object(parser);
    while (status == 0 && (status = json_next_key(parser, &key, &key_length)) > 0) {
        status = 0;
        const char *string;
        size_t string_length;
        if (json_key_is(key, key_length, "$schema")) {
            size_t offset = json_offset(parser);
            if (json_read_string(parser, &string, &string_length) < 0)
                status = -1;
            else if (!memmem(string, string_length, "speedscope", 10))
                status = json_fail_at(parser, offset, "$schema is not speedscope's");
            has_schema = 1;
        } else if (json_key_is(key, key_length, "shared")) {
            shared_offset = json_offset(parser);
            status = json_skip(parser);
        } else if (json_key_is(key, key_length, "profiles")) {
            profiles_offset = json_offset(parser);
            int element;
            status = json_begin_array(parser);
            while (status == 0 && (element = json_next_element(parser)) > 0) {
                profile_count++;
                status = json_skip(parser);
            }
            if (status == 0 && element < 0)
                status = -1;
        } else if (json_key_is(key, key_length, "exporter") ||
                   json_key_is(key, key_length, "name")) {
            char label[16];
            snprintf(label, sizeof label, "%.*s", (int)key_length, key);
            if (json_peek(parser) == JSON_STRING) {
                if (json_read_string(parser, &string, &string_length) < 0) {
                    status = -1;
                } else {
                    char *value = xmalloc(string_length + 1);
                    memcpy(value, string, string_length);
                    value[string_length] = '\0';
                    profile_add_label(profile, label, value);
                    free(value);
                }
            } else {
                status = json_skip(parser);
            }
        } else {
            status = json_skip(parser);
        }
    }
    if (status == 0)
        status = json_end(parser);
    if (status == 0 && !has_schema)
        status = json_fail_at(parser, 0, "no \"$schema\" naming speedscope's file format");
    if (status == 0 && !profiles_offset)
        status = json_fail_at(parser, 0, "no \"profiles\" array");
    if (status == 0 && shared_offset) {
        json_seek(parser, shared_offset);
        status = read_shared(&reader);
    }
    if (status == 0) {
        json_seek(parser, profiles_offset);
        status = json_begin_array(parser);
        for (size_t index = 0; status == 0 && json_next_element(parser) > 0; index++)
            status = read_profile(&reader, index, profile_count);
    }
    if (status < 0 || parser->failed) {
        json_report(parser);
        status = -1;
    }
    json_free(parser);
    free(reader.frames);
    free(reader.stack);
    free(reader.open_nodes);
    free(reader.open_frames);
    free(reader.leaves);
    free(reader.previous_frames);
    free(reader.previous_nodes);
    free(data);
    return status;
}

/* Probe: a JSON object naming speedscope's schema near the start. */
static int speedscope_probe(const char *head, size_t length)
{
    size_t i = 0;
    while (i < length && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        i++;
    if (i >= length || head[i] != '{')
        return 0;
    if (memmem(head, length, "\"$schema\"", 9) && memmem(head, length, "speedscope", 10))
        return 95;
    return 0;
}

/* ---- writing ----------------------------------------------------------- */

static const char *speedscope_unit(const struct profile *profile, size_t type)
{
    static const char *const known[] = {"nanoseconds", "microseconds", "milliseconds", "seconds",
                                        "bytes"};
    const char *unit = profile_string(profile, profile->sample_types[type].unit);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(unit, known[i]) == 0)
            return known[i];
    return "none";
}

static int speedscope_write(FILE *file, const struct profile *profile,
                            const struct write_options *options)
{
    size_t type = options ? options->sample_type : 0;
    if (profile->sample_type_count == 0 || type >= profile->sample_type_count) {
        fprintf(stderr, "ember: speedscope: the profile has no sample type %zu\n", type);
        return -1;
    }
    uint32_t *stacks = xmalloc((profile->node_count + 1) * sizeof *stacks);
    size_t count = 0;
    double total = 0;
    for (uint32_t node = 0; node < profile->node_count; node++) {
        double value = profile_self_value(profile, node, type);
        if (value > 0 && isfinite(value)) {
            stacks[count++] = node;
            total += value;
        }
    }
    profile_sort_stacks(profile, stacks, count);
    uint32_t *path = xmalloc((profile_max_depth(profile) + 1) * sizeof *path);
    /* Frame indexes in order of first use. */
    uint32_t *index_of_frame = xmalloc((profile->frame_count + 1) * sizeof *index_of_frame);
    uint32_t *frame_order = xmalloc((profile->frame_count + 1) * sizeof *frame_order);
    for (size_t frame = 0; frame < profile->frame_count; frame++)
        index_of_frame[frame] = PROFILE_NONE;
    uint32_t used = 0;
    for (size_t i = 0; i < count; i++) {
        size_t depth = profile_root_path(profile, stacks[i], path);
        for (size_t level = 0; level < depth; level++)
            if (index_of_frame[path[level]] == PROFILE_NONE) {
                index_of_frame[path[level]] = used;
                frame_order[used++] = path[level];
            }
    }

    const char *type_name = profile_string(profile, profile->sample_types[type].type);
    fputs("{\"$schema\":\"" SPEEDSCOPE_SCHEMA "\",\"exporter\":\"ember\",\"name\":", file);
    json_write_cstring(file, type_name);
    fputs(",\"activeProfileIndex\":0,\"shared\":{\"frames\":[", file);
    for (uint32_t i = 0; i < used; i++) {
        const struct frame *frame = &profile->frames[frame_order[i]];
        fputs(i ? ",\n{\"name\":" : "\n{\"name\":", file);
        json_write_string(file, profile_string(profile, frame->name),
                          profile_string_length(profile, frame->name));
        if (frame->file != PROFILE_NONE) {
            fputs(",\"file\":", file);
            json_write_string(file, profile_string(profile, frame->file),
                              profile_string_length(profile, frame->file));
        }
        if (frame->line)
            fprintf(file, ",\"line\":%u", frame->line);
        putc_unlocked('}', file);
    }
    fputs("]},\"profiles\":[{\"type\":\"sampled\",\"name\":", file);
    json_write_cstring(file, type_name);
    fprintf(file, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":", speedscope_unit(profile, type));
    json_write_number(file, total);
    fputs(",\"samples\":[", file);
    for (size_t i = 0; i < count; i++) {
        size_t depth = profile_root_path(profile, stacks[i], path);
        fputs(i ? ",\n[" : "\n[", file);
        for (size_t level = 0; level < depth; level++) {
            if (level)
                putc_unlocked(',', file);
            fprintf(file, "%u", index_of_frame[path[level]]);
        }
        putc_unlocked(']', file);
    }
    fputs("],\"weights\":[", file);
    for (size_t i = 0; i < count; i++) {
        if (i)
            putc_unlocked(',', file);
        json_write_number(file, profile_self_value(profile, stacks[i], type));
    }
    fputs("]}]}\n", file);
    free(index_of_frame);
    free(frame_order);
    free(path);
    free(stacks);
    return ferror(file) ? -1 : 0;
}

static const char *const speedscope_extensions[] = {".speedscope.json", ".json", NULL};

const struct format speedscope_format = {
    .name = "speedscope",
    .extensions = speedscope_extensions,
    .probe = speedscope_probe,
    .read = speedscope_read,
    .write = speedscope_write,
};
