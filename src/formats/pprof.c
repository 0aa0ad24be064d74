/* pprof.c — pprof's profile.proto (Go's runtime/pprof, gperftools' newer
 * pprof, and anything else that writes it): reading and writing.
 *
 * Why a hand-written decoder and not protobuf-c (Debian's libprotobuf-c)
 * -----------------------------------------------------------------------
 * Measured on the largest pprof made here: the corpus's large-A.perf
 * collapsed with --tid (288,829 stacks) and written by ember as an
 * uncompressed 8.1 MB .pb, and large-A collapsed plainly (61,430 stacks,
 * 5.1 MB); best of 10 runs in process CPU time, gcc -O2 (bench/pprof.sh):
 *     protobuf-c 1.4.1 unpack + free_unpacked      107 / 148 MB/s
 *     protobuf.c wire decoding of every message     607 / 862 MB/s
 *     this whole reader, call tree included        138 / 190 MB/s
 * (The whole reader was later 172-178 MB/s before and 182-200 MB/s after
 * the single_frames lookup and the unchecked packed varints, on the first
 * file, best of 20 on a loaded 2-core machine; the second not remeasured.)
 * protobuf-c allocates every Sample, Label, Location and Line separately
 * and still leaves the ids and string indexes to resolve; decoding in
 * place is 5 to 6 times faster, needs no generated code, and lets every
 * error name its byte offset. Most of the reader's remaining time is the
 * call tree: on the first file every sample is a new stack, and finding
 * its parent's child (profile_child's hash probe) is a cache miss. The
 * samples there are already in tree order, so reusing the previous
 * sample's path leaves one profile_child call per new node (749,612 calls
 * for 749,601 nodes): sorting the samples first would save nothing.
 *
 * Reading
 * -------
 * The whole input is read, gunzipped when it starts with gzip's magic, and
 * decoded in one pass over the top-level fields: sample types, mappings,
 * locations (with their lines), functions, the string table and the scalar
 * fields are decoded at once; samples are only located (offset, length),
 * because they refer to ids and strings that may come later (Go writes the
 * string table last). Then every string index is checked against the string
 * table, the mapping/location/function ids are indexed (duplicates and id 0
 * refused), each location is turned into its frames once, and finally each
 * sample is decoded and added to the call tree.
 *
 * Model mapping:
 * - Every sample type becomes a profile sample type (type, unit); the
 *   default is default_sample_type when set, else the last type (pprof's
 *   rule). Values are int64 and become doubles (exact below 2^53).
 * - A frame is a function: name (system_name when the name is empty), file
 *   = the function's filename, line = the function's start_line, kind
 *   FRAME_GO when the profile looks like Go (runtime.* functions or .go
 *   files), else FRAME_NATIVE. Line.line (the line within the function) is
 *   not part of the frame: it differs between samples of one function, and
 *   would split that function into sibling boxes and duplicate folded lines.
 *   This is pprof's own default granularity (functions).
 * - A location with several lines (inlining) gives several frames: line[0]
 *   is the innermost, so it is the deepest of them in the stack.
 * - A location without lines (unsymbolized) is one frame named after its
 *   module and offset ("libc.so.6+0x2a1c0") when its mapping names a file,
 *   else after its address ("0x4a1c0").
 * - String labels whose key and value are the same on every sample become
 *   profile labels. With read_options.label_frame_keys (--label-frames
 *   KEY), each sample's label KEY becomes a root frame "KEY=value"
 *   (numeric labels "KEY=42" or "KEY=42 bytes"); samples without it get no
 *   such frame. This is pprof's -tagroot.
 * - drop_frames/keep_frames are applied as go tool pprof applies them when
 *   it loads a profile (Profile.Prune): from the root, after the first
 *   frame that is kept, a location whose function matches drop_frames (and
 *   not keep_frames) is dropped with everything it called; a match on an
 *   inlined line keeps the lines outside it. Patterns are POSIX extended
 *   regular expressions here, RE2 in Go; one that does not compile prunes
 *   nothing (pprof ignores that error too).
 * - comment, doc_url, drop_frames and keep_frames are kept as profile labels
 *   "pprof::comment" etc. ("pprof::" is the key prefix pprof reserves), so
 *   the writer can give them back (pruning again changes nothing).
 * - period, period_type (its type name), time_nanos and duration_nanos
 *   become profile->period, period_type, start_time and end_time.
 * - mapping and Location.address serve only to name unsymbolized locations;
 *   is_folded, Line.column and the mapping flags are not kept.
 *
 * Bad input gets one message with the byte offset (in the decompressed
 * protobuf when the file was gzipped) and what was expected there.
 *
 * Writing
 * -------
 * One function and one location per frame used (ids = frame index + 1; the
 * location's one line names the function at the frame's line), one sample
 * per call-tree node with a non-zero self value (location ids leaf first,
 * one value per sample type, rounded to integers), every sample type,
 * default_sample_type = the sample type chosen for writing, period,
 * period_type, time, duration, and the labels back: "pprof::" labels to
 * their fields, the other profile labels as string labels on every sample.
 * pprof_format gzips it (as Go does, at the fastest level); the
 * uncompressed descriptor writes the protobuf as is.
 */
#include "pprof.h"
#include "protobuf.h"
#include "../util/gzip.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field numbers of profile.proto. */
enum {
    PROFILE_SAMPLE_TYPE = 1,
    PROFILE_SAMPLE = 2,
    PROFILE_MAPPING = 3,
    PROFILE_LOCATION = 4,
    PROFILE_FUNCTION = 5,
    PROFILE_STRING_TABLE = 6,
    PROFILE_DROP_FRAMES = 7,
    PROFILE_KEEP_FRAMES = 8,
    PROFILE_TIME_NANOS = 9,
    PROFILE_DURATION_NANOS = 10,
    PROFILE_PERIOD_TYPE = 11,
    PROFILE_PERIOD = 12,
    PROFILE_COMMENT = 13,
    PROFILE_DEFAULT_SAMPLE_TYPE = 14,
    PROFILE_DOC_URL = 15,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3 };
enum { LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3, LABEL_NUM_UNIT = 4 };
enum {
    MAPPING_ID = 1,
    MAPPING_MEMORY_START = 2,
    MAPPING_MEMORY_LIMIT = 3,
    MAPPING_FILE_OFFSET = 4,
    MAPPING_FILENAME = 5,
    MAPPING_BUILD_ID = 6,
};
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2 };
enum {
    FUNCTION_ID = 1,
    FUNCTION_NAME = 2,
    FUNCTION_SYSTEM_NAME = 3,
    FUNCTION_FILENAME = 4,
    FUNCTION_START_LINE = 5,
};

/* Decompressed protobuf larger than this is refused (protobuf itself is
 * limited to 2 GiB per message). */
#define PPROF_MAX_DECOMPRESSED ((size_t)4 << 30)

#define LABEL_PREFIX "pprof::"

/* ---- decoded messages ---- */

/* A string-table index and where it was found, for messages. */
struct string_reference {
    int64_t index;
    size_t offset;
};

struct value_type {
    struct string_reference type, unit;
};

struct byte_span {
    size_t offset, length;
};

struct mapping {
    uint64_t id; /* first: id maps read it there */
    uint64_t memory_start, file_offset;
    struct string_reference filename, build_id;
    size_t offset;
};

struct line {
    uint64_t function_id;
    int64_t line;
};

struct location {
    uint64_t id;
    uint64_t mapping_id, address;
    size_t first_line, line_count;
    size_t offset;
    uint32_t first_frame, frame_count; /* root-first frames, set once resolved */
    uint32_t prune;       /* enum prune, from drop_frames */
    uint32_t kept_frames; /* PRUNE_BENEATH: how many root-first frames stay */
};

/* What drop_frames does to a location (pprof's Profile.Prune). */
enum prune {
    PRUNE_NONE,
    PRUNE_WHOLE,   /* its outermost line matches: drop it and all below */
    PRUNE_BENEATH, /* an inlined line matches: keep the lines outside it */
};

struct function {
    uint64_t id;
    struct string_reference name, system_name, filename;
    int64_t start_line;
    size_t offset;
    uint32_t frame; /* PROFILE_NONE until first used */
    int dropped;    /* matches drop_frames (and not keep_frames): -1 = not known yet */
};

struct sample_label {
    int64_t key, string, number, number_unit;
    size_t offset;
};

/* id -> index: a direct array when ids are dense (Go numbers them 1..n),
 * else open addressing. */
struct id_slot {
    uint64_t id;
    uint32_t index;
};

struct id_map {
    uint32_t *dense; /* dense[id] = index + 1, 0 when absent */
    size_t dense_size;
    struct id_slot *slots;
    size_t slot_mask;
};

struct common_label {
    int64_t key, value;
    int alive;
};

struct pprof_reader {
    const uint8_t *data;
    size_t size;
    const char *name;
    int compressed;
    struct protobuf_error error;

    struct value_type *sample_types;
    size_t sample_type_count, sample_type_capacity;
    struct byte_span *samples;
    size_t sample_count, sample_capacity;
    struct mapping *mappings;
    size_t mapping_count, mapping_capacity;
    struct location *locations;
    size_t location_count, location_capacity;
    struct line *lines;
    size_t line_count, line_capacity;
    struct function *functions;
    size_t function_count, function_capacity;
    struct byte_span *strings;
    size_t string_count, string_capacity;
    struct string_reference *comments;
    size_t comment_count, comment_capacity;
    struct string_reference drop_frames, keep_frames, default_sample_type, doc_url;
    struct value_type period_type;
    int64_t time_nanos, duration_nanos, period;
    int seen_time_nanos;

    struct id_map mapping_ids, location_ids, function_ids;
    regex_t drop_pattern, keep_pattern; /* "^(drop_frames)$", "^(keep_frames)$" */
    int has_drop_pattern, has_keep_pattern;

    /* Model side. */
    struct profile *profile;
    const struct read_options *options;
    enum frame_kind kind;
    uint32_t *string_ids; /* string index -> profile string id, lazily */
    size_t *type_map;     /* sample type index -> profile sample type */
    uint32_t *location_frames;
    size_t location_frame_count, location_frame_capacity;
    struct resolved_location *resolved; /* by id when ids are dense, else by index */
    uint32_t *single_frames; /* dense ids only: see resolve_for_samples */

    /* Per-sample scratch. */
    uint64_t *sample_locations;
    size_t sample_location_capacity;
    uint64_t *sample_values; /* int64 values, as decoded */
    size_t sample_value_capacity;
    struct sample_label *sample_labels;
    size_t sample_label_capacity;
    uint32_t *stack;
    size_t stack_capacity;
    char *text;
    size_t text_capacity;
    struct common_label *common_labels;
    size_t common_label_count;
    /* The previous sample's stack and its nodes (see add_stack). */
    uint32_t *previous_stack, *previous_nodes;
    size_t previous_depth, previous_capacity;
};

static int fail(struct pprof_reader *reader, size_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pprof_reader *reader, size_t offset, const char *format, ...)
{
    reader->error.offset = offset;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(reader->error.message, sizeof reader->error.message, format, arguments);
    va_end(arguments);
    return -1;
}

/* ---- id maps ---- */

static uint64_t id_hash(uint64_t id)
{
    return hash_mix64(id * 0x9e3779b97f4a7c15ULL);
}

static uint32_t id_map_find(const struct id_map *map, uint64_t id)
{
    if (map->dense)
        return id < map->dense_size ? map->dense[id] - 1 : UINT32_MAX;
    if (!map->slots)
        return UINT32_MAX;
    for (size_t slot = id_hash(id) & map->slot_mask;; slot = (slot + 1) & map->slot_mask) {
        if (map->slots[slot].index == UINT32_MAX)
            return UINT32_MAX;
        if (map->slots[slot].id == id)
            return map->slots[slot].index;
    }
}

/* items: count structs of item_size bytes, each starting with its uint64_t
 * id. Returns 0, or -1 with the index of the offending item in *bad and
 * *duplicate set when its id repeats an earlier one (else it is zero). */
static int id_map_build(struct id_map *map, const void *items, size_t count, size_t item_size,
                        size_t *bad, int *duplicate)
{
    const unsigned char *bytes = items;
    uint64_t max_id = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t id;
        memcpy(&id, bytes + i * item_size, sizeof id);
        if (id == 0) {
            *bad = i;
            *duplicate = 0;
            return -1;
        }
        if (id > max_id)
            max_id = id;
    }
    if (count == 0)
        return 0;
    if (max_id <= count * 4 + 1024) {
        map->dense_size = (size_t)max_id + 1;
        map->dense = xcalloc(map->dense_size, sizeof *map->dense);
        for (size_t i = 0; i < count; i++) {
            uint64_t id;
            memcpy(&id, bytes + i * item_size, sizeof id);
            if (map->dense[id]) {
                *bad = i;
                *duplicate = 1;
                return -1;
            }
            map->dense[id] = (uint32_t)i + 1;
        }
        return 0;
    }
    size_t slot_count = 16;
    while (slot_count < count * 2)
        slot_count *= 2;
    map->slots = xmalloc(slot_count * sizeof *map->slots);
    for (size_t i = 0; i < slot_count; i++)
        map->slots[i].index = UINT32_MAX;
    map->slot_mask = slot_count - 1;
    for (size_t i = 0; i < count; i++) {
        uint64_t id;
        memcpy(&id, bytes + i * item_size, sizeof id);
        size_t slot = id_hash(id) & map->slot_mask;
        while (map->slots[slot].index != UINT32_MAX) {
            if (map->slots[slot].id == id) {
                *bad = i;
                *duplicate = 1;
                return -1;
            }
            slot = (slot + 1) & map->slot_mask;
        }
        map->slots[slot] = (struct id_slot){id, (uint32_t)i};
    }
    return 0;
}

static void id_map_free(struct id_map *map)
{
    free(map->dense);
    free(map->slots);
}

/* ---- decoding the messages ---- */

static int expect_wire_type(struct pprof_reader *reader, const struct protobuf_field *field,
                            const char *name, uint32_t wire_type)
{
    if (field->wire_type == wire_type)
        return 0;
    protobuf_wire_type_error(field, name, wire_type, &reader->error);
    return -1;
}

static struct string_reference string_reference_at(const struct protobuf_field *field)
{
    return (struct string_reference){(int64_t)field->value, field->offset};
}

static int decode_value_type(struct pprof_reader *reader, const struct protobuf_reader *parent,
                             const struct protobuf_field *outer, struct value_type *value_type)
{
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    *value_type = (struct value_type){{0, outer->offset}, {0, outer->offset}};
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        if (field.number == VALUE_TYPE_TYPE || field.number == VALUE_TYPE_UNIT) {
            if (expect_wire_type(reader, &field, field.number == VALUE_TYPE_TYPE ? "ValueType.type"
                                                                                 : "ValueType.unit",
                                 PROTOBUF_VARINT) < 0)
                return -1;
            if (field.number == VALUE_TYPE_TYPE)
                value_type->type = string_reference_at(&field);
            else
                value_type->unit = string_reference_at(&field);
        }
    }
    return status;
}

static int decode_mapping(struct pprof_reader *reader, const struct protobuf_reader *parent,
                          const struct protobuf_field *outer)
{
    GROW(reader->mappings, reader->mapping_capacity, reader->mapping_count + 1);
    struct mapping *mapping = &reader->mappings[reader->mapping_count++];
    *mapping = (struct mapping){.filename = {0, outer->offset}, .build_id = {0, outer->offset},
                                .offset = outer->offset};
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        if (field.number > MAPPING_BUILD_ID + 4)
            continue; /* unknown */
        if (expect_wire_type(reader, &field, "Mapping field", PROTOBUF_VARINT) < 0)
            return -1;
        switch (field.number) {
        case MAPPING_ID: mapping->id = field.value; break;
        case MAPPING_MEMORY_START: mapping->memory_start = field.value; break;
        case MAPPING_FILE_OFFSET: mapping->file_offset = field.value; break;
        case MAPPING_FILENAME: mapping->filename = string_reference_at(&field); break;
        case MAPPING_BUILD_ID: mapping->build_id = string_reference_at(&field); break;
        default: break; /* memory_limit and the has_* flags */
        }
    }
    return status;
}

static int decode_line(struct pprof_reader *reader, const struct protobuf_reader *parent,
                       const struct protobuf_field *outer)
{
    GROW(reader->lines, reader->line_capacity, reader->line_count + 1);
    struct line *line = &reader->lines[reader->line_count++];
    *line = (struct line){0, 0};
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        if (field.number > 3)
            continue;
        if (expect_wire_type(reader, &field, "Line field", PROTOBUF_VARINT) < 0)
            return -1;
        if (field.number == LINE_FUNCTION_ID)
            line->function_id = field.value;
        else if (field.number == LINE_LINE)
            line->line = (int64_t)field.value;
    }
    return status;
}

static int decode_location(struct pprof_reader *reader, const struct protobuf_reader *parent,
                           const struct protobuf_field *outer)
{
    GROW(reader->locations, reader->location_capacity, reader->location_count + 1);
    size_t index = reader->location_count++;
    reader->locations[index] = (struct location){.first_line = reader->line_count,
                                                 .offset = outer->offset};
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        struct location *location = &reader->locations[index];
        if (field.number == LOCATION_LINE) {
            if (expect_wire_type(reader, &field, "Location.line", PROTOBUF_LENGTH_DELIMITED) < 0 ||
                decode_line(reader, &message, &field) < 0)
                return -1;
            continue;
        }
        if (field.number > 5)
            continue;
        if (expect_wire_type(reader, &field, "Location field", PROTOBUF_VARINT) < 0)
            return -1;
        if (field.number == LOCATION_ID)
            location->id = field.value;
        else if (field.number == LOCATION_MAPPING_ID)
            location->mapping_id = field.value;
        else if (field.number == LOCATION_ADDRESS)
            location->address = field.value;
    }
    reader->locations[index].line_count = reader->line_count - reader->locations[index].first_line;
    return status;
}

static int decode_function(struct pprof_reader *reader, const struct protobuf_reader *parent,
                           const struct protobuf_field *outer)
{
    GROW(reader->functions, reader->function_capacity, reader->function_count + 1);
    struct function *function = &reader->functions[reader->function_count++];
    *function = (struct function){.name = {0, outer->offset}, .system_name = {0, outer->offset},
                                  .filename = {0, outer->offset}, .offset = outer->offset,
                                  .frame = PROFILE_NONE, .dropped = -1};
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        if (field.number > FUNCTION_START_LINE)
            continue;
        if (expect_wire_type(reader, &field, "Function field", PROTOBUF_VARINT) < 0)
            return -1;
        switch (field.number) {
        case FUNCTION_ID: function->id = field.value; break;
        case FUNCTION_NAME: function->name = string_reference_at(&field); break;
        case FUNCTION_SYSTEM_NAME: function->system_name = string_reference_at(&field); break;
        case FUNCTION_FILENAME: function->filename = string_reference_at(&field); break;
        default: function->start_line = (int64_t)field.value; break;
        }
    }
    return status;
}

static void add_comment(void *context, uint64_t value)
{
    struct pprof_reader *reader = context;
    GROW(reader->comments, reader->comment_capacity, reader->comment_count + 1);
    reader->comments[reader->comment_count++] = (struct string_reference){(int64_t)value, 0};
}

static const char *profile_field_name(uint32_t number)
{
    static const char *const names[] = {
        NULL, "sample_type", "sample", "mapping", "location", "function", "string_table",
        "drop_frames", "keep_frames", "time_nanos", "duration_nanos", "period_type", "period",
        "comment", "default_sample_type", "doc_url"};
    return number < sizeof names / sizeof names[0] ? names[number] : NULL;
}

static int decode_profile(struct pprof_reader *reader)
{
    struct protobuf_reader message;
    protobuf_reader_init(&message, reader->data, 0, reader->size);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        const char *name = profile_field_name(field.number);
        if (!name)
            continue; /* unknown fields are skipped, as protobuf requires */
        int length_delimited = field.number <= PROFILE_STRING_TABLE ||
                               field.number == PROFILE_PERIOD_TYPE;
        if (field.number == PROFILE_COMMENT) {
            size_t first = reader->comment_count;
            if (protobuf_each_integer(&message, &field, add_comment, reader, &reader->error) < 0)
                return -1;
            for (size_t i = first; i < reader->comment_count; i++)
                reader->comments[i].offset = field.offset;
            continue;
        }
        if (expect_wire_type(reader, &field, name,
                             length_delimited ? PROTOBUF_LENGTH_DELIMITED : PROTOBUF_VARINT) < 0)
            return -1;
        int result = 0;
        switch (field.number) {
        case PROFILE_SAMPLE_TYPE:
            GROW(reader->sample_types, reader->sample_type_capacity, reader->sample_type_count + 1);
            result = decode_value_type(reader, &message, &field,
                                       &reader->sample_types[reader->sample_type_count++]);
            break;
        case PROFILE_SAMPLE:
            GROW(reader->samples, reader->sample_capacity, reader->sample_count + 1);
            reader->samples[reader->sample_count++] = (struct byte_span){field.data_offset,
                                                                         field.length};
            break;
        case PROFILE_MAPPING: result = decode_mapping(reader, &message, &field); break;
        case PROFILE_LOCATION: result = decode_location(reader, &message, &field); break;
        case PROFILE_FUNCTION: result = decode_function(reader, &message, &field); break;
        case PROFILE_STRING_TABLE:
            GROW(reader->strings, reader->string_capacity, reader->string_count + 1);
            reader->strings[reader->string_count++] = (struct byte_span){field.data_offset,
                                                                         field.length};
            break;
        case PROFILE_DROP_FRAMES: reader->drop_frames = string_reference_at(&field); break;
        case PROFILE_KEEP_FRAMES: reader->keep_frames = string_reference_at(&field); break;
        case PROFILE_TIME_NANOS:
            if (reader->seen_time_nanos)
                return fail(reader, field.offset,
                            "a second time_nanos: this is several profiles concatenated, which "
                            "pprof refuses too (merge the files instead)");
            reader->seen_time_nanos = 1;
            reader->time_nanos = (int64_t)field.value;
            break;
        case PROFILE_DURATION_NANOS: reader->duration_nanos = (int64_t)field.value; break;
        case PROFILE_PERIOD_TYPE:
            result = decode_value_type(reader, &message, &field, &reader->period_type);
            break;
        case PROFILE_PERIOD: reader->period = (int64_t)field.value; break;
        case PROFILE_DEFAULT_SAMPLE_TYPE:
            reader->default_sample_type = string_reference_at(&field);
            break;
        case PROFILE_DOC_URL: reader->doc_url = string_reference_at(&field); break;
        default: break;
        }
        if (result < 0)
            return -1;
    }
    return status;
}

/* ---- strings ---- */

static int check_string(struct pprof_reader *reader, struct string_reference reference,
                        const char *what)
{
    if (reference.index == 0)
        return 0;
    if (reference.index < 0 || (uint64_t)reference.index >= reader->string_count)
        return fail(reader, reference.offset,
                    "%s: string index %lld is out of range (the string table has %zu strings)",
                    what, (long long)reference.index, reader->string_count);
    return 0;
}

static int check_value_type(struct pprof_reader *reader, const struct value_type *value_type,
                            const char *what)
{
    return check_string(reader, value_type->type, what) < 0 ||
                   check_string(reader, value_type->unit, what) < 0
               ? -1
               : 0;
}

static int check_strings(struct pprof_reader *reader)
{
    if (reader->string_count > 0 && reader->strings[0].length != 0)
        return fail(reader, reader->strings[0].offset,
                    "string_table[0] must be the empty string (it has %zu bytes)",
                    reader->strings[0].length);
    for (size_t i = 0; i < reader->sample_type_count; i++)
        if (check_value_type(reader, &reader->sample_types[i], "sample_type") < 0)
            return -1;
    if (check_value_type(reader, &reader->period_type, "period_type") < 0 ||
        check_string(reader, reader->drop_frames, "drop_frames") < 0 ||
        check_string(reader, reader->keep_frames, "keep_frames") < 0 ||
        check_string(reader, reader->default_sample_type, "default_sample_type") < 0 ||
        check_string(reader, reader->doc_url, "doc_url") < 0)
        return -1;
    for (size_t i = 0; i < reader->comment_count; i++)
        if (check_string(reader, reader->comments[i], "comment") < 0)
            return -1;
    for (size_t i = 0; i < reader->mapping_count; i++)
        if (check_string(reader, reader->mappings[i].filename, "Mapping.filename") < 0 ||
            check_string(reader, reader->mappings[i].build_id, "Mapping.build_id") < 0)
            return -1;
    for (size_t i = 0; i < reader->function_count; i++)
        if (check_string(reader, reader->functions[i].name, "Function.name") < 0 ||
            check_string(reader, reader->functions[i].system_name, "Function.system_name") < 0 ||
            check_string(reader, reader->functions[i].filename, "Function.filename") < 0)
            return -1;
    return 0;
}

static const char *string_bytes(const struct pprof_reader *reader, int64_t index, size_t *length)
{
    if (index <= 0 || (uint64_t)index >= reader->string_count) {
        *length = 0;
        return "";
    }
    *length = reader->strings[index].length;
    return (const char *)reader->data + reader->strings[index].offset;
}

static int same_string(const struct pprof_reader *reader, int64_t a, int64_t b)
{
    if (a == b)
        return 1;
    size_t length_a, length_b;
    const char *bytes_a = string_bytes(reader, a, &length_a);
    const char *bytes_b = string_bytes(reader, b, &length_b);
    return length_a == length_b && memcmp(bytes_a, bytes_b, length_a) == 0;
}

/* The profile's id of a (checked) string index. */
static uint32_t profile_string_of(struct pprof_reader *reader, int64_t index)
{
    if (index < 0 || (uint64_t)index >= reader->string_count)
        return profile_intern(reader->profile, "", 0);
    if (reader->string_ids[index] == PROFILE_NONE) {
        size_t length;
        const char *bytes = string_bytes(reader, index, &length);
        reader->string_ids[index] = profile_intern(reader->profile, bytes, length);
    }
    return reader->string_ids[index];
}

/* The string's bytes as a NUL-terminated C string owned by the profile. */
static const char *profile_text_of(struct pprof_reader *reader, int64_t index)
{
    return profile_string(reader->profile, profile_string_of(reader, index));
}

/* ---- frames ---- */

static int has_prefix(const char *bytes, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(bytes, prefix, prefix_length) == 0;
}

static int has_suffix(const char *bytes, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && memcmp(bytes + length - suffix_length, suffix,
                                             suffix_length) == 0;
}

static enum frame_kind guess_kind(const struct pprof_reader *reader)
{
    for (size_t i = 0; i < reader->function_count; i++) {
        size_t length;
        const char *name = string_bytes(reader, reader->functions[i].name.index, &length);
        if (has_prefix(name, length, "runtime."))
            return FRAME_GO;
        const char *file = string_bytes(reader, reader->functions[i].filename.index, &length);
        if (has_suffix(file, length, ".go"))
            return FRAME_GO;
    }
    return FRAME_NATIVE;
}

static uint32_t function_frame(struct pprof_reader *reader, struct function *function)
{
    if (function->frame != PROFILE_NONE)
        return function->frame;
    int64_t name_index = function->name.index ? function->name.index
                                              : function->system_name.index;
    uint32_t name = profile_string_of(reader, name_index);
    uint32_t file = function->filename.index ? profile_string_of(reader, function->filename.index)
                                             : PROFILE_NONE;
    uint32_t line = function->start_line > 0 && function->start_line <= UINT32_MAX
                        ? (uint32_t)function->start_line
                        : 0;
    function->frame = profile_frame(reader->profile, name, file, line, reader->kind);
    return function->frame;
}

static void reserve_text(struct pprof_reader *reader, size_t needed)
{
    if (reader->text_capacity < needed)
        GROW(reader->text, reader->text_capacity, needed);
}

static uint32_t address_frame(struct pprof_reader *reader, const struct location *location)
{
    const struct mapping *mapping = NULL;
    if (location->mapping_id) {
        uint32_t index = id_map_find(&reader->mapping_ids, location->mapping_id);
        if (index != UINT32_MAX)
            mapping = &reader->mappings[index];
    }
    size_t file_length = 0;
    const char *file = mapping ? string_bytes(reader, mapping->filename.index, &file_length) : "";
    int length;
    uint32_t file_id = PROFILE_NONE;
    if (file_length) {
        const char *base = file + file_length;
        while (base > file && base[-1] != '/')
            base--;
        size_t base_length = file_length - (size_t)(base - file);
        uint64_t offset = location->address - mapping->memory_start + mapping->file_offset;
        reserve_text(reader, base_length + 32);
        memcpy(reader->text, base, base_length);
        length = (int)base_length + snprintf(reader->text + base_length, 32, "+0x%llx",
                                             (unsigned long long)offset);
        file_id = profile_string_of(reader, mapping->filename.index);
    } else {
        reserve_text(reader, 32);
        length = snprintf(reader->text, 32, "0x%llx", (unsigned long long)location->address);
    }
    uint32_t name = profile_intern(reader->profile, reader->text, (size_t)length);
    return profile_frame(reader->profile, name, file_id, 0, reader->kind);
}

/* pprof's simplifyFunc: the name up to its argument list, i.e. up to the
 * first '(' that does not begin "(anonymous namespace)" or belong to
 * "operator()". */
static size_t simplified_length(const char *name, size_t length)
{
    static const char anonymous[] = "(anonymous namespace)", call[] = "operator()";
    size_t at = 0;
    while (at < length) {
        size_t left = length - at;
        if (left >= sizeof anonymous - 1 && memcmp(name + at, anonymous, sizeof anonymous - 1) == 0)
            at += sizeof anonymous - 1;
        else if (left >= sizeof call - 1 && memcmp(name + at, call, sizeof call - 1) == 0)
            at += sizeof call - 1;
        else if (name[at] == '(')
            return at;
        else
            at++;
    }
    return length;
}

static int function_dropped(struct pprof_reader *reader, struct function *function)
{
    if (function->dropped >= 0)
        return function->dropped;
    size_t length;
    const char *name = string_bytes(reader, function->name.index, &length);
    function->dropped = 0;
    if (length) {
        length = simplified_length(name, length);
        reserve_text(reader, length + 1);
        memcpy(reader->text, name, length);
        reader->text[length] = '\0';
        function->dropped =
            regexec(&reader->drop_pattern, reader->text, 0, NULL, 0) == 0 &&
            !(reader->has_keep_pattern &&
              regexec(&reader->keep_pattern, reader->text, 0, NULL, 0) == 0);
    }
    return function->dropped;
}

/* Marks the location as pprof's Prune would: scanning its lines from the
 * outermost, the first whose function matches drop_frames decides. */
static void mark_pruned(struct pprof_reader *reader, struct location *location)
{
    for (size_t j = location->line_count; j-- > 0;) {
        const struct line *line = &reader->lines[location->first_line + j];
        if (line->function_id == 0)
            continue;
        uint32_t function = id_map_find(&reader->function_ids, line->function_id);
        if (function == UINT32_MAX || !function_dropped(reader, &reader->functions[function]))
            continue;
        if (j == location->line_count - 1) {
            location->prune = PRUNE_WHOLE;
        } else {
            location->prune = PRUNE_BENEATH;
            location->kept_frames = (uint32_t)(location->line_count - 1 - j);
        }
        return;
    }
}

/* Compiles "^(pattern)$" as a POSIX extended regular expression (Go's
 * RE2 syntax agrees on what drop_frames holds in practice: alternations of
 * names and ".*"). Returns 1 when it compiled. */
static int compile_pattern(struct pprof_reader *reader, int64_t index, regex_t *pattern)
{
    size_t length;
    const char *text = string_bytes(reader, index, &length);
    char *anchored = xmalloc(length + 5);
    memcpy(anchored, "^(", 2);
    memcpy(anchored + 2, text, length);
    memcpy(anchored + 2 + length, ")$", 3);
    int compiled = memchr(text, '\0', length) == NULL &&
                   regcomp(pattern, anchored, REG_EXTENDED | REG_NOSUB) == 0;
    free(anchored);
    return compiled;
}

/* pprof applies drop_frames/keep_frames when it loads a profile (unless
 * -show_from or -all_frames); a pattern that does not compile means no
 * pruning, as in pprof, which ignores that error. */
static void compile_prune_patterns(struct pprof_reader *reader)
{
    if (!reader->drop_frames.index)
        return;
    if (reader->keep_frames.index) {
        reader->has_keep_pattern = compile_pattern(reader, reader->keep_frames.index,
                                                   &reader->keep_pattern);
        if (!reader->has_keep_pattern)
            return;
    }
    reader->has_drop_pattern = compile_pattern(reader, reader->drop_frames.index,
                                               &reader->drop_pattern);
}

static void append_location_frame(struct pprof_reader *reader, uint32_t frame)
{
    GROW(reader->location_frames, reader->location_frame_capacity,
         reader->location_frame_count + 1);
    reader->location_frames[reader->location_frame_count++] = frame;
}

static int resolve_locations(struct pprof_reader *reader)
{
    for (size_t i = 0; i < reader->location_count; i++) {
        struct location *location = &reader->locations[i];
        if (location->mapping_id &&
            id_map_find(&reader->mapping_ids, location->mapping_id) == UINT32_MAX)
            return fail(reader, location->offset,
                        "location %llu names mapping id %llu, which does not exist",
                        (unsigned long long)location->id,
                        (unsigned long long)location->mapping_id);
        location->first_frame = (uint32_t)reader->location_frame_count;
        if (location->line_count == 0) {
            append_location_frame(reader, address_frame(reader, location));
        } else {
            /* line[0] is the innermost inlined function: root-first, it comes last. */
            for (size_t j = location->line_count; j-- > 0;) {
                const struct line *line = &reader->lines[location->first_line + j];
                if (line->function_id == 0) {
                    append_location_frame(reader, address_frame(reader, location));
                    continue;
                }
                uint32_t function = id_map_find(&reader->function_ids, line->function_id);
                if (function == UINT32_MAX)
                    return fail(reader, location->offset,
                                "location %llu names function id %llu, which does not exist",
                                (unsigned long long)location->id,
                                (unsigned long long)line->function_id);
                append_location_frame(reader, function_frame(reader, &reader->functions[function]));
            }
        }
        location->frame_count = (uint32_t)(reader->location_frame_count - location->first_frame);
        if (reader->has_drop_pattern)
            mark_pruned(reader, location);
    }
    return 0;
}

static int index_ids(struct pprof_reader *reader, struct id_map *map, const void *items,
                     size_t count, size_t item_size, const char *what)
{
    size_t bad;
    int duplicate;
    if (id_map_build(map, items, count, item_size, &bad, &duplicate) == 0)
        return 0;
    const unsigned char *item = (const unsigned char *)items + bad * item_size;
    uint64_t id;
    memcpy(&id, item, sizeof id);
    size_t offset = 0;
    if (items == reader->mappings)
        offset = reader->mappings[bad].offset;
    else if (items == reader->locations)
        offset = reader->locations[bad].offset;
    else
        offset = reader->functions[bad].offset;
    if (duplicate)
        return fail(reader, offset, "%s id %llu appears twice (ids must be unique)", what,
                    (unsigned long long)id);
    return fail(reader, offset, "%s has id 0 (ids must be non-zero)", what);
}

/* ---- samples ---- */

/* What a sample needs of a location, kept small and indexed directly by id
 * when ids are dense, so that resolving a location id is one cache miss. */
struct resolved_location {
    uint32_t frame;       /* the frame when frame_count is 1, else the first
                             index into location_frames */
    uint32_t frame_count; /* UINT32_MAX: no location has this id */
    uint32_t prune;
    uint32_t kept_frames;
};

/* When ids are dense, also single_frames[id]: the frame of a location that
 * is one frame and not pruned (most are), else NO_SINGLE_FRAME (look in
 * resolved). It is a quarter of resolved's size, so that the lookup done
 * for every location id of every sample (a cache miss on large profiles)
 * misses less. */
#define NO_SINGLE_FRAME UINT32_MAX

static void resolve_for_samples(struct pprof_reader *reader)
{
    const struct id_map *ids = &reader->location_ids;
    size_t count = ids->dense ? ids->dense_size : reader->location_count;
    reader->resolved = xmalloc((count + 1) * sizeof *reader->resolved);
    for (size_t i = 0; i < count; i++)
        reader->resolved[i].frame_count = UINT32_MAX;
    if (ids->dense) {
        reader->single_frames = xmalloc((count + 1) * sizeof *reader->single_frames);
        memset(reader->single_frames, 0xff, (count + 1) * sizeof *reader->single_frames);
    }
    for (size_t i = 0; i < reader->location_count; i++) {
        const struct location *location = &reader->locations[i];
        size_t slot = ids->dense ? (size_t)location->id : i;
        reader->resolved[slot] = (struct resolved_location){
            location->frame_count == 1 ? reader->location_frames[location->first_frame]
                                       : location->first_frame,
            location->frame_count, location->prune, location->kept_frames};
        if (ids->dense && location->frame_count == 1 && location->prune == PRUNE_NONE)
            reader->single_frames[slot] = reader->location_frames[location->first_frame];
    }
}

static inline const struct resolved_location *find_resolved_location(
    const struct pprof_reader *reader, uint64_t id)
{
    const struct id_map *ids = &reader->location_ids;
    if (ids->dense) {
        if (id >= ids->dense_size || reader->resolved[id].frame_count == UINT32_MAX)
            return NULL;
        return &reader->resolved[id];
    }
    uint32_t index = id_map_find(ids, id);
    return index == UINT32_MAX ? NULL : &reader->resolved[index];
}

static int decode_packed_or_single(struct pprof_reader *reader, const struct protobuf_field *field,
                                   const char *name, uint64_t **values, size_t *count,
                                   size_t *capacity)
{
    if (field->wire_type == PROTOBUF_VARINT) {
        GROW(*values, *capacity, *count + 1);
        (*values)[(*count)++] = field->value;
        return 0;
    }
    if (field->wire_type != PROTOBUF_LENGTH_DELIMITED) {
        protobuf_wire_type_error(field, name, PROTOBUF_VARINT, &reader->error);
        return -1;
    }
    if (field->length == 0)
        return 0; /* an empty packed field holds no values (and *values may be NULL) */
    size_t position = field->data_offset, end = field->data_offset + field->length;
    /* A varint takes at least one byte: length bounds the count. */
    if (*capacity < *count + field->length)
        GROW(*values, *capacity, *count + field->length);
    size_t bad_offset;
    ptrdiff_t decoded = protobuf_decode_packed_varints(reader->data, position, end, reader->size,
                                                       *values + *count, &bad_offset);
    if (decoded < 0)
        return fail(reader, bad_offset, "%s: packed varint runs past the end of the field",
                    name);
    *count += (size_t)decoded;
    return 0;
}

static int decode_label(struct pprof_reader *reader, const struct protobuf_reader *parent,
                        const struct protobuf_field *outer, struct sample_label *label)
{
    *label = (struct sample_label){.offset = outer->offset};
    struct protobuf_reader message;
    protobuf_open_field(&message, parent, outer);
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        if (field.number > LABEL_NUM_UNIT)
            continue;
        if (expect_wire_type(reader, &field, "Label field", PROTOBUF_VARINT) < 0)
            return -1;
        switch (field.number) {
        case LABEL_KEY: label->key = (int64_t)field.value; break;
        case LABEL_STR: label->string = (int64_t)field.value; break;
        case LABEL_NUM: label->number = (int64_t)field.value; break;
        default: label->number_unit = (int64_t)field.value; break;
        }
    }
    if (status < 0)
        return -1;
    struct string_reference key = {label->key, outer->offset};
    struct string_reference string = {label->string, outer->offset};
    struct string_reference unit = {label->number_unit, outer->offset};
    if (check_string(reader, key, "Label.key") < 0 ||
        check_string(reader, string, "Label.str") < 0 ||
        check_string(reader, unit, "Label.num_unit") < 0)
        return -1;
    return 0;
}

static void push_stack(struct pprof_reader *reader, size_t *depth, uint32_t frame)
{
    if (*depth >= reader->stack_capacity)
        GROW(reader->stack, reader->stack_capacity, *depth + 1);
    reader->stack[(*depth)++] = frame;
}

/* Root frames "KEY=value" for --label-frames, in the order the keys were given. */
static void add_label_frames(struct pprof_reader *reader, const struct sample_label *labels,
                             size_t label_count, size_t *depth)
{
    const struct read_options *options = reader->options;
    for (size_t k = 0; k < options->label_frame_key_count; k++) {
        const char *wanted = options->label_frame_keys[k];
        size_t wanted_length = strlen(wanted);
        for (size_t i = 0; i < label_count; i++) {
            size_t key_length;
            const char *key = string_bytes(reader, labels[i].key, &key_length);
            if (key_length != wanted_length || memcmp(key, wanted, key_length) != 0)
                continue;
            size_t value_length, unit_length;
            const char *value = string_bytes(reader, labels[i].string, &value_length);
            const char *unit = string_bytes(reader, labels[i].number_unit, &unit_length);
            reserve_text(reader, key_length + value_length + unit_length + 32);
            memcpy(reader->text, key, key_length);
            size_t length = key_length;
            reader->text[length++] = '=';
            if (labels[i].string) {
                memcpy(reader->text + length, value, value_length);
                length += value_length;
            } else {
                length += (size_t)snprintf(reader->text + length, 24, "%lld",
                                           (long long)labels[i].number);
                if (unit_length) {
                    reader->text[length++] = ' ';
                    memcpy(reader->text + length, unit, unit_length);
                    length += unit_length;
                }
            }
            push_stack(reader, depth,
                       profile_frame_named(reader->profile, reader->text, length, FRAME_UNKNOWN));
            break;
        }
    }
}

static void track_common_labels(struct pprof_reader *reader, const struct sample_label *labels,
                                size_t label_count, int first_sample)
{
    if (first_sample) {
        reader->common_labels = xmalloc((label_count + 1) * sizeof *reader->common_labels);
        for (size_t i = 0; i < label_count; i++)
            if (labels[i].string)
                reader->common_labels[reader->common_label_count++] =
                    (struct common_label){labels[i].key, labels[i].string, 1};
        return;
    }
    for (size_t c = 0; c < reader->common_label_count; c++) {
        struct common_label *common = &reader->common_labels[c];
        if (!common->alive)
            continue;
        int found = 0;
        for (size_t i = 0; i < label_count && !found; i++)
            found = labels[i].string && same_string(reader, labels[i].key, common->key) &&
                    same_string(reader, labels[i].string, common->value);
        common->alive = found;
    }
}

/* Adds reader->stack[0..depth) to the tree. The frames it shares with the
 * previous sample's stack reuse that stack's nodes: samples often share
 * their outer frames, and comparing frame ids is cheaper than finding
 * children. */
static uint32_t add_stack(struct pprof_reader *reader, size_t depth)
{
    size_t shared = 0, limit = depth < reader->previous_depth ? depth : reader->previous_depth;
    while (shared < limit && reader->stack[shared] == reader->previous_stack[shared])
        shared++;
    if (depth > reader->previous_capacity) {
        size_t capacity = reader->previous_capacity;
        GROW(reader->previous_stack, capacity, depth);
        reader->previous_nodes = xrealloc(reader->previous_nodes,
                                          capacity * sizeof *reader->previous_nodes);
        reader->previous_capacity = capacity;
    }
    uint32_t node = shared ? reader->previous_nodes[shared - 1] : PROFILE_ROOT;
    for (size_t i = shared; i < depth; i++) {
        node = profile_child(reader->profile, node, reader->stack[i]);
        reader->previous_stack[i] = reader->stack[i];
        reader->previous_nodes[i] = node;
    }
    reader->previous_depth = depth;
    return node;
}

static int read_sample(struct pprof_reader *reader, const struct byte_span *span, int first_sample,
                       struct read_statistics *statistics)
{
    struct protobuf_reader message;
    protobuf_reader_init(&message, reader->data, span->offset, span->offset + span->length);
    size_t location_count = 0, value_count = 0, label_count = 0;
    struct protobuf_field field;
    int status;
    while ((status = protobuf_next_field(&message, &field, &reader->error)) > 0) {
        switch (field.number) {
        case SAMPLE_LOCATION_ID:
            if (decode_packed_or_single(reader, &field, "Sample.location_id",
                                        &reader->sample_locations, &location_count,
                                        &reader->sample_location_capacity) < 0)
                return -1;
            break;
        case SAMPLE_VALUE:
            if (decode_packed_or_single(reader, &field, "Sample.value",
                                        &reader->sample_values, &value_count,
                                        &reader->sample_value_capacity) < 0)
                return -1;
            break;
        case SAMPLE_LABEL:
            if (expect_wire_type(reader, &field, "Sample.label", PROTOBUF_LENGTH_DELIMITED) < 0)
                return -1;
            GROW(reader->sample_labels, reader->sample_label_capacity, label_count + 1);
            if (decode_label(reader, &message, &field, &reader->sample_labels[label_count++]) < 0)
                return -1;
            break;
        default: break;
        }
    }
    if (status < 0)
        return -1;
    if (value_count != reader->sample_type_count)
        return fail(reader, span->offset,
                    "sample has %zu values, but the profile has %zu sample types", value_count,
                    reader->sample_type_count);

    size_t depth = 0;
    if (reader->options && reader->options->label_frame_key_count)
        add_label_frames(reader, reader->sample_labels, label_count, &depth);
    /* Root first. drop_frames: once a frame that is not dropped has been
     * seen, the first dropped location ends the stack (pprof's Prune). */
    int seen_kept_frame = 0, pruned = 0;
    const uint32_t *single_frames = reader->single_frames;
    size_t single_frame_count = single_frames ? reader->location_ids.dense_size : 0;
    for (size_t i = location_count; i-- > 0;) {
        uint64_t id = reader->sample_locations[i];
        if (id < single_frame_count && single_frames[id] != NO_SINGLE_FRAME) {
            if (!pruned) {
                seen_kept_frame = 1;
                if (depth >= reader->stack_capacity)
                    GROW(reader->stack, reader->stack_capacity, depth + 1);
                reader->stack[depth++] = single_frames[id];
            }
            continue;
        }
        const struct resolved_location *location =
            find_resolved_location(reader, reader->sample_locations[i]);
        if (!location)
            return fail(reader, span->offset, "sample names location id %llu, which does not exist",
                        (unsigned long long)reader->sample_locations[i]);
        if (pruned)
            continue; /* still checked */
        uint32_t frame_count = location->frame_count;
        if (location->prune == PRUNE_NONE) {
            seen_kept_frame = 1;
        } else if (seen_kept_frame) {
            pruned = 1;
            if (location->prune == PRUNE_WHOLE)
                continue;
            frame_count = location->kept_frames;
        }
        if (depth + frame_count > reader->stack_capacity)
            GROW(reader->stack, reader->stack_capacity, depth + frame_count);
        if (frame_count == 1 && location->frame_count == 1) {
            reader->stack[depth++] = location->frame;
            continue;
        }
        const uint32_t *frames = reader->location_frames + location->frame;
        for (uint32_t j = 0; j < frame_count; j++)
            reader->stack[depth++] = frames[j];
    }
    struct profile *profile = reader->profile;
    uint32_t node = add_stack(reader, depth);
    double first_value = 0;
    for (size_t i = 0; i < value_count; i++) {
        double value = (double)(int64_t)reader->sample_values[i];
        profile_add_value(profile, node, reader->type_map[i], value);
        if (reader->type_map[i] == 0)
            first_value += value;
    }
    if (reader->options && reader->options->keep_timeline)
        profile_timeline_append(profile, NAN, PROFILE_NONE, node, first_value);
    track_common_labels(reader, reader->sample_labels, label_count, first_sample);
    statistics->samples++;
    return 0;
}

/* ---- profile-level fields ---- */

static void add_profile_label(struct pprof_reader *reader, const char *key,
                              struct string_reference value)
{
    if (value.index)
        profile_add_label(reader->profile, key, profile_text_of(reader, value.index));
}

static void set_metadata(struct pprof_reader *reader)
{
    struct profile *profile = reader->profile;
    if (reader->sample_type_count) {
        size_t chosen = reader->sample_type_count - 1;
        if (reader->default_sample_type.index)
            for (size_t i = 0; i < reader->sample_type_count; i++)
                if (same_string(reader, reader->sample_types[i].type.index,
                                reader->default_sample_type.index)) {
                    chosen = i;
                    break;
                }
        profile->default_sample_type = reader->type_map[chosen];
    }
    if (reader->period)
        profile->period = (double)reader->period;
    if (reader->period_type.type.index)
        profile->period_type = profile_string_of(reader, reader->period_type.type.index);
    if (reader->time_nanos) {
        profile->start_time = (double)reader->time_nanos / 1e9;
        profile->end_time = profile->start_time + (double)reader->duration_nanos / 1e9;
    }
    for (size_t i = 0; i < reader->common_label_count; i++)
        if (reader->common_labels[i].alive)
            profile_add_label(profile, profile_text_of(reader, reader->common_labels[i].key),
                              profile_text_of(reader, reader->common_labels[i].value));
    for (size_t i = 0; i < reader->comment_count; i++)
        add_profile_label(reader, LABEL_PREFIX "comment", reader->comments[i]);
    add_profile_label(reader, LABEL_PREFIX "doc_url", reader->doc_url);
    add_profile_label(reader, LABEL_PREFIX "drop_frames", reader->drop_frames);
    add_profile_label(reader, LABEL_PREFIX "keep_frames", reader->keep_frames);
}

static int build_profile(struct pprof_reader *reader, struct read_statistics *statistics)
{
    if (check_strings(reader) < 0 ||
        index_ids(reader, &reader->mapping_ids, reader->mappings, reader->mapping_count,
                  sizeof *reader->mappings, "mapping") < 0 ||
        index_ids(reader, &reader->location_ids, reader->locations, reader->location_count,
                  sizeof *reader->locations, "location") < 0 ||
        index_ids(reader, &reader->function_ids, reader->functions, reader->function_count,
                  sizeof *reader->functions, "function") < 0)
        return -1;
    reader->string_ids = xmalloc((reader->string_count + 1) * sizeof *reader->string_ids);
    memset(reader->string_ids, 0xff, (reader->string_count + 1) * sizeof *reader->string_ids);
    reader->type_map = xmalloc((reader->sample_type_count + 1) * sizeof *reader->type_map);
    for (size_t i = 0; i < reader->sample_type_count; i++)
        reader->type_map[i] = profile_add_sample_type(
            reader->profile, profile_text_of(reader, reader->sample_types[i].type.index),
            profile_text_of(reader, reader->sample_types[i].unit.index));
    reader->kind = guess_kind(reader);
    compile_prune_patterns(reader);
    if (resolve_locations(reader) < 0)
        return -1;
    resolve_for_samples(reader);
    for (size_t i = 0; i < reader->sample_count; i++)
        if (read_sample(reader, &reader->samples[i], i == 0, statistics) < 0)
            return -1;
    set_metadata(reader);
    return 0;
}

static void free_reader(struct pprof_reader *reader)
{
    free(reader->sample_types);
    free(reader->samples);
    free(reader->mappings);
    free(reader->locations);
    free(reader->lines);
    free(reader->functions);
    free(reader->strings);
    free(reader->comments);
    id_map_free(&reader->mapping_ids);
    id_map_free(&reader->location_ids);
    id_map_free(&reader->function_ids);
    free(reader->string_ids);
    free(reader->type_map);
    free(reader->location_frames);
    free(reader->resolved);
    free(reader->single_frames);
    free(reader->sample_locations);
    free(reader->sample_values);
    free(reader->sample_labels);
    free(reader->stack);
    free(reader->text);
    free(reader->common_labels);
    free(reader->previous_stack);
    free(reader->previous_nodes);
    if (reader->has_drop_pattern)
        regfree(&reader->drop_pattern);
    if (reader->has_keep_pattern)
        regfree(&reader->keep_pattern);
}

static int pprof_read(struct input *input, struct profile *profile,
                      const struct read_options *options, struct read_statistics *statistics)
{
    char *raw;
    size_t raw_length;
    if (input_read_all(input, &raw, &raw_length) < 0)
        return -1;
    struct pprof_reader reader = {.name = input_name(input), .profile = profile,
                                  .options = options};
    char *decompressed = NULL;
    if (gzip_has_magic(raw, raw_length)) {
        size_t length;
        struct gzip_error error;
        if (gzip_inflate(raw, raw_length, PPROF_MAX_DECOMPRESSED, &decompressed, &length,
                         &error) < 0) {
            fprintf(stderr, "ember: %s: byte %zu: %s\n", reader.name, error.offset,
                    error.message);
            free(raw);
            return -1;
        }
        free(raw);
        raw = NULL;
        reader.data = (const uint8_t *)decompressed;
        reader.size = length;
        reader.compressed = 1;
    } else {
        reader.data = (const uint8_t *)raw;
        reader.size = raw_length;
    }
    int status = decode_profile(&reader);
    if (status == 0)
        status = build_profile(&reader, statistics);
    if (status < 0)
        fprintf(stderr, "ember: %s: byte %zu%s: %s\n", reader.name, reader.error.offset,
                reader.compressed ? " of the gunzipped protobuf" : "", reader.error.message);
    free_reader(&reader);
    free(raw);
    free(decompressed);
    return status < 0 ? -1 : 0;
}

/* ---- probe ---- */

/* 1 when the field starting at data[start] goes past length: its tag,
 * varint or payload is cut off by the end of the peeked bytes. */
static int field_cut_off(const uint8_t *data, size_t start, size_t length)
{
    size_t position = start;
    uint64_t tag, value;
    if (protobuf_decode_varint(data, &position, length, &tag) < 0)
        return length - start < 10;
    if ((tag & 7) == PROTOBUF_VARINT)
        return protobuf_decode_varint(data, &position, length, &value) < 0 &&
               length - position < 10;
    if ((tag & 7) != PROTOBUF_LENGTH_DELIMITED)
        return 0;
    if (protobuf_decode_varint(data, &position, length, &value) < 0)
        return length - position < 10;
    return value > length - position;
}

/* Does data look like a Profile message? Every field must be one
 * profile.proto defines, with its wire type, and the payload of a
 * sample_type or period_type must be a ValueType. When may_be_cut_off, the
 * last field may run past the end (the probe sees only the first bytes).
 * Returns the number of fields seen, or -1 when something does not fit. */
static int count_profile_fields(const uint8_t *data, size_t length, int may_be_cut_off)
{
    struct protobuf_reader message;
    protobuf_reader_init(&message, data, 0, length);
    struct protobuf_error error;
    struct protobuf_field field;
    int fields = 0, status = 0;
    while (fields < 64) {
        size_t start = message.position;
        status = protobuf_next_field(&message, &field, &error);
        if (status == 0)
            break;
        if (status < 0)
            return may_be_cut_off && field_cut_off(data, start, length) ? fields : -1;
        if (field.number > PROFILE_DOC_URL)
            return -1;
        int length_delimited = field.number <= PROFILE_STRING_TABLE ||
                               field.number == PROFILE_PERIOD_TYPE;
        if (field.number == PROFILE_COMMENT)
            length_delimited = field.wire_type == PROTOBUF_LENGTH_DELIMITED;
        if (field.wire_type != (length_delimited ? PROTOBUF_LENGTH_DELIMITED : PROTOBUF_VARINT))
            return -1;
        if (field.number == PROFILE_SAMPLE_TYPE || field.number == PROFILE_PERIOD_TYPE) {
            struct protobuf_reader value_type;
            protobuf_open_field(&value_type, &message, &field);
            struct protobuf_field inner;
            int inner_status;
            while ((inner_status = protobuf_next_field(&value_type, &inner, &error)) > 0)
                if (inner.number > VALUE_TYPE_UNIT || inner.wire_type != PROTOBUF_VARINT)
                    return -1;
            if (inner_status < 0)
                return -1;
        }
        fields++;
    }
    return fields;
}

static int pprof_probe(const char *head, size_t length)
{
    if (gzip_has_magic(head, length)) {
        char prefix[4096];
        size_t produced = gzip_inflate_prefix(head, length, prefix, sizeof prefix);
        if (produced == 0)
            return 0;
        int fields = count_profile_fields((const uint8_t *)prefix, produced,
                                          produced == sizeof prefix);
        return fields >= 2 ? 95 : fields == 1 ? 40 : 0;
    }
    /* The guesser peeks 64 KiB: a longer file is cut off there. */
    int fields = count_profile_fields((const uint8_t *)head, length, length >= 65536);
    return fields >= 3 ? 80 : 0;
}

/* ---- writer ---- */

struct pprof_writer {
    const struct profile *profile;
    uint32_t *string_indexes; /* profile string id -> string table index (0 = not yet) */
    struct protobuf_buffer strings;
    uint64_t string_count;
};

static uint64_t string_index(struct pprof_writer *writer, uint32_t id)
{
    if (id == PROFILE_NONE || profile_string_length(writer->profile, id) == 0)
        return 0;
    if (!writer->string_indexes[id]) {
        protobuf_put_bytes_field(&writer->strings, PROFILE_STRING_TABLE,
                                 profile_string(writer->profile, id),
                                 profile_string_length(writer->profile, id));
        writer->string_indexes[id] = (uint32_t)writer->string_count++;
    }
    return writer->string_indexes[id];
}

static int64_t to_int64(double value)
{
    if (!(value == value))
        return 0;
    if (value >= 9223372036854775807.0)
        return INT64_MAX;
    if (value <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)llround(value);
}

static void put_value_type(struct pprof_writer *writer, struct protobuf_buffer *out,
                           uint32_t number, uint32_t type, uint32_t unit)
{
    struct protobuf_buffer message = {0};
    protobuf_put_uint64_field(&message, VALUE_TYPE_TYPE, string_index(writer, type));
    protobuf_put_uint64_field(&message, VALUE_TYPE_UNIT, string_index(writer, unit));
    protobuf_put_message(out, number, &message);
    protobuf_buffer_free(&message);
}

static int label_is(const struct profile *profile, const struct label *label, const char *key)
{
    return strcmp(profile_string(profile, label->key), key) == 0;
}

/* period_type's unit: the unit of the sample type of the same name, else
 * of the default sample type (heap profiles: "space" and inuse_space's
 * "bytes"). */
static uint32_t period_unit(const struct profile *profile, size_t chosen)
{
    for (size_t i = 0; i < profile->sample_type_count; i++)
        if (profile->sample_types[i].type == profile->period_type)
            return profile->sample_types[i].unit;
    return chosen < profile->sample_type_count ? profile->sample_types[chosen].unit : PROFILE_NONE;
}

static int encode_profile(const struct profile *profile, size_t chosen_type,
                          struct protobuf_buffer *out)
{
    struct pprof_writer writer = {.profile = profile};
    writer.string_indexes = xcalloc(profile->strings.count + 1, sizeof *writer.string_indexes);
    protobuf_put_bytes_field(&writer.strings, PROFILE_STRING_TABLE, "", 0);
    writer.string_count = 1;
    size_t type_count = profile->sample_type_count;

    for (size_t i = 0; i < type_count; i++)
        put_value_type(&writer, out, PROFILE_SAMPLE_TYPE, profile->sample_types[i].type,
                       profile->sample_types[i].unit);

    /* Labels that go on every sample. */
    struct protobuf_buffer sample_labels = {0};
    for (size_t i = 0; i < profile->label_count; i++) {
        if (strncmp(profile_string(profile, profile->labels[i].key), LABEL_PREFIX,
                    strlen(LABEL_PREFIX)) == 0)
            continue;
        struct protobuf_buffer label = {0};
        protobuf_put_uint64_field(&label, LABEL_KEY, string_index(&writer, profile->labels[i].key));
        protobuf_put_uint64_field(&label, LABEL_STR,
                                  string_index(&writer, profile->labels[i].value));
        protobuf_put_message(&sample_labels, SAMPLE_LABEL, &label);
        protobuf_buffer_free(&label);
    }

    /* Samples: one per node with a non-zero self value. */
    unsigned char *frame_used = xcalloc(profile->frame_count + 1, 1);
    uint64_t *location_ids = xmalloc((profile_max_depth(profile) + 1) * sizeof *location_ids);
    int64_t *values = xmalloc((type_count + 1) * sizeof *values);
    struct protobuf_buffer sample = {0};
    for (uint32_t node = 0; node < profile->node_count; node++) {
        int nonzero = 0;
        for (size_t t = 0; t < type_count; t++) {
            values[t] = to_int64(profile_self_value(profile, node, t));
            nonzero |= values[t] != 0;
        }
        if (!nonzero)
            continue;
        size_t depth = 0;
        for (uint32_t at = node; at != PROFILE_ROOT; at = profile->nodes[at].parent) {
            uint32_t frame = profile->nodes[at].frame;
            frame_used[frame] = 1;
            location_ids[depth++] = (uint64_t)frame + 1;
        }
        sample.length = 0;
        protobuf_put_packed_uint64(&sample, SAMPLE_LOCATION_ID, location_ids, depth);
        protobuf_put_packed_int64(&sample, SAMPLE_VALUE, values, type_count);
        if (sample_labels.length) {
            GROW(sample.bytes, sample.capacity, sample.length + sample_labels.length);
            memcpy(sample.bytes + sample.length, sample_labels.bytes, sample_labels.length);
            sample.length += sample_labels.length;
        }
        protobuf_put_message(out, PROFILE_SAMPLE, &sample);
    }
    protobuf_buffer_free(&sample);
    protobuf_buffer_free(&sample_labels);
    free(location_ids);
    free(values);

    /* One location and one function per frame used. */
    struct protobuf_buffer message = {0}, line = {0};
    for (uint32_t frame = 0; frame < profile->frame_count; frame++) {
        if (!frame_used[frame])
            continue;
        const struct frame *details = &profile->frames[frame];
        line.length = 0;
        protobuf_put_uint64_field(&line, LINE_FUNCTION_ID, (uint64_t)frame + 1);
        protobuf_put_uint64_field(&line, LINE_LINE, details->line);
        message.length = 0;
        protobuf_put_uint64_field(&message, LOCATION_ID, (uint64_t)frame + 1);
        protobuf_put_message(&message, LOCATION_LINE, &line);
        protobuf_put_message(out, PROFILE_LOCATION, &message);
    }
    for (uint32_t frame = 0; frame < profile->frame_count; frame++) {
        if (!frame_used[frame])
            continue;
        const struct frame *details = &profile->frames[frame];
        uint64_t name = string_index(&writer, details->name);
        message.length = 0;
        protobuf_put_uint64_field(&message, FUNCTION_ID, (uint64_t)frame + 1);
        protobuf_put_uint64_field(&message, FUNCTION_NAME, name);
        protobuf_put_uint64_field(&message, FUNCTION_SYSTEM_NAME, name);
        protobuf_put_uint64_field(&message, FUNCTION_FILENAME,
                                  string_index(&writer, details->file));
        protobuf_put_uint64_field(&message, FUNCTION_START_LINE, details->line);
        protobuf_put_message(out, PROFILE_FUNCTION, &message);
    }
    protobuf_buffer_free(&message);
    protobuf_buffer_free(&line);
    free(frame_used);

    for (size_t i = 0; i < profile->label_count; i++) {
        const struct label *label = &profile->labels[i];
        uint64_t value = string_index(&writer, label->value);
        if (label_is(profile, label, LABEL_PREFIX "comment"))
            protobuf_put_uint64_field(out, PROFILE_COMMENT, value);
        else if (label_is(profile, label, LABEL_PREFIX "doc_url"))
            protobuf_put_uint64_field(out, PROFILE_DOC_URL, value);
        else if (label_is(profile, label, LABEL_PREFIX "drop_frames"))
            protobuf_put_uint64_field(out, PROFILE_DROP_FRAMES, value);
        else if (label_is(profile, label, LABEL_PREFIX "keep_frames"))
            protobuf_put_uint64_field(out, PROFILE_KEEP_FRAMES, value);
    }
    if (profile->start_time > 0) {
        protobuf_put_int64_field(out, PROFILE_TIME_NANOS, to_int64(profile->start_time * 1e9));
        if (profile->end_time > profile->start_time)
            protobuf_put_int64_field(out, PROFILE_DURATION_NANOS,
                                     to_int64((profile->end_time - profile->start_time) * 1e9));
    }
    if (profile->period_type != PROFILE_NONE)
        put_value_type(&writer, out, PROFILE_PERIOD_TYPE, profile->period_type,
                       period_unit(profile, chosen_type));
    protobuf_put_int64_field(out, PROFILE_PERIOD, to_int64(profile->period));
    if (chosen_type < type_count)
        protobuf_put_uint64_field(out, PROFILE_DEFAULT_SAMPLE_TYPE,
                                  string_index(&writer, profile->sample_types[chosen_type].type));

    /* The string table last, as Go writes it: every index is known by now. */
    GROW(out->bytes, out->capacity, out->length + writer.strings.length);
    memcpy(out->bytes + out->length, writer.strings.bytes, writer.strings.length);
    out->length += writer.strings.length;
    protobuf_buffer_free(&writer.strings);
    free(writer.string_indexes);
    return 0;
}

static int write_pprof(FILE *file, const struct profile *profile,
                       const struct write_options *options, int compress)
{
    size_t chosen = options ? options->sample_type : profile->default_sample_type;
    struct protobuf_buffer encoded = {0};
    encode_profile(profile, chosen, &encoded);
    const char *bytes = (const char *)encoded.bytes;
    size_t length = encoded.length;
    char *compressed = NULL;
    if (compress) {
        struct gzip_error error;
        if (gzip_deflate(encoded.bytes, encoded.length, 1, &compressed, &length, &error) < 0) {
            fprintf(stderr, "ember: pprof: %s\n", error.message);
            protobuf_buffer_free(&encoded);
            return -1;
        }
        bytes = compressed;
    }
    if (length)
        fwrite(bytes, 1, length, file);
    free(compressed);
    protobuf_buffer_free(&encoded);
    return ferror(file) ? -1 : 0;
}

static int pprof_write_compressed(FILE *file, const struct profile *profile,
                                  const struct write_options *options)
{
    return write_pprof(file, profile, options, 1);
}

static int pprof_write_uncompressed(FILE *file, const struct profile *profile,
                                    const struct write_options *options)
{
    return write_pprof(file, profile, options, 0);
}

static const char *const pprof_extensions[] = {".pb.gz", ".pprof", ".pprof.gz", NULL};
static const char *const pprof_uncompressed_extensions[] = {".pb", NULL};

const struct format pprof_format = {
    .name = "pprof",
    .extensions = pprof_extensions,
    .probe = pprof_probe,
    .read = pprof_read,
    .write = pprof_write_compressed,
};

const struct format pprof_uncompressed_format = {
    .name = "pprof-uncompressed",
    .extensions = pprof_uncompressed_extensions,
    .probe = NULL,
    .read = pprof_read,
    .write = pprof_write_uncompressed,
};
