/* austin.c — reader of austin's text output (austin 3.x, `austin -o FILE`
 * or its standard output), the Python frame-stack sampler.
 *
 * A sample is one line, `P<pid>;T<iid>:<tid>;<frame>;<frame>... <metric>`,
 * frames root first, each `<file>:<function>:<line>`. The file name may
 * itself hold ':' (and spaces: "<frozen importlib._bootstrap>"), so a frame
 * is split from the right and the metric is what follows the line's last
 * space. Lines `# key: value` are metadata (austin version, interval, mode,
 * python version, duration...).
 *
 * The metric depends on the mode (`# mode:`, or guessed from the first
 * sample when the header is missing):
 *   wall, cpu   one integer, microseconds   -> sample type "wall" or "cpu"
 *   memory (-m) one signed integer, bytes   -> "memory_allocated" (positive
 *               deltas) and "memory_released" (negated negative deltas)
 *   full (-f)   "time,idle,memory"          -> "wall" (time), "cpu" (time
 *               when idle is 0), "memory_allocated", "memory_released"
 * A flame graph cannot draw negative widths, hence the two memory types.
 *
 * Model mapping: the process and thread become the two root frames, spelled
 * as austin prints them ("P4242", "T0:4242"), which is what `austin |
 * flamegraph.pl` users see. A frame is named `function (file:line)` — the
 * convention py-spy also uses — and keeps file and line in the frame
 * (kind FRAME_PYTHON), so lines of one function are distinct frames with
 * distinct names. austin's pseudo-frames (":INVALID:", ":GC:", with an
 * empty file) keep austin's spelling; austinp's "kernel:SYMBOL:0" frames are
 * named SYMBOL with kind FRAME_KERNEL. Every `# key: value` becomes a
 * profile label; `# interval` sets the period (microseconds).
 *
 * Hand-written: austin ships no C parser (its own tools are Python), and the
 * format is one line per sample.
 */
#include "austin.h"
#include "stack_text.h"
#include "../util/diagnostics.h"
#include "../util/memory.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum austin_mode { MODE_UNKNOWN, MODE_WALL, MODE_CPU, MODE_MEMORY, MODE_FULL };

/* The values a metric can carry; each is a sample type when the mode has it. */
enum metric_slot { SLOT_WALL, SLOT_CPU, SLOT_ALLOCATED, SLOT_RELEASED, SLOT_COUNT };

struct austin_reader {
    struct input *input;
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    enum austin_mode mode;
    int types_ready;
    size_t type_of_slot[SLOT_COUNT]; /* sample type index, SIZE_MAX if unused */
    struct frame_cache frames;
    struct previous_stack previous;
};

static const char *mode_name(enum austin_mode mode)
{
    switch (mode) {
    case MODE_WALL: return "wall";
    case MODE_CPU: return "cpu";
    case MODE_MEMORY: return "memory";
    case MODE_FULL: return "full";
    default: return "unknown";
    }
}

static void setup_sample_types(struct austin_reader *reader)
{
    static const char *const slot_types[SLOT_COUNT][2] = {
        {"wall", "microseconds"},
        {"cpu", "microseconds"},
        {"memory_allocated", "bytes"},
        {"memory_released", "bytes"},
    };
    int used[SLOT_COUNT] = {0};
    switch (reader->mode) {
    case MODE_CPU: used[SLOT_CPU] = 1; break;
    case MODE_MEMORY: used[SLOT_ALLOCATED] = used[SLOT_RELEASED] = 1; break;
    case MODE_FULL: used[SLOT_WALL] = used[SLOT_CPU] = used[SLOT_ALLOCATED] = used[SLOT_RELEASED] = 1; break;
    default: used[SLOT_WALL] = 1; break;
    }
    int first = 1;
    for (size_t slot = 0; slot < SLOT_COUNT; slot++) {
        reader->type_of_slot[slot] = SIZE_MAX;
        if (!used[slot])
            continue;
        reader->type_of_slot[slot] = profile_add_sample_type(reader->profile, slot_types[slot][0],
                                                             slot_types[slot][1]);
        if (first)
            reader->profile->default_sample_type = reader->type_of_slot[slot];
        first = 0;
    }
    reader->types_ready = 1;
}

/* Parses an optionally signed decimal integer filling [text, text+length)
 * exactly. Returns 1 on success. Values beyond 2^53 are refused: a double
 * would not hold them exactly and no profiler writes them. */
static int parse_integer(const char *text, size_t length, double *value)
{
    size_t i = 0;
    int negative = 0;
    if (length && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        i = 1;
    }
    if (i == length || length - i > 16)
        return 0;
    uint64_t number = 0;
    for (; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        number = number * 10 + (uint64_t)(text[i] - '0');
    }
    if (number > (1ULL << 53))
        return 0;
    *value = negative ? -(double)number : (double)number;
    return 1;
}

static void read_metadata(struct austin_reader *reader, const char *line, size_t length)
{
    /* "# key: value" */
    size_t start = 1;
    while (start < length && line[start] == ' ')
        start++;
    const char *separator = NULL;
    for (size_t i = start; i + 1 < length; i++)
        if (line[i] == ':' && line[i + 1] == ' ') {
            separator = line + i;
            break;
        }
    if (!separator) {
        reader->statistics->skipped_lines++;
        return;
    }
    size_t key_length = (size_t)(separator - line) - start;
    const char *value = separator + 2;
    size_t value_length = length - (size_t)(value - line);
    char key[64], text[256];
    if (key_length == 0 || key_length >= sizeof key || value_length >= sizeof text ||
        memchr(line, '\0', length)) {
        reader->statistics->skipped_lines++;
        return;
    }
    memcpy(key, line + start, key_length);
    key[key_length] = '\0';
    memcpy(text, value, value_length);
    text[value_length] = '\0';
    profile_add_label(reader->profile, key, text);
    if (strcmp(key, "mode") == 0 && !reader->types_ready) {
        if (strcmp(text, "wall") == 0)
            reader->mode = MODE_WALL;
        else if (strcmp(text, "cpu") == 0)
            reader->mode = MODE_CPU;
        else if (strcmp(text, "memory") == 0)
            reader->mode = MODE_MEMORY;
        else if (strcmp(text, "full") == 0)
            reader->mode = MODE_FULL;
    } else if (strcmp(key, "interval") == 0) {
        double interval;
        if (parse_integer(value, value_length, &interval) && interval > 0) {
            reader->profile->period = interval;
            reader->profile->period_type = profile_intern_cstring(reader->profile, "microseconds");
        }
    }
}

static int is_digits(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return 0;
    return 1;
}

/* Builds the frame for one austin frame text "file:function:line". */
static uint32_t make_frame(struct austin_reader *reader, const char *text, size_t length)
{
    struct profile *profile = reader->profile;
    const char *last_colon = NULL, *middle_colon = NULL;
    for (size_t i = length; i-- > 0;)
        if (text[i] == ':') {
            if (!last_colon) {
                last_colon = text + i;
            } else {
                middle_colon = text + i;
                break;
            }
        }
    if (!middle_colon)
        return profile_frame_named(profile, text, length, FRAME_UNKNOWN);
    const char *file = text;
    size_t file_length = (size_t)(middle_colon - text);
    const char *function = middle_colon + 1;
    size_t function_length = (size_t)(last_colon - function);
    const char *line_text = last_colon + 1;
    size_t line_length = length - (size_t)(line_text - text);
    if (!is_digits(line_text, line_length) || line_length > 9 || function_length == 0)
        return profile_frame_named(profile, text, length, FRAME_UNKNOWN);
    uint32_t line = 0;
    for (size_t i = 0; i < line_length; i++)
        line = line * 10 + (uint32_t)(line_text[i] - '0');
    if (file_length == 0) /* ":INVALID:", ":GC:" */
        return profile_frame_named(profile, text, length, FRAME_UNKNOWN);
    if (file_length == 6 && memcmp(file, "kernel", 6) == 0)
        return profile_frame_named(profile, function, function_length, FRAME_KERNEL);
    /* "function (file:line)", or "function (file)" without a line. */
    size_t name_capacity = function_length + file_length + 16;
    char buffer[512];
    char *name = name_capacity <= sizeof buffer ? buffer : xmalloc(name_capacity);
    size_t name_length = 0;
    memcpy(name, function, function_length);
    name_length += function_length;
    name[name_length++] = ' ';
    name[name_length++] = '(';
    memcpy(name + name_length, file, file_length);
    name_length += file_length;
    if (line) {
        name[name_length++] = ':';
        name_length += (size_t)snprintf(name + name_length, name_capacity - name_length, "%u",
                                        line);
    }
    name[name_length++] = ')';
    uint32_t frame = profile_frame(profile, profile_intern(profile, name, name_length),
                                   profile_intern(profile, file, file_length), line,
                                   FRAME_PYTHON);
    if (name != buffer)
        free(name);
    return frame;
}

static uint32_t cached_frame(struct austin_reader *reader, const char *text, size_t length)
{
    uint32_t text_id;
    uint32_t frame = frame_cache_find(&reader->frames, text, length, &text_id);
    if (frame == UINT32_MAX) {
        frame = make_frame(reader, text, length);
        frame_cache_store(&reader->frames, text_id, frame);
    }
    return frame;
}

/* Parses the metric into weight[SLOT_COUNT]. Returns 0 or -1. */
static int parse_metric(struct austin_reader *reader, const char *text, size_t length,
                        double *weight)
{
    const char *first_comma = memchr(text, ',', length);
    if (!reader->types_ready) {
        if (reader->mode == MODE_UNKNOWN)
            reader->mode = first_comma ? MODE_FULL : MODE_WALL;
        setup_sample_types(reader);
    }
    if (reader->mode == MODE_FULL) {
        const char *second_comma =
            first_comma ? memchr(first_comma + 1, ',', length - (size_t)(first_comma + 1 - text))
                        : NULL;
        double time, idle, memory;
        if (!second_comma ||
            !parse_integer(text, (size_t)(first_comma - text), &time) ||
            !parse_integer(first_comma + 1, (size_t)(second_comma - first_comma - 1), &idle) ||
            !parse_integer(second_comma + 1, length - (size_t)(second_comma + 1 - text), &memory)) {
            report_at_current_line(
                reader->input,
                "expected the full-mode metric TIME,IDLE,MEMORY at the end of the line, "
                "found '%.*s'",
                (int)(length > 40 ? 40 : length), text);
            return -1;
        }
        if (time < 0 || (idle != 0 && idle != 1)) {
            report_at_current_line(reader->input,
                                   "full-mode metric '%.*s': time must be >= 0 and idle 0 or 1",
                                   (int)(length > 40 ? 40 : length), text);
            return -1;
        }
        weight[SLOT_WALL] = time;
        weight[SLOT_CPU] = idle ? 0 : time;
        weight[SLOT_ALLOCATED] = memory > 0 ? memory : 0;
        weight[SLOT_RELEASED] = memory < 0 ? -memory : 0;
        return 0;
    }
    double value;
    if (first_comma || !parse_integer(text, length, &value)) {
        report_at_current_line(reader->input,
                               "expected an integer %s metric at the end of the line, found '%.*s'",
                               mode_name(reader->mode), (int)(length > 40 ? 40 : length), text);
        return -1;
    }
    if (reader->mode == MODE_MEMORY) {
        weight[SLOT_ALLOCATED] = value > 0 ? value : 0;
        weight[SLOT_RELEASED] = value < 0 ? -value : 0;
    } else {
        if (value < 0) {
            report_at_current_line(reader->input, "negative time %.0f in %s mode", value,
                                   mode_name(reader->mode));
            return -1;
        }
        weight[reader->mode == MODE_CPU ? SLOT_CPU : SLOT_WALL] = value;
    }
    return 0;
}

static int read_sample(struct austin_reader *reader, const char *line, size_t length)
{
    struct profile *profile = reader->profile;
    const char *last_space = NULL;
    for (size_t i = length; i-- > 0;)
        if (line[i] == ' ') {
            last_space = line + i;
            break;
        }
    if (line[0] != 'P' || !last_space || memchr(line, '\0', length)) {
        report_at_current_line(
            reader->input, "expected an austin sample 'P<pid>;T<iid>:<tid>;file:function:line;... "
                           "<metric>'");
        return -1;
    }
    size_t stack_length = (size_t)(last_space - line);
    const char *metric = last_space + 1;
    double weight[SLOT_COUNT] = {0};
    if (parse_metric(reader, metric, length - stack_length - 1, weight) < 0)
        return -1;
    /* The process and thread fields. */
    const char *first_separator = memchr(line, ';', stack_length);
    if (!first_separator || first_separator == line + 1 ||
        first_separator + 1 >= line + stack_length || first_separator[1] != 'T') {
        report_at_current_line(reader->input,
                               "expected 'P<pid>;T<thread>' at the start of the sample");
        return -1;
    }
    const char *second_separator =
        memchr(first_separator + 1, ';', stack_length - (size_t)(first_separator + 1 - line));
    size_t thread_end = second_separator ? (size_t)(second_separator - line) : stack_length;
    if (thread_end == (size_t)(first_separator - line) + 2) {
        report_at_current_line(reader->input, "empty thread field 'T' in the sample");
        return -1;
    }

    uint32_t node;
    size_t offset;
    size_t depth = previous_stack_shared(&reader->previous, line, stack_length, ';', &node,
                                         &offset);
    if (offset < stack_length || depth == 0) {
        size_t begin = offset;
        for (size_t i = begin; i <= stack_length; i++) {
            if (i != stack_length && line[i] != ';')
                continue;
            uint32_t frame;
            if (depth < 2) /* process and thread: kept as austin spells them */
                frame = profile_frame_named(profile, line + begin, i - begin, FRAME_UNKNOWN);
            else if (i == begin) /* an empty frame ";;" is not austin's */
                frame = profile_frame_named(profile, "<empty>", 7, FRAME_UNKNOWN);
            else
                frame = cached_frame(reader, line + begin, i - begin);
            node = profile_child(profile, node, frame);
            previous_stack_record(&reader->previous, depth++, node, i);
            begin = i + 1;
        }
    }
    previous_stack_keep(&reader->previous, line, stack_length, depth);

    double first_weight = NAN;
    for (size_t slot = 0; slot < SLOT_COUNT; slot++) {
        if (reader->type_of_slot[slot] == SIZE_MAX)
            continue;
        if (isnan(first_weight))
            first_weight = weight[slot];
        if (weight[slot] != 0)
            profile_add_value(profile, node, reader->type_of_slot[slot], weight[slot]);
    }
    if (reader->options && reader->options->keep_timeline) {
        uint32_t thread = profile_intern(profile, line, thread_end);
        profile_timeline_append(profile, NAN, thread, node, first_weight);
    }
    reader->statistics->samples++;
    return 0;
}

static int austin_read(struct input *input, struct profile *profile,
                       const struct read_options *options, struct read_statistics *statistics)
{
    struct austin_reader reader = {.input = input, .profile = profile, .options = options,
                                   .statistics = statistics};
    frame_cache_init(&reader.frames);
    const char *line;
    size_t length;
    int status, failed = 0;
    while (!failed && (status = input_next_line(input, &line, &length)) > 0) {
        statistics->lines++;
        if (length && line[length - 1] == '\r')
            length--;
        if (length == 0)
            continue;
        if (line[0] == '#')
            read_metadata(&reader, line, length);
        else if (read_sample(&reader, line, length) < 0)
            failed = 1;
    }
    frame_cache_free(&reader.frames);
    previous_stack_free(&reader.previous);
    if (failed || status < 0)
        return -1;
    if (!reader.types_ready)
        setup_sample_types(&reader);
    return 0;
}

/* Probe: "# austin: VERSION" first, or sample lines starting "P<digits>;T". */
static int austin_probe(const char *head, size_t length)
{
    if (length >= 10 && memcmp(head, "# austin: ", 10) == 0)
        return 95;
    size_t position = 0, good = 0, bad = 0;
    while (position < length && good + bad < 20) {
        const char *line = head + position;
        const char *newline = memchr(line, '\n', length - position);
        size_t line_length = newline ? (size_t)(newline - line) : length - position;
        position += line_length + 1;
        if (line_length == 0 || line[0] == '#')
            continue;
        size_t i = 1;
        while (i < line_length && line[i] >= '0' && line[i] <= '9')
            i++;
        if (line[0] == 'P' && i > 1 && i + 1 < line_length && line[i] == ';' &&
            line[i + 1] == 'T')
            good++;
        else if (newline)
            bad++;
    }
    if (good == 0)
        return 0;
    return bad == 0 ? 90 : (good > bad * 4 ? 50 : 0);
}

static const char *const austin_extensions[] = {".austin", NULL};

const struct format austin_format = {
    .name = "austin",
    .extensions = austin_extensions,
    .probe = austin_probe,
    .read = austin_read,
    .write = NULL,
};
