/* html.c — writes the self-contained HTML viewer: the profile as compact
 * JSON (see html.h for the layout) followed by the viewer's script. */
#include "html.h"
#include "escape.h"
#include "flame_layout.h"
#include "../model/offcpu.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void html_options_init(struct html_options *options)
{
    memset(options, 0, sizeof *options);
    options->palette = NULL; /* hot, or hotcold for a profile with off-CPU stacks */
}

static const char *const known_palettes[] = {"hot", "mem", "io", "package", "hotcold"};

int html_palette_is_known(const char *name)
{
    if (!name)
        return 1; /* the default: hot, or hotcold with off-CPU stacks */
    for (size_t i = 0; i < sizeof known_palettes / sizeof known_palettes[0]; i++)
        if (strcmp(name, known_palettes[i]) == 0)
            return 1;
    return 0;
}

/* ---- base64 and varints ------------------------------------------------ */

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_begin(struct base64_writer *writer, FILE *file)
{
    writer->file = file;
    writer->pending_count = 0;
}

static void base64_flush_group(struct base64_writer *writer, int count)
{
    const unsigned char *in = writer->pending;
    unsigned group = (unsigned)in[0] << 16 | (unsigned)(count > 1 ? in[1] : 0) << 8 |
                     (unsigned)(count > 2 ? in[2] : 0);
    char out[4] = {base64_alphabet[group >> 18 & 63], base64_alphabet[group >> 12 & 63],
                   count > 1 ? base64_alphabet[group >> 6 & 63] : '=',
                   count > 2 ? base64_alphabet[group & 63] : '='};
    fwrite(out, 1, 4, writer->file);
}

void base64_put_bytes(struct base64_writer *writer, const unsigned char *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        writer->pending[writer->pending_count++] = bytes[i];
        if (writer->pending_count == 3) {
            base64_flush_group(writer, 3);
            writer->pending_count = 0;
        }
    }
}

void base64_put_varint(struct base64_writer *writer, uint64_t value)
{
    unsigned char bytes[10];
    size_t length = 0;
    while (value >= 0x80) {
        bytes[length++] = (unsigned char)(value & 0x7f) | 0x80;
        value >>= 7;
    }
    bytes[length++] = (unsigned char)value;
    base64_put_bytes(writer, bytes, length);
}

void base64_finish(struct base64_writer *writer)
{
    if (writer->pending_count)
        base64_flush_group(writer, writer->pending_count);
    writer->pending_count = 0;
}

uint64_t html_zigzag(int64_t value)
{
    return value < 0 ? ((uint64_t)(-(value + 1)) << 1) | 1 : (uint64_t)value << 1;
}

/* ---- JSON strings safe inside <script> --------------------------------- */

void html_write_script_string(FILE *file, const char *bytes, size_t length)
{
    fputc('"', file);
    size_t position = 0;
    while (position < length) {
        size_t start = position;
        unsigned char byte = (unsigned char)bytes[position];
        if (byte >= 0x20 && byte < 0x80) {
            position++;
            switch (byte) {
            case '"': fputs("\\\"", file); break;
            case '\\': fputs("\\\\", file); break;
            case '<': fputs("\\u003c", file); break;
            case '>': fputs("\\u003e", file); break;
            case '&': fputs("\\u0026", file); break;
            default: fputc(byte, file); break;
            }
            continue;
        }
        if (byte < 0x20) {
            position++;
            fprintf(file, "\\u%04x", byte);
            continue;
        }
        uint32_t character = escape_next_character(bytes, length, &position, 1);
        if (character == 0x2028 || character == 0x2029)
            fprintf(file, "\\u%04x", (unsigned)character);
        else if (character == 0xFFFD && !(position - start == 3 &&
                                          memcmp(bytes + start, "\xef\xbf\xbd", 3) == 0))
            fputs("\\ufffd", file);
        else
            fwrite(bytes + start, 1, position - start, file);
    }
    fputc('"', file);
}

static void write_script_cstring(FILE *file, const char *string)
{
    html_write_script_string(file, string, strlen(string));
}

/* ---- the profile in preorder ------------------------------------------- */

/* The tree flattened: order[i] is the profile node at preorder index i;
 * name_index[i] its index into the names table. */
struct preorder {
    uint32_t *order;
    size_t count;
    uint32_t *preorder_of; /* profile node -> preorder index */
    uint32_t *name_index;
    uint32_t *names;       /* string ids; names[0] is PROFILE_NONE ("all") */
    size_t name_count;
};

static void preorder_build(struct preorder *preorder, const struct profile *profile)
{
    size_t node_count = profile->node_count;
    preorder->order = xmalloc(node_count * sizeof *preorder->order);
    preorder->preorder_of = xmalloc(node_count * sizeof *preorder->preorder_of);
    preorder->name_index = xmalloc(node_count * sizeof *preorder->name_index);
    preorder->names = xmalloc((node_count + 1) * sizeof *preorder->names);
    uint32_t *string_to_name = xmalloc(profile->strings.count * sizeof *string_to_name);
    for (size_t i = 0; i < profile->strings.count; i++)
        string_to_name[i] = PROFILE_NONE;
    uint32_t *stack = xmalloc(node_count * sizeof *stack);
    uint32_t *children = xmalloc(node_count * sizeof *children);

    preorder->names[0] = PROFILE_NONE;
    preorder->name_count = 1;
    size_t stack_size = 0, count = 0;
    stack[stack_size++] = PROFILE_ROOT;
    while (stack_size) {
        uint32_t node = stack[--stack_size];
        preorder->order[count] = node;
        preorder->preorder_of[node] = (uint32_t)count;
        uint32_t frame = profile->nodes[node].frame;
        uint32_t name = 0;
        if (frame != PROFILE_NONE) {
            uint32_t string = profile->frames[frame].name;
            if (string_to_name[string] == PROFILE_NONE) {
                string_to_name[string] = (uint32_t)preorder->name_count;
                preorder->names[preorder->name_count++] = string;
            }
            name = string_to_name[string];
        }
        preorder->name_index[count++] = name;
        size_t child_count = profile_sorted_children(profile, node, children);
        /* pushed last-first so the first by name is visited first */
        for (size_t i = child_count; i-- > 0;)
            stack[stack_size++] = children[i];
    }
    preorder->count = count;
    free(children);
    free(stack);
    free(string_to_name);
}

static void preorder_free(struct preorder *preorder)
{
    free(preorder->order);
    free(preorder->preorder_of);
    free(preorder->name_index);
    free(preorder->names);
}

/* A column of count values read through value(i): varints when all are
 * integers small enough, else doubles. Writes {"varint":"..."} or
 * {"f64":"..."}. */
typedef double (*value_reader)(const void *context, size_t index);

static void write_value_column(FILE *file, size_t count, value_reader value, const void *context)
{
    int integral = 1;
    for (size_t i = 0; i < count && integral; i++) {
        double v = value(context, i);
        integral = isfinite(v) && v == floor(v) && fabs(v) < 4503599627370496.0;
    }
    struct base64_writer writer;
    fputs(integral ? "{\"varint\":\"" : "{\"f64\":\"", file);
    base64_begin(&writer, file);
    for (size_t i = 0; i < count; i++) {
        double v = value(context, i);
        if (integral) {
            base64_put_varint(&writer, html_zigzag((int64_t)v));
        } else {
            if (!isfinite(v))
                v = 0;
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            unsigned char bytes[8];
            for (int b = 0; b < 8; b++)
                bytes[b] = (unsigned char)(bits >> (8 * b));
            base64_put_bytes(&writer, bytes, 8);
        }
    }
    base64_finish(&writer);
    fputs("\"}", file);
}

struct self_column {
    const struct profile *profile;
    const struct preorder *preorder;
    size_t type;
};

static double self_column_value(const void *context, size_t index)
{
    const struct self_column *column = context;
    return profile_self_value(column->profile, column->preorder->order[index], column->type);
}

/* Flame chart by time: start and end of entry i in whole nanoseconds
 * from the origin, and its band. */
static double chart_start_ns(const void *context, size_t index)
{
    const struct flame_chart_times *times = context;
    return (double)llround(times->start[index] * 1e9);
}

static double chart_end_ns(const void *context, size_t index)
{
    const struct flame_chart_times *times = context;
    return (double)llround(times->end[index] * 1e9);
}

static double chart_band(const void *context, size_t index)
{
    const struct flame_chart_times *times = context;
    return times->lane[index];
}

/* "times":{origin (input clock, s), span (ns), bands, band, start, end}
 * when the timeline can be drawn by time, else null. */
static void write_chart_times(FILE *file, const struct profile *profile)
{
    struct flame_chart_times times;
    if (flame_chart_times(profile, &times) != 0) {
        fputs("null", file);
        return;
    }
    fprintf(file, "{\"origin\":%.9f,\"span\":%.0f,\"bands\":%zu,\"band\":", times.origin,
            (double)llround(times.span * 1e9), times.lane_count);
    write_value_column(file, times.count, chart_band, &times);
    fputs(",\n\"start\":", file);
    write_value_column(file, times.count, chart_start_ns, &times);
    fputs(",\n\"end\":", file);
    write_value_column(file, times.count, chart_end_ns, &times);
    fputc('}', file);
    flame_chart_times_free(&times);
}

static double timeline_weight(const void *context, size_t index)
{
    const struct profile *profile = context;
    return profile->timeline[index].weight;
}

/* The "before" sample type of a differential profile, or -1. */
static long before_type(const struct profile *profile)
{
    return profile->differential ? profile_find_sample_type(profile, "before") : -1;
}

static const char *title_of(const struct profile *profile, const struct html_options *options)
{
    if (options->title)
        return options->title;
    return before_type(profile) >= 0 ? "Differential Flame Graph" : "Flame Graph";
}

static void write_data(FILE *file, const struct profile *profile,
                       const struct html_options *options, const struct preorder *preorder)
{
    long before = before_type(profile);
    fputs("{\"version\":1,\"title\":", file);
    write_script_cstring(file, title_of(profile, options));
    fputs(",\"subtitle\":", file);
    if (options->subtitle && options->subtitle[0])
        write_script_cstring(file, options->subtitle);
    else
        fputs("null", file);
    int off_cpu = offcpu_marker_present(profile);
    fputs(",\"palette\":", file);
    write_script_cstring(file, options->palette ? options->palette : off_cpu ? "hotcold" : "hot");
    /* hotcold: the index in names of the off-CPU marker, or -1 */
    long marker = -1;
    uint32_t marker_name = off_cpu ? offcpu_marker_name(profile) : PROFILE_NONE;
    for (size_t i = 0; i < preorder->name_count && marker_name != PROFILE_NONE; i++)
        if (preorder->names[i] == marker_name)
            marker = (long)i;
    fprintf(file, ",\"offcpu\":%ld", marker);
    fprintf(file, ",\"flamechart\":%s,\"type\":%zu,\"nodes\":%zu,\n\"names\":[",
            options->flamechart ? "true" : "false", options->sample_type, preorder->count);
    for (size_t i = 0; i < preorder->name_count; i++) {
        if (i)
            fputc(',', file);
        if (i % 64 == 0)
            fputc('\n', file);
        if (preorder->names[i] == PROFILE_NONE)
            fputs("\"all\"", file);
        else
            html_write_script_string(file, profile_string(profile, preorder->names[i]),
                                     profile_string_length(profile, preorder->names[i]));
    }
    fputs("],\n\"depth\":\"", file);
    struct base64_writer writer;
    base64_begin(&writer, file);
    for (size_t i = 0; i < preorder->count; i++)
        base64_put_varint(&writer, profile->nodes[preorder->order[i]].depth);
    base64_finish(&writer);
    fputs("\",\n\"name\":\"", file);
    base64_begin(&writer, file);
    for (size_t i = 0; i < preorder->count; i++)
        base64_put_varint(&writer, preorder->name_index[i]);
    base64_finish(&writer);
    fputs("\",\n\"types\":[", file);
    for (size_t type = 0; type < profile->sample_type_count; type++) {
        fputs(type ? ",\n{\"name\":" : "\n{\"name\":", file);
        write_script_cstring(file, profile_string(profile, profile->sample_types[type].type));
        fputs(",\"unit\":", file);
        write_script_cstring(file, profile_string(profile, profile->sample_types[type].unit));
        fputs(",\"values\":", file);
        struct self_column column = {profile, preorder, type};
        write_value_column(file, preorder->count, self_column_value, &column);
        fputc('}', file);
    }
    fputs("],\n\"diff\":", file);
    if (before >= 0)
        fprintf(file, "{\"after\":0,\"before\":%ld}", before);
    else
        fputs("null", file);
    fputs(",\n\"timeline\":", file);
    if (profile->timeline_count) {
        fprintf(file, "{\"count\":%zu,\"node\":\"", profile->timeline_count);
        base64_begin(&writer, file);
        for (size_t i = 0; i < profile->timeline_count; i++)
            base64_put_varint(&writer, preorder->preorder_of[profile->timeline[i].node]);
        base64_finish(&writer);
        fputs("\",\"weight\":", file);
        write_value_column(file, profile->timeline_count, timeline_weight, profile);
        fputs(",\n\"times\":", file);
        write_chart_times(file, profile);
        fputc('}', file);
    } else {
        fputs("null", file);
    }
    fputs("}\n", file);
}

int html_write(FILE *file, const struct profile *profile, const struct html_options *options)
{
    if (profile->node_count <= 1 || profile->sample_type_count == 0) {
        fprintf(stderr, "ember: the profile has no stacks to view\n");
        return -1;
    }
    struct html_options defaults;
    if (!options) {
        html_options_init(&defaults);
        options = &defaults;
    }
    struct preorder preorder;
    preorder_build(&preorder, profile);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"ember view\">\n<title>",
          file);
    escape_write_string(file, title_of(profile, options), ESCAPE_TEXT, 1);
    fputs("</title>\n<style>\n", file);
    fputs(ember_viewer_css, file);
    fputs("</style>\n</head>\n<body>\n<noscript>This flame graph viewer needs JavaScript."
          "</noscript>\n<script type=\"application/json\" id=\"ember-data\">",
          file);
    write_data(file, profile, options, &preorder);
    /* the viewer's parts share one strict function scope */
    fputs("</script>\n<script>\n'use strict';\n(function () {\n", file);
    fputs(ember_viewer_js, file);
    fputs("})();\n</script>\n</body>\n</html>\n", file);
    preorder_free(&preorder);
    return ferror(file) ? -1 : 0;
}
