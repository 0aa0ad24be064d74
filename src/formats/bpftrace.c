/* bpftrace.c — reader of bpftrace's map dumps, the text bpftrace prints at
 * exit for maps keyed by stacks, e.g. from
 *
 *     bpftrace -e 'profile:hz:99 { @[ustack, kstack] = count(); }'
 *
 * which prints (bpftrace 0.17):
 *
 *     Attaching 1 probe...
 *     @[
 *         0x55b877c0e145          <- ustack, innermost frame first
 *         main+26
 *     ,
 *         vfs_write+202           <- kstack
 *         entry_SYSCALL_64_after_hwframe+118
 *     ]: 75
 *     @k[]: 78                    <- an empty stack
 *     @c[sysw,                    <- a scalar key element (comm)
 *         7fb0d8f8356 write+22 (/usr/lib/libc.so.6)    <- ustack(perf)
 *     ]: 14
 *
 * A key is a tuple; its elements are separated by ',' at the end of a line
 * or on a line of their own. Indented lines are stack frames, innermost
 * first; other text is a scalar element (comm, pid...). Several maps may be
 * printed one after another; other output (printf, "Attaching N probes...",
 * histograms, scalar maps `@x: 5`) is skipped and counted.
 *
 * Model mapping: the key's elements, in key order, make the stack from the
 * root: a scalar element is one frame, a stack element its frames reversed
 * (outermost first) — so `@[ustack, kstack]` puts user frames above kernel
 * frames, as the call really went. Frame names drop bpftrace's "+OFFSET"
 * (as stackcollapse-bpftrace.pl does, so samples in one function merge);
 * ustack(perf)'s "ADDRESS SYMBOL+OFFSET (MODULE)" keeps SYMBOL as the name
 * and MODULE as the frame's file; unsymbolized frames stay "0xADDRESS".
 * Addresses in the kernel half of the address space get FRAME_KERNEL.
 * Each map is a sample type named after the map ("@", "@k", unit "count");
 * the first map printed is the default, --sample-type picks another.
 *
 * Values must be integers (count(), sum() of non-negative amounts); a
 * negative value or an entry still open at the end of input is an error
 * with its line number.
 */
#include "bpftrace.h"
#include "stack_text.h"
#include "../util/diagnostics.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct key_element {
    size_t first;  /* index in frames */
    size_t count;
    int is_stack;  /* frames from indented lines, innermost first */
};

struct bpftrace_reader {
    struct input *input;
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    struct frame_cache frames;
    /* The entry being read. */
    int in_entry;
    uint64_t entry_line;
    size_t entry_type;
    uint32_t *entry_frames;
    size_t entry_frame_count, entry_frame_capacity;
    struct key_element *elements;
    size_t element_count, element_capacity;
    int element_open; /* the last element may still receive frames */
    uint32_t *stack;
    size_t stack_capacity;
};

static int is_space(char byte)
{
    return byte == ' ' || byte == '\t';
}

static int is_hex(char byte)
{
    return (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'f') ||
           (byte >= 'A' && byte <= 'F');
}

static int parse_hex(const char *text, size_t length, uint64_t *value)
{
    if (length == 0 || length > 16)
        return 0;
    uint64_t number = 0;
    for (size_t i = 0; i < length; i++) {
        char byte = text[i];
        if (!is_hex(byte))
            return 0;
        number = number * 16 + (uint64_t)(byte <= '9' ? byte - '0' : (byte | 0x20) - 'a' + 10);
    }
    *value = number;
    return 1;
}

/* Drops a trailing "+DIGITS" (bpftrace's offset into the symbol). */
static size_t without_offset(const char *text, size_t length)
{
    size_t end = length;
    while (end > 0 && text[end - 1] >= '0' && text[end - 1] <= '9')
        end--;
    if (end < length && end > 1 && text[end - 1] == '+')
        return end - 1;
    return length;
}

static int is_kernel_address(uint64_t address)
{
    return address >= 0xffff800000000000ULL;
}

/* Builds the frame of one (trimmed) frame line. */
static uint32_t make_frame(struct profile *profile, const char *text, size_t length)
{
    /* ustack(perf): "HEXADDRESS SYMBOL+OFFSET (MODULE)" */
    const char *space = memchr(text, ' ', length);
    uint64_t address = 0;
    if (space && parse_hex(text, (size_t)(space - text), &address)) {
        const char *symbol = space + 1;
        size_t rest = length - (size_t)(symbol - text);
        const char *module = NULL;
        size_t module_length = 0;
        if (rest >= 3 && symbol[rest - 1] == ')') {
            for (size_t i = rest - 1; i-- > 0;)
                if (symbol[i] == '(' && i > 0 && symbol[i - 1] == ' ') {
                    module = symbol + i + 1;
                    module_length = rest - 1 - i - 1;
                    rest = i - 1;
                    break;
                }
        }
        size_t symbol_length = without_offset(symbol, rest);
        enum frame_kind kind = is_kernel_address(address) ? FRAME_KERNEL : FRAME_UNKNOWN;
        uint32_t file = PROFILE_NONE;
        if (module && module_length && !(module_length == 9 && memcmp(module, "[unknown]", 9) == 0))
            file = profile_intern(profile, module, module_length);
        if (symbol_length == 0)
            return profile_frame_named(profile, text, (size_t)(space - text), kind);
        return profile_frame(profile, profile_intern(profile, symbol, symbol_length), file, 0,
                             kind);
    }
    /* "0xADDRESS" */
    if (length > 2 && text[0] == '0' && text[1] == 'x' && parse_hex(text + 2, length - 2, &address))
        return profile_frame_named(profile, text, length,
                                   is_kernel_address(address) ? FRAME_KERNEL : FRAME_UNKNOWN);
    /* "SYMBOL+OFFSET" */
    return profile_frame_named(profile, text, without_offset(text, length), FRAME_UNKNOWN);
}

static uint32_t cached_frame(struct bpftrace_reader *reader, const char *text, size_t length)
{
    uint32_t text_id;
    uint32_t frame = frame_cache_find(&reader->frames, text, length, &text_id);
    if (frame == UINT32_MAX) {
        frame = make_frame(reader->profile, text, length);
        frame_cache_store(&reader->frames, text_id, frame);
    }
    return frame;
}

static void push_frame(struct bpftrace_reader *reader, uint32_t frame, int is_stack)
{
    if (!reader->element_open || reader->elements[reader->element_count - 1].is_stack != is_stack ||
        !is_stack) {
        GROW(reader->elements, reader->element_capacity, reader->element_count + 1);
        reader->elements[reader->element_count++] =
            (struct key_element){.first = reader->entry_frame_count, .count = 0,
                                 .is_stack = is_stack};
        reader->element_open = is_stack;
    }
    GROW(reader->entry_frames, reader->entry_frame_capacity, reader->entry_frame_count + 1);
    reader->entry_frames[reader->entry_frame_count++] = frame;
    reader->elements[reader->element_count - 1].count++;
}

/* Reads part of a key: indented lines are frames; other text holds scalar
 * elements and ',' separators. */
static void read_key_text(struct bpftrace_reader *reader, const char *text, size_t length)
{
    while (length > 0 && (is_space(text[length - 1]) || text[length - 1] == '\r'))
        length--;
    if (length == 0)
        return;
    if (is_space(text[0])) {
        size_t start = 0;
        while (start < length && is_space(text[start]))
            start++;
        push_frame(reader, cached_frame(reader, text + start, length - start), 1);
        return;
    }
    size_t begin = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i != length && text[i] != ',')
            continue;
        size_t start = begin, end = i;
        while (start < end && is_space(text[start]))
            start++;
        while (end > start && is_space(text[end - 1]))
            end--;
        if (end > start)
            push_frame(reader, cached_frame(reader, text + start, end - start), 0);
        if (i != length)
            reader->element_open = 0; /* a separator closes the element */
        begin = i + 1;
    }
}

/* Parses "]: VALUE" ending a line; returns 1 and sets *key_end (where ']'
 * is) and *value. */
static int closing_value(const char *line, size_t length, size_t *key_end, double *value,
                         int *negative)
{
    size_t end = length;
    while (end > 0 && line[end - 1] >= '0' && line[end - 1] <= '9')
        end--;
    if (end == length || length - end > 15)
        return 0;
    *negative = end > 0 && line[end - 1] == '-';
    size_t before = *negative ? end - 1 : end;
    if (before < 3 || line[before - 1] != ' ' || line[before - 2] != ':' || line[before - 3] != ']')
        return 0;
    double number = 0;
    for (size_t i = end; i < length; i++)
        number = number * 10 + (line[i] - '0');
    *value = number;
    *key_end = before - 3;
    return 1;
}

static size_t map_type(struct bpftrace_reader *reader, const char *name, size_t length)
{
    char buffer[256];
    if (length >= sizeof buffer)
        length = sizeof buffer - 1;
    memcpy(buffer, name, length);
    buffer[length] = '\0';
    size_t before = reader->profile->sample_type_count;
    size_t type = profile_add_sample_type(reader->profile, buffer, "count");
    if (before == 0)
        reader->profile->default_sample_type = type;
    return type;
}

static void begin_entry(struct bpftrace_reader *reader, size_t type)
{
    reader->in_entry = 1;
    reader->entry_line = reader->input->line_number;
    reader->entry_type = type;
    reader->entry_frame_count = 0;
    reader->element_count = 0;
    reader->element_open = 0;
}

static int finish_entry(struct bpftrace_reader *reader, double value, int negative)
{
    reader->in_entry = 0;
    if (negative) {
        report_at_current_line(reader->input,
                               "negative map value -%.0f: a flame graph needs counts or sums >= 0",
                               value);
        return -1;
    }
    size_t depth = 0;
    if (reader->entry_frame_count > reader->stack_capacity)
        GROW(reader->stack, reader->stack_capacity, reader->entry_frame_count);
    for (size_t e = 0; e < reader->element_count; e++) {
        const struct key_element *element = &reader->elements[e];
        for (size_t i = 0; i < element->count; i++)
            reader->stack[depth++] =
                reader->entry_frames[element->first +
                                     (element->is_stack ? element->count - 1 - i : i)];
    }
    uint32_t node = profile_add_stack(reader->profile, reader->stack, depth);
    profile_add_value(reader->profile, node, reader->entry_type, value);
    if (reader->options && reader->options->keep_timeline)
        profile_timeline_append(reader->profile, NAN, PROFILE_NONE, node, value);
    reader->statistics->samples++;
    return 0;
}

/* A line outside an entry: a map entry's first line, or other output. */
static int read_outside(struct bpftrace_reader *reader, const char *line, size_t length)
{
    if (length == 0 || line[0] != '@') {
        if (length && !(length >= 10 && memcmp(line, "Attaching ", 10) == 0))
            reader->statistics->skipped_lines++;
        return 0;
    }
    size_t name_end = 1;
    while (name_end < length && (line[name_end] == '_' || (line[name_end] >= 'a' && line[name_end] <= 'z') ||
                                 (line[name_end] >= 'A' && line[name_end] <= 'Z') ||
                                 (line[name_end] >= '0' && line[name_end] <= '9')))
        name_end++;
    if (name_end >= length || line[name_end] != '[') {
        reader->statistics->skipped_lines++; /* "@x: 5", "@hist:" */
        return 0;
    }
    const char *rest = line + name_end + 1;
    size_t rest_length = length - name_end - 1;
    size_t key_end;
    double value;
    int negative;
    int closes = closing_value(rest, rest_length, &key_end, &value, &negative);
    if (!closes) {
        /* A key closed on this line without a count is a histogram or a
         * non-numeric value: not a stack map entry. */
        for (size_t i = 0; i + 1 < rest_length; i++)
            if (rest[i] == ']' && rest[i + 1] == ':') {
                reader->statistics->skipped_lines++;
                return 0;
            }
    }
    begin_entry(reader, map_type(reader, line, name_end));
    if (closes) {
        read_key_text(reader, rest, key_end);
        return finish_entry(reader, value, negative);
    }
    read_key_text(reader, rest, rest_length);
    return 0;
}

static int read_inside(struct bpftrace_reader *reader, const char *line, size_t length)
{
    size_t key_end;
    double value;
    int negative;
    if (closing_value(line, length, &key_end, &value, &negative)) {
        read_key_text(reader, line, key_end);
        return finish_entry(reader, value, negative);
    }
    if (length && line[0] == '@') {
        report_at_current_line(
            reader->input,
            "a new map entry starts, but the entry opened at line %llu was not closed "
            "with ']: COUNT'",
            (unsigned long long)reader->entry_line);
        return -1;
    }
    read_key_text(reader, line, length);
    return 0;
}

static int bpftrace_read(struct input *input, struct profile *profile,
                         const struct read_options *options, struct read_statistics *statistics)
{
    struct bpftrace_reader reader = {.input = input, .profile = profile, .options = options,
                                     .statistics = statistics};
    frame_cache_init(&reader.frames);
    const char *line;
    size_t length;
    int status, failed = 0;
    while (!failed && (status = input_next_line(input, &line, &length)) > 0) {
        statistics->lines++;
        if (length && line[length - 1] == '\r')
            length--;
        if (memchr(line, '\0', length)) {
            report_at_current_line(input, "NUL byte in a text map dump");
            failed = 1;
        } else if (reader.in_entry) {
            failed = read_inside(&reader, line, length) < 0;
        } else {
            failed = read_outside(&reader, line, length) < 0;
        }
    }
    if (!failed && status >= 0 && reader.in_entry) {
        report_at_line(input, reader.entry_line,
                       "map entry not closed: expected ']: COUNT' before the end of the input");
        failed = 1;
    }
    if (!failed && status >= 0 && profile->sample_type_count == 0)
        profile_add_sample_type(profile, "@", "count");
    frame_cache_free(&reader.frames);
    free(reader.entry_frames);
    free(reader.elements);
    free(reader.stack);
    return failed || status < 0 ? -1 : 0;
}

/* Probe: "Attaching N probe" first, or "@NAME[" lines followed by indented
 * frames and "]: N" closings. */
static int bpftrace_probe(const char *head, size_t length)
{
    size_t position = 0, openings = 0, closings = 0, lines = 0;
    int attaching = length >= 10 && memcmp(head, "Attaching ", 10) == 0;
    while (position < length && lines < 400) {
        const char *line = head + position;
        const char *newline = memchr(line, '\n', length - position);
        size_t line_length = newline ? (size_t)(newline - line) : length - position;
        position += line_length + 1;
        lines++;
        if (line_length && line[line_length - 1] == '\r')
            line_length--;
        if (line_length >= 2 && line[0] == '@') {
            size_t i = 1;
            while (i < line_length && line[i] != '[' && line[i] != ':' && line[i] != ' ')
                i++;
            if (i < line_length && line[i] == '[')
                openings++;
        }
        size_t key_end;
        double value;
        int negative;
        if (closing_value(line, line_length, &key_end, &value, &negative))
            closings++;
    }
    if (openings && closings)
        return attaching ? 95 : 85;
    return attaching ? 40 : 0;
}

static const char *const bpftrace_extensions[] = {".bpftrace", NULL};

const struct format bpftrace_format = {
    .name = "bpftrace",
    .extensions = bpftrace_extensions,
    .probe = bpftrace_probe,
    .read = bpftrace_read,
    .write = NULL,
};
