/* gperftools_heap.c — reader of gperftools' text heap profile (what
 * tcmalloc writes for HEAPPROFILE=PREFIX: PREFIX.0001.heap, ...).
 *
 *     heap profile:   12:   401408 [   150:  1843200] @ heapprofile
 *          3:   196608 [     3:   196608] @ 0x5581a2e3c1b9 0x7f6e1b02824a ...
 *     ...
 *
 *     MAPPED_LIBRARIES:
 *     <the text of /proc/self/maps>
 *
 * Each stack line is IN-USE OBJECTS: IN-USE BYTES [ALLOCATED OBJECTS:
 * ALLOCATED BYTES] @ return addresses, innermost first (gperftools
 * heap-profile-table.cc). The header has the same four totals and a tag:
 * "heapprofile" is exact (every allocation recorded); "heap_v2/RATE" (and
 * Go's "heap/RATE") are sampled every RATE bytes on average, and each line
 * is scaled as pprof does, by 1 / (1 - exp(-average size / RATE)).
 * "--- Memory map: ---" is accepted for "MAPPED_LIBRARIES:".
 *
 * Addresses are symbolized with ember's ELF symbolizer from the mappings
 * that follow; all of them are return addresses (the allocation call is in
 * the innermost one's caller), so each is looked up one byte earlier.
 *
 * Model mapping: pprof's four sample types, in pprof's order —
 * alloc_objects (count), alloc_space (bytes), inuse_objects (count),
 * inuse_space (bytes), the default as in pprof. Frames are functions (kind
 * FRAME_NATIVE, file = the mapped module), "0xADDRESS" when unknown.
 * Malformed lines are errors naming the line.
 */
#include "gperftools_heap.h"
#include "native_frames.h"
#include "../record/symbols.h"
#include "../util/diagnostics.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ALLOC_OBJECTS, ALLOC_SPACE, INUSE_OBJECTS, INUSE_SPACE, VALUE_COUNT };

struct heap_sample {
    double values[VALUE_COUNT];
    size_t first_address; /* index in addresses */
    size_t depth;
};

struct heap_reader {
    struct input *input;
    double sampling_rate; /* bytes; 0 = every allocation recorded */
    struct heap_sample *samples;
    size_t sample_count, sample_capacity;
    uint64_t *addresses;
    size_t address_count, address_capacity;
    char *maps;
    size_t maps_length, maps_capacity;
};

struct cursor {
    const char *at, *end;
};

static void skip_spaces(struct cursor *cursor)
{
    while (cursor->at < cursor->end && (*cursor->at == ' ' || *cursor->at == '\t'))
        cursor->at++;
}

static int take_char(struct cursor *cursor, char wanted)
{
    skip_spaces(cursor);
    if (cursor->at < cursor->end && *cursor->at == wanted) {
        cursor->at++;
        return 1;
    }
    return 0;
}

static int take_integer(struct cursor *cursor, double *value)
{
    skip_spaces(cursor);
    int negative = 0;
    if (cursor->at < cursor->end && *cursor->at == '-') {
        negative = 1;
        cursor->at++;
    }
    uint64_t number = 0;
    size_t digits = 0;
    while (cursor->at < cursor->end && *cursor->at >= '0' && *cursor->at <= '9') {
        if (++digits > 16)
            return 0;
        number = number * 10 + (uint64_t)(*cursor->at - '0');
        cursor->at++;
    }
    if (digits == 0)
        return 0;
    *value = negative ? -(double)number : (double)number;
    return 1;
}

/* "N: M [ N: M]" */
static int take_counts(struct cursor *cursor, double *inuse_objects, double *inuse_bytes,
                       double *alloc_objects, double *alloc_bytes)
{
    return take_integer(cursor, inuse_objects) && take_char(cursor, ':') &&
           take_integer(cursor, inuse_bytes) && take_char(cursor, '[') &&
           take_integer(cursor, alloc_objects) && take_char(cursor, ':') &&
           take_integer(cursor, alloc_bytes) && take_char(cursor, ']') && take_char(cursor, '@');
}

static int starts_with(const char *line, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(line, prefix, prefix_length) == 0;
}

static int read_header(struct heap_reader *reader, const char *line, size_t length)
{
    struct cursor cursor = {line + 13, line + length}; /* after "heap profile:" */
    double totals[4];
    if (!take_counts(&cursor, &totals[0], &totals[1], &totals[2], &totals[3])) {
        report_at_current_line(reader->input,
                               "expected 'heap profile: N: M [ N: M] @ heapprofile'");
        return -1;
    }
    skip_spaces(&cursor);
    const char *tag = cursor.at;
    while (cursor.at < cursor.end && *cursor.at != '/' && *cursor.at != ' ')
        cursor.at++;
    size_t tag_length = (size_t)(cursor.at - tag);
    double rate = 0;
    if (cursor.at < cursor.end && *cursor.at == '/') {
        cursor.at++;
        if (cursor.at < cursor.end && !take_integer(&cursor, &rate)) {
            report_at_current_line(reader->input,
                                   "expected a sampling rate after '/' in the header");
            return -1;
        }
    }
    if (tag_length == 11 && memcmp(tag, "heapprofile", 11) == 0) {
        reader->sampling_rate = 0;
    } else if ((tag_length == 7 && memcmp(tag, "heap_v2", 7) == 0) ||
               (tag_length == 4 && memcmp(tag, "heap", 4) == 0)) {
        reader->sampling_rate = rate > 1 ? rate : 0;
    } else {
        report_at_current_line(
            reader->input,
            "unknown heap profile kind '%.*s' (expected heapprofile or heap_v2/RATE)",
            (int)(tag_length > 40 ? 40 : tag_length), tag);
        return -1;
    }
    return 0;
}

/* pprof's scaling of a Poisson-sampled (objects, bytes) pair. */
static void unsample(double rate, double *objects, double *bytes)
{
    if (rate <= 0 || *objects <= 0 || *bytes <= 0)
        return;
    double average = *bytes / *objects;
    double scale = 1.0 / (1.0 - exp(-average / rate));
    *objects *= scale;
    *bytes *= scale;
}

static int read_stack_line(struct heap_reader *reader, const char *line, size_t length)
{
    struct cursor cursor = {line, line + length};
    struct heap_sample sample = {{0}, reader->address_count, 0};
    if (!take_counts(&cursor, &sample.values[INUSE_OBJECTS], &sample.values[INUSE_SPACE],
                     &sample.values[ALLOC_OBJECTS], &sample.values[ALLOC_SPACE])) {
        report_at_current_line(reader->input,
                               "expected 'OBJECTS: BYTES [OBJECTS: BYTES] @ 0xADDRESS ...'");
        return -1;
    }
    if (sample.values[ALLOC_OBJECTS] < 0 || sample.values[ALLOC_SPACE] < 0) {
        report_at_current_line(reader->input, "negative allocation counts");
        return -1;
    }
    for (;;) {
        skip_spaces(&cursor);
        if (cursor.at == cursor.end)
            break;
        if (cursor.end - cursor.at < 3 || cursor.at[0] != '0' || (cursor.at[1] | 0x20) != 'x') {
            report_at_current_line(reader->input, "expected an address '0x...' at column %zu",
                                   (size_t)(cursor.at - line) + 1);
            return -1;
        }
        cursor.at += 2;
        uint64_t address = 0;
        size_t digits = 0;
        while (cursor.at < cursor.end && *cursor.at != ' ' && *cursor.at != '\t') {
            char byte = *cursor.at;
            int digit = byte >= '0' && byte <= '9'   ? byte - '0'
                        : byte >= 'a' && byte <= 'f' ? byte - 'a' + 10
                        : byte >= 'A' && byte <= 'F' ? byte - 'A' + 10
                                                     : -1;
            if (digit < 0 || ++digits > 16) {
                report_at_current_line(reader->input, "bad address at column %zu",
                                       (size_t)(cursor.at - line) + 1);
                return -1;
            }
            address = address * 16 + (uint64_t)digit;
            cursor.at++;
        }
        if (digits == 0) {
            report_at_current_line(reader->input, "empty address '0x' at column %zu",
                                   (size_t)(cursor.at - line) - 1);
            return -1;
        }
        GROW(reader->addresses, reader->address_capacity, reader->address_count + 1);
        reader->addresses[reader->address_count++] = address;
        sample.depth++;
    }
    unsample(reader->sampling_rate, &sample.values[INUSE_OBJECTS], &sample.values[INUSE_SPACE]);
    unsample(reader->sampling_rate, &sample.values[ALLOC_OBJECTS], &sample.values[ALLOC_SPACE]);
    GROW(reader->samples, reader->sample_capacity, reader->sample_count + 1);
    reader->samples[reader->sample_count++] = sample;
    return 0;
}

static void keep_maps_line(struct heap_reader *reader, const char *line, size_t length)
{
    GROW(reader->maps, reader->maps_capacity, reader->maps_length + length + 1);
    memcpy(reader->maps + reader->maps_length, line, length);
    reader->maps_length += length;
    reader->maps[reader->maps_length++] = '\n';
}

static void build_profile(struct heap_reader *reader, struct profile *profile,
                          const struct read_options *options, struct read_statistics *statistics)
{
    static const char *const names[VALUE_COUNT][2] = {
        {"alloc_objects", "count"},
        {"alloc_space", "bytes"},
        {"inuse_objects", "count"},
        {"inuse_space", "bytes"},
    };
    size_t types[VALUE_COUNT];
    for (size_t i = 0; i < VALUE_COUNT; i++)
        types[i] = profile_add_sample_type(profile, names[i][0], names[i][1]);
    profile->default_sample_type = types[INUSE_SPACE];
    if (reader->sampling_rate > 0) {
        char text[32];
        snprintf(text, sizeof text, "%.0f", reader->sampling_rate);
        profile_add_label(profile, "sampling_rate_bytes", text);
    }
    struct symbolizer *symbolizer = symbolizer_create();
    if (reader->maps_length)
        symbolizer_add_maps_text(symbolizer, reader->maps, reader->maps_length);
    struct native_frames frames;
    native_frames_init(&frames, profile, symbolizer);
    uint32_t *stack = NULL;
    size_t stack_capacity = 0;
    for (size_t s = 0; s < reader->sample_count; s++) {
        const struct heap_sample *sample = &reader->samples[s];
        if (sample->depth > stack_capacity)
            GROW(stack, stack_capacity, sample->depth);
        for (size_t i = 0; i < sample->depth; i++) {
            uint64_t address = reader->addresses[sample->first_address + i];
            /* innermost first in the file -> root first */
            stack[sample->depth - 1 - i] =
                native_frames_get(&frames, address ? address - 1 : 0, address);
        }
        uint32_t node = profile_add_stack(profile, stack, sample->depth);
        for (size_t i = 0; i < VALUE_COUNT; i++)
            if (sample->values[i] != 0)
                profile_add_value(profile, node, types[i], sample->values[i]);
        if (options && options->keep_timeline)
            profile_timeline_append(profile, NAN, PROFILE_NONE, node,
                                    sample->values[INUSE_SPACE]);
        statistics->samples++;
    }
    free(stack);
    native_frames_free(&frames);
    symbolizer_destroy(symbolizer);
}

static int gperftools_heap_read(struct input *input, struct profile *profile,
                                const struct read_options *options,
                                struct read_statistics *statistics)
{
    struct heap_reader reader = {.input = input};
    const char *line;
    size_t length;
    int status, failed = 0, seen_header = 0, in_maps = 0;
    while (!failed && (status = input_next_line(input, &line, &length)) > 0) {
        statistics->lines++;
        if (length && line[length - 1] == '\r')
            length--;
        if (in_maps) {
            keep_maps_line(&reader, line, length);
            continue;
        }
        if (memchr(line, '\0', length)) {
            report_at_current_line(reader.input, "NUL byte in a text heap profile");
            failed = 1;
        } else if (length == 0) {
            continue;
        } else if (!seen_header) {
            if (!starts_with(line, length, "heap profile:")) {
                report_at_current_line(
                    reader.input, "expected the header 'heap profile: N: M [ N: M] @ heapprofile'");
                failed = 1;
            } else {
                failed = read_header(&reader, line, length) < 0;
                seen_header = 1;
            }
        } else if (starts_with(line, length, "MAPPED_LIBRARIES:") ||
                   starts_with(line, length, "--- Memory map:")) {
            in_maps = 1;
        } else {
            failed = read_stack_line(&reader, line, length) < 0;
        }
    }
    if (!failed && status >= 0 && !seen_header) {
        fprintf(stderr, "ember: %s: no 'heap profile:' header\n", input_name(input));
        failed = 1;
    }
    if (!failed && status >= 0)
        build_profile(&reader, profile, options, statistics);
    free(reader.samples);
    free(reader.addresses);
    free(reader.maps);
    return failed || status < 0 ? -1 : 0;
}

static int gperftools_heap_probe(const char *head, size_t length)
{
    if (length >= 13 && memcmp(head, "heap profile:", 13) == 0) {
        const char *newline = memchr(head, '\n', length);
        size_t line_length = newline ? (size_t)(newline - head) : length;
        const char *at = memchr(head, '@', line_length);
        return at ? 95 : 60;
    }
    return 0;
}

static const char *const gperftools_heap_extensions[] = {".heap", NULL};

const struct format gperftools_heap_format = {
    .name = "gperftools-heap",
    .extensions = gperftools_heap_extensions,
    .probe = gperftools_heap_probe,
    .read = gperftools_heap_read,
    .write = NULL,
};
