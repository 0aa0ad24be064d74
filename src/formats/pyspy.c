/* pyspy.c — reader of py-spy's raw output (`py-spy record --format raw`).
 *
 * The format is folded stacks — `frame;frame;... COUNT`, root first, one
 * line per distinct stack, COUNT samples — whose frames py-spy spells
 * `name (file:line)`, `name (file)` (with --nolineno or no line) or `name`
 * (no file). With --threads the root frame is `thread (TID)` or
 * `thread (TID): NAME`; with --subprocesses each process adds a root frame
 * `process PID:"COMMAND LINE"`.
 *
 * Model mapping: one sample type ("samples", "count"). A frame keeps py-spy's
 * text as its name, as py-spy's own flame graphs show it, and its file and
 * line as the frame's file and line; its kind is FRAME_PYTHON when it names
 * a line or a .py file, FRAME_NATIVE for other files (--native frames), and
 * FRAME_UNKNOWN for thread, process and file-less frames.
 *
 * The folded reader would read these files too, but would lose file and
 * line; the probe therefore scores files whose frames look like py-spy's
 * above plain folded. Unlike the folded reader, a line that does not end in
 * a count is an error (with its line number), not skipped.
 */
#include "pyspy.h"
#include "stack_text.h"
#include "../util/diagnostics.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pyspy_reader {
    struct input *input;
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    struct frame_cache frames;
    struct previous_stack previous;
};

static int has_suffix(const char *text, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && memcmp(text + length - suffix_length, suffix, suffix_length) == 0;
}

/* Splits "name (file:line)" / "name (file)": returns 1 and the file span and
 * line when the text ends in such a parenthesis. */
static int split_location(const char *text, size_t length, const char **file,
                          size_t *file_length, uint32_t *line)
{
    if (length < 4 || text[length - 1] != ')')
        return 0;
    const char *open = NULL;
    for (size_t i = length - 1; i-- > 1;)
        if (text[i] == '(' && text[i - 1] == ' ') {
            open = text + i;
            break;
        }
    if (!open)
        return 0;
    const char *inside = open + 1;
    size_t inside_length = (size_t)(text + length - 1 - inside);
    if (inside_length == 0)
        return 0;
    *line = 0;
    *file = inside;
    *file_length = inside_length;
    const char *colon = NULL;
    for (size_t i = inside_length; i-- > 0;)
        if (inside[i] == ':') {
            colon = inside + i;
            break;
        }
    if (colon && colon > inside) {
        size_t digits = inside_length - (size_t)(colon + 1 - inside);
        uint32_t value = 0;
        int numeric = digits > 0 && digits <= 9;
        for (size_t i = 0; numeric && i < digits; i++) {
            char digit = colon[1 + i];
            if (digit < '0' || digit > '9')
                numeric = 0;
            else
                value = value * 10 + (uint32_t)(digit - '0');
        }
        if (numeric) {
            *file_length = (size_t)(colon - inside);
            *line = value;
        }
    }
    return 1;
}

static uint32_t make_frame(struct profile *profile, const char *text, size_t length)
{
    const char *file;
    size_t file_length;
    uint32_t line;
    if ((length >= 8 && memcmp(text, "process ", 8) == 0) ||
        (length >= 8 && memcmp(text, "thread (", 8) == 0) ||
        !split_location(text, length, &file, &file_length, &line))
        return profile_frame_named(profile, text, length, FRAME_UNKNOWN);
    enum frame_kind kind = FRAME_NATIVE;
    if (line > 0 || has_suffix(file, file_length, ".py") || has_suffix(file, file_length, ".pyx"))
        kind = FRAME_PYTHON;
    return profile_frame(profile, profile_intern(profile, text, length),
                         profile_intern(profile, file, file_length), line, kind);
}

static int read_line(struct pyspy_reader *reader, const char *line, size_t length)
{
    struct profile *profile = reader->profile;
    size_t end = length;
    while (end > 0 && line[end - 1] >= '0' && line[end - 1] <= '9')
        end--;
    if (end == length || end == 0 || line[end - 1] != ' ' || length - end > 15 ||
        memchr(line, '\0', length)) {
        report_at_current_line(
            reader->input, "expected 'frame;frame;... COUNT' (py-spy raw), the line does not end "
                           "in a sample count");
        return -1;
    }
    double count = 0;
    for (size_t i = end; i < length; i++)
        count = count * 10 + (line[i] - '0');
    size_t stack_length = end - 1;
    while (stack_length > 0 && line[stack_length - 1] == ';')
        stack_length--; /* trailing empty frames, as the folded reader drops them */

    uint32_t node;
    size_t offset;
    size_t depth = previous_stack_shared(&reader->previous, line, stack_length, ';', &node,
                                         &offset);
    if (stack_length > 0 && (offset < stack_length || depth == 0)) {
        size_t begin = offset;
        for (size_t i = begin; i <= stack_length; i++) {
            if (i != stack_length && line[i] != ';')
                continue;
            uint32_t text_id;
            uint32_t frame = frame_cache_find(&reader->frames, line + begin, i - begin, &text_id);
            if (frame == UINT32_MAX) {
                frame = make_frame(profile, line + begin, i - begin);
                frame_cache_store(&reader->frames, text_id, frame);
            }
            node = profile_child(profile, node, frame);
            previous_stack_record(&reader->previous, depth++, node, i);
            begin = i + 1;
        }
    }
    previous_stack_keep(&reader->previous, line, stack_length, depth);
    profile_add_value(profile, node, 0, count);
    if (reader->options && reader->options->keep_timeline) {
        uint32_t thread = PROFILE_NONE;
        if (stack_length >= 8 && memcmp(line, "thread (", 8) == 0) {
            const char *separator = memchr(line, ';', stack_length);
            thread = profile_intern(profile, line,
                                    separator ? (size_t)(separator - line) : stack_length);
        }
        profile_timeline_append(profile, NAN, thread, node, count);
    }
    reader->statistics->samples++;
    return 0;
}

static int pyspy_read(struct input *input, struct profile *profile,
                      const struct read_options *options, struct read_statistics *statistics)
{
    struct pyspy_reader reader = {.input = input, .profile = profile, .options = options,
                                  .statistics = statistics};
    frame_cache_init(&reader.frames);
    if (profile->sample_type_count == 0)
        profile_add_sample_type(profile, "samples", "count");
    const char *line;
    size_t length;
    int status, failed = 0;
    while (!failed && (status = input_next_line(input, &line, &length)) > 0) {
        statistics->lines++;
        if (length && line[length - 1] == '\r')
            length--;
        if (length == 0)
            continue;
        if (read_line(&reader, line, length) < 0)
            failed = 1;
    }
    frame_cache_free(&reader.frames);
    previous_stack_free(&reader.previous);
    return failed || status < 0 ? -1 : 0;
}

/* Counts, in one stack, the frames spelled "name (file:line)" or
 * "name (file.py)". */
static size_t located_frames(const char *stack, size_t length)
{
    size_t count = 0, begin = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i != length && stack[i] != ';')
            continue;
        const char *file;
        size_t file_length;
        uint32_t line;
        if (split_location(stack + begin, i - begin, &file, &file_length, &line) &&
            (line > 0 || has_suffix(file, file_length, ".py")))
            count++;
        begin = i + 1;
    }
    return count;
}

/* Probe: folded lines ending in " COUNT" whose frames carry "(file:line)". */
static int pyspy_probe(const char *head, size_t length)
{
    size_t position = 0, folded = 0, located = 0, bad = 0;
    while (position < length && folded + bad < 20) {
        const char *line = head + position;
        const char *newline = memchr(line, '\n', length - position);
        if (!newline && position > 0)
            break;
        size_t line_length = newline ? (size_t)(newline - line) : length - position;
        position += line_length + 1;
        if (line_length && line[line_length - 1] == '\r')
            line_length--;
        if (line_length == 0)
            continue;
        size_t end = line_length;
        while (end > 0 && line[end - 1] >= '0' && line[end - 1] <= '9')
            end--;
        if (end == line_length || end == 0 || line[end - 1] != ' ' || line[0] == '#' ||
            line[0] == '\t' || memchr(line, '\0', line_length)) {
            bad++;
            continue;
        }
        folded++;
        if (located_frames(line, end - 1) > 0)
            located++;
    }
    if (folded == 0 || bad * 4 > folded)
        return 0;
    return located * 2 >= folded ? 75 : 0;
}

static const char *const pyspy_extensions[] = {".pyspy", NULL};

const struct format pyspy_format = {
    .name = "pyspy",
    .extensions = pyspy_extensions,
    .probe = pyspy_probe,
    .read = pyspy_read,
    .write = NULL,
};
