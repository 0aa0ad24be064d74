/* svg.c — flamegraph.pl-compatible interactive SVG; see svg.h.
 *
 * Geometry follows flamegraph.pl exactly (same padding, same rounding of
 * every coordinate, same text fitting), the layout comes from
 * flame_layout.c, colours from palette.c, and every string is escaped by
 * escape.c for the context it lands in. The interactive script is a
 * constant (svg_script.c); it reads settings from data-* attributes.
 *
 * Numbers are formatted by hand (format_fixed) because a large graph
 * writes a few numbers per frame and snprintf dominated the profile; the
 * hand formatter falls back to snprintf near rounding ties so results are
 * identical to printf's (and perl's sprintf); numbers read back from that
 * text are parsed by hand too (parse_fixed).
 */
#define _GNU_SOURCE /* fputs_unlocked, fwrite_unlocked */
#include "svg.h"
#include "escape.h"
#include "flame_layout.h"
#include "palette.h"
#include "svg_script.h"
#include "svg_tables.h"
#include "../model/offcpu.h"
#include "../model/reverse.h"
#include "../util/memory.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void svg_options_init(struct svg_options *options)
{
    memset(options, 0, sizeof *options);
    options->width = 1200;
    options->frame_height = 16;
    options->min_width = 0.1;
    options->font_type = "Verdana";
    options->font_size = 12;
    options->font_width = 0.59;
    options->count_name = "samples";
    options->name_type = "Function:";
    options->colors = NULL; /* hot, or hotcold for off-CPU stacks (svg_write) */
    options->factor = 1;
    options->search_color = "rgb(230,0,230)";
    options->truncate_text_right = 1;
}

/* ---- numbers ---- */

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* Writes number in decimal at out; returns the number of digits. */
static int put_decimal(char *out, uint64_t number)
{
    int width = 1;
    for (uint64_t limit = 10; number >= limit && width < 19; limit *= 10)
        width++;
    char *at = out + width;
    while (number >= 100) {
        unsigned pair = (unsigned)(number % 100) * 2;
        number /= 100;
        *--at = digit_pairs[pair + 1];
        *--at = digit_pairs[pair];
    }
    if (number >= 10) {
        *--at = digit_pairs[number * 2 + 1];
        *--at = digit_pairs[number * 2];
    } else {
        *--at = (char)('0' + number);
    }
    return width;
}

/* printf("%.*f", decimals, value) for decimals 0..2, by hand when safe. */
static int format_fixed(char *out, double value, int decimals)
{
    static const double scales[] = {1, 10, 100};
    double magnitude = fabs(value) * scales[decimals];
    double whole = floor(magnitude);
    double fraction = magnitude - whole;
    if (!(magnitude < 1e9) || fabs(fraction - 0.5) < 1e-6)
        return sprintf(out, "%.*f", decimals, value);
    uint64_t digits = (uint64_t)whole + (fraction > 0.5);
    int length = 0;
    if (signbit(value))
        out[length++] = '-';
    if (decimals == 0) {
        length += put_decimal(out + length, digits);
    } else if (decimals == 1) {
        length += put_decimal(out + length, digits / 10);
        out[length++] = '.';
        out[length++] = (char)('0' + digits % 10);
    } else {
        length += put_decimal(out + length, digits / 100);
        out[length++] = '.';
        out[length++] = digit_pairs[digits % 100 * 2];
        out[length++] = digit_pairs[digits % 100 * 2 + 1];
    }
    out[length] = '\0';
    return length;
}

/* How perl prints a number: integers plainly, otherwise %.15g. */
static int format_perl(char *out, double value)
{
    if (value == floor(value) && fabs(value) < 1e15)
        return format_fixed(out, value, 0);
    /* Halves (most y coordinates) are exact in binary: %.15g prints the
     * one decimal that format_fixed writes. */
    if (value * 2 == floor(value * 2) && fabs(value) < 1e14)
        return format_fixed(out, value, 1);
    return sprintf(out, "%.15g", value);
}

/* strtod() of a number format_fixed() wrote, without strtod: the digits
 * make an exact integer and dividing it by an exact power of ten rounds
 * correctly, as strtod does. Anything else goes to strtod. */
static double parse_fixed(const char *text)
{
    static const double scales[] = {1, 10, 100, 1000};
    const char *at = text;
    int negative = *at == '-';
    if (negative)
        at++;
    uint64_t digits = 0;
    int count = 0, decimals = -1;
    for (; *at; at++) {
        if (*at == '.' && decimals < 0) {
            decimals = 0;
            continue;
        }
        if (*at < '0' || *at > '9' || ++count > 15)
            return strtod(text, NULL);
        digits = digits * 10 + (uint64_t)(*at - '0');
        if (decimals >= 0)
            decimals++;
    }
    if (count == 0 || decimals > 3)
        return strtod(text, NULL);
    double value = (double)digits / scales[decimals < 0 ? 0 : decimals];
    return negative ? -value : value;
}

/* "1234567" -> "1,234,567" (perlfaq5's commify); returns the length. */
static int commify(char *out, const char *digits)
{
    int length = 0;
    if (*digits == '-' || *digits == '+')
        out[length++] = *digits++;
    size_t count = strlen(digits);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && (count - i) % 3 == 0 && digits[i] >= '0' && digits[i] <= '9')
            out[length++] = ',';
        out[length++] = digits[i];
    }
    out[length] = '\0';
    return length;
}

/* ---- option checks ---- */

static int is_encoding_name(const char *name)
{
    if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

static int background_colors(const char *name, const char **first, const char **second)
{
    if (strcmp(name, "yellow") == 0) {
        *first = "#eeeeee", *second = "#eeeeb0";
    } else if (strcmp(name, "blue") == 0) {
        *first = "#eeeeee", *second = "#e0e0ff";
    } else if (strcmp(name, "green") == 0) {
        *first = "#eef2ee", *second = "#e0ffe0";
    } else if (strcmp(name, "grey") == 0 || strcmp(name, "gray") == 0) {
        *first = "#f8f8f8", *second = "#e8e8e8";
    } else if (name[0] == '#' && strlen(name) == 7 && escape_is_safe_color(name)) {
        *first = *second = name;
    } else {
        return -1;
    }
    return 0;
}

/* ---- the document ---- */

struct writer {
    FILE *file;
    const struct svg_options *options;
    const struct profile *profile;
    int utf8;
    double image_width, image_height;
    double xpad, ypad1, ypad2, ypad3;
    double time_max, width_per_time;
    double max_delta;
    struct palette palette;
    struct palette_map *palette_map;            /* --cp, or NULL */
    struct name_attribute_table *name_attributes; /* --nameattr, or NULL */
    char *scratch;                              /* name + "_[w]" */
    size_t scratch_capacity;
    char *frame_bytes;                          /* frames not yet written out */
    size_t frame_length, frame_capacity;
    char *count_name_text;                      /* --countname, escaped for text */
    size_t count_name_length;
    int warned_attribute;
    /* flame chart by time: x in seconds; tooltips give durations and times */
    int timed;
    const char *duration_unit; /* "ns" or "us": whole units in tooltips */
    double duration_scale;     /* units per second */
    const char *offset_unit;   /* "ns", "us", "ms" or "s" for start and end times */
    double offset_scale;       /* units per second */
};

static void put(struct writer *writer, const char *text)
{
    fputs_unlocked(text, writer->file);
}

static void put_number(struct writer *writer, double value)
{
    char buffer[64];
    fwrite_unlocked(buffer, 1, (size_t)format_perl(buffer, value), writer->file);
}

static void put_fixed(struct writer *writer, double value, int decimals)
{
    char buffer[64];
    fwrite_unlocked(buffer, 1, (size_t)format_fixed(buffer, value, decimals), writer->file);
}

static void put_text(struct writer *writer, const char *text)
{
    escape_write_string(writer->file, text, ESCAPE_TEXT, writer->utf8);
}

static void put_attribute(struct writer *writer, const char *text)
{
    escape_write_string(writer->file, text, ESCAPE_ATTRIBUTE, writer->utf8);
}

static void write_header(struct writer *writer, double width, double height)
{
    const struct svg_options *options = writer->options;
    put(writer, "<?xml version=\"1.0\"");
    if (options->encoding) {
        put(writer, " encoding=\"");
        put(writer, options->encoding); /* checked by is_encoding_name */
        put(writer, "\"");
    }
    put(writer, " standalone=\"no\"?>\n"
                "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
                "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
                "<svg version=\"1.1\" width=\"");
    put_number(writer, width);
    put(writer, "\" height=\"");
    put_number(writer, height);
    put(writer, "\" viewBox=\"0 0 ");
    put_number(writer, width);
    put(writer, " ");
    put_number(writer, height);
    put(writer, "\" xmlns=\"http://www.w3.org/2000/svg\" "
                "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
                "<!-- Flame graph drawn by ember flamegraph (flamegraph.pl-compatible). -->\n"
                "<!-- NOTES: ");
    escape_write_comment(writer->file, options->notes ? options->notes : "", writer->utf8);
    put(writer, " -->\n");
}

/* <text id="ID" x="X" y="Y" EXTRA>TEXT</text> */
static void write_label(struct writer *writer, const char *id, double x, double y,
                        const char *text, const char *extra)
{
    put(writer, "<text id=\"");
    put(writer, id);
    put(writer, "\" x=\"");
    put_fixed(writer, x, 2);
    put(writer, "\" y=\"");
    put_number(writer, y);
    put(writer, "\"");
    if (extra) {
        put(writer, " ");
        put(writer, extra);
    }
    put(writer, ">");
    put_text(writer, text);
    put(writer, "</text>\n");
}

static int write_error_svg(struct writer *writer)
{
    const struct svg_options *options = writer->options;
    double height = options->font_size * 5;
    write_header(writer, options->width, height);
    put(writer, "<text x=\"");
    put_fixed(writer, floor(options->width / 2), 2);
    put(writer, "\" y=\"");
    put_number(writer, options->font_size * 2);
    put(writer, "\" text-anchor=\"middle\">ERROR: No valid input provided to ember flamegraph."
                "</text>\n</svg>\n");
    return -1;
}

static void write_style_and_chrome(struct writer *writer, const char *background_first,
                                   const char *background_second, const char *title)
{
    const struct svg_options *options = writer->options;
    put(writer, "<defs>\n<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">\n"
                "<stop stop-color=\"");
    put_attribute(writer, background_first);
    put(writer, "\" offset=\"5%\"/>\n<stop stop-color=\"");
    put_attribute(writer, background_second);
    put(writer, "\" offset=\"95%\"/>\n</linearGradient>\n</defs>\n"
                "<style type=\"text/css\">\n"
                "text { font-family:");
    escape_write_css_font(writer->file, options->font_type);
    put(writer, "; font-size:");
    put_number(writer, options->font_size);
    put(writer, "px; fill:rgb(0,0,0); }\n"
                "#title { text-anchor:middle; font-size:");
    put_number(writer, options->font_size + 5);
    put(writer, "px; }\n"
                "#subtitle { text-anchor:middle; fill:rgb(160,160,160); }\n"
                "#search, #ignorecase { opacity:0.1; cursor:pointer; }\n"
                "#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity:1; }\n"
                "#unzoom { cursor:pointer; }\n"
                "#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n");
    if (options->stroke_color) {
        put(writer, "#frames rect { stroke:");
        put(writer, options->stroke_color); /* checked by escape_is_safe_color */
        put(writer, "; stroke-width:0.5; }\n");
    }
    put(writer, ".hide { display:none; }\n"
                ".parent { opacity:0.5; }\n"
                "</style>\n"
                "<rect x=\"0.0\" y=\"0\" width=\"");
    put_fixed(writer, writer->image_width, 1);
    put(writer, "\" height=\"");
    put_fixed(writer, writer->image_height, 1);
    put(writer, "\" fill=\"url(#background)\"/>\n");
    double font_size = options->font_size;
    write_label(writer, "title", floor(writer->image_width / 2), font_size * 2, title, NULL);
    if (options->subtitle && *options->subtitle)
        write_label(writer, "subtitle", floor(writer->image_width / 2), font_size * 4,
                    options->subtitle, NULL);
    double bottom = writer->image_height - writer->ypad2 / 2;
    write_label(writer, "details", writer->xpad, bottom, " ", NULL);
    write_label(writer, "unzoom", writer->xpad, font_size * 2, "Reset Zoom", "class=\"hide\"");
    write_label(writer, "search", writer->image_width - writer->xpad - 100, font_size * 2,
                "Search", NULL);
    write_label(writer, "ignorecase", writer->image_width - writer->xpad - 16, font_size * 2,
                "ic", NULL);
    write_label(writer, "matched", writer->image_width - writer->xpad - 100, bottom, " ", NULL);

    put(writer, "<g id=\"frames\" data-xpad=\"");
    put_number(writer, writer->xpad);
    put(writer, "\" data-font-size=\"");
    put_number(writer, options->font_size);
    put(writer, "\" data-font-width=\"");
    put_number(writer, options->font_width);
    put(writer, options->inverted ? "\" data-inverted=\"1" : "\" data-inverted=\"0");
    put(writer, "\" data-truncate=\"");
    put(writer, options->truncate_text_right ? "right" : "left");
    put(writer, "\" data-search-color=\"");
    put_attribute(writer, options->search_color);
    put(writer, "\" data-name-type=\"");
    put_attribute(writer, options->name_type);
    put(writer, "\" data-count-name=\"");
    put_attribute(writer, options->count_name);
    put(writer, "\">\n");
}

/* ---- one frame ---- */

static int ends_with_annotation(const char *name, size_t length)
{
    return length >= 4 && name[length - 4] == '_' && name[length - 3] == '[' &&
           name[length - 1] == ']' &&
           (name[length - 2] == 'k' || name[length - 2] == 'w' || name[length - 2] == 'i' ||
            name[length - 2] == 'j');
}

/* Frames are written into the writer's frame buffer, not through stdio:
 * a frame is a dozen short pieces, and a call into stdio per piece cost
 * more than the formatting. The buffer goes out in one fwrite when it
 * holds FRAME_BUFFER_FLUSH bytes, and at the end of the frames. */
enum { FRAME_BUFFER_FLUSH = 64 << 10 };

static inline char *frame_reserve(struct writer *writer, size_t more)
{
    if (writer->frame_length + more > writer->frame_capacity)
        GROW(writer->frame_bytes, writer->frame_capacity, writer->frame_length + more);
    return writer->frame_bytes + writer->frame_length;
}

static inline void frame_append(struct writer *writer, const char *bytes, size_t length)
{
    memcpy(frame_reserve(writer, length), bytes, length);
    writer->frame_length += length;
}

#define FRAME_LITERAL(writer, text) frame_append(writer, text, sizeof(text) - 1)

static inline void frame_string(struct writer *writer, const char *text)
{
    frame_append(writer, text, strlen(text));
}

static inline void frame_escaped(struct writer *writer, const char *bytes, size_t length,
                                 enum escape_context context)
{
    char *out = frame_reserve(writer, ESCAPE_MAXIMUM_GROWTH * length);
    writer->frame_length += escape_into(out, bytes, length, context, writer->utf8);
}

static inline void frame_fixed(struct writer *writer, double value, int decimals)
{
    writer->frame_length += (size_t)format_fixed(frame_reserve(writer, 64), value, decimals);
}

static inline void frame_number(struct writer *writer, double value)
{
    writer->frame_length += (size_t)format_perl(frame_reserve(writer, 64), value);
}

static void frame_flush(struct writer *writer)
{
    fwrite_unlocked(writer->frame_bytes, 1, writer->frame_length, writer->file);
    writer->frame_length = 0;
}

/* Writes extra attributes given as raw text (nameattr g_extra/a_extra):
 * only well-formed name="value" pairs pass, values re-escaped, event
 * handlers (on...) dropped. */
static void write_extra_attributes(struct writer *writer, const char *extra)
{
    const char *c = extra;
    for (;;) {
        while (*c == ' ' || *c == '\t')
            c++;
        if (!*c)
            return;
        const char *name = c;
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '_' || *c == ':'))
            break;
        while ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
               *c == '_' || *c == ':' || *c == '-' || *c == '.')
            c++;
        size_t name_length = (size_t)(c - name);
        if (*c != '=' || (c[1] != '"' && c[1] != '\''))
            break;
        char quote = c[1];
        const char *value = c + 2;
        const char *close = strchr(value, quote);
        if (!close)
            break;
        c = close + 1;
        if (name_length >= 2 && strncasecmp(name, "on", 2) == 0)
            continue;
        FRAME_LITERAL(writer, " ");
        frame_append(writer, name, name_length);
        FRAME_LITERAL(writer, "=\"");
        frame_escaped(writer, value, (size_t)(close - value), ESCAPE_ATTRIBUTE);
        FRAME_LITERAL(writer, "\"");
    }
    if (!writer->warned_attribute) {
        fprintf(stderr, "ember flamegraph: ignoring malformed or unsafe extra attributes in "
                        "--nameattr: %s\n", extra);
        writer->warned_attribute = 1;
    }
}

static int is_script_url(const char *url)
{
    while (*url == ' ' || *url == '\t')
        url++;
    return strncasecmp(url, "javascript:", 11) == 0 || strncasecmp(url, "data:", 5) == 0 ||
           strncasecmp(url, "vbscript:", 9) == 0;
}

static void frame_attribute(struct writer *writer, const char *text)
{
    frame_escaped(writer, text, strlen(text), ESCAPE_ATTRIBUTE);
}

/* Opens the frame's group (<g> or, with a nameattr href, <a>); returns 1 for <a>. */
static int open_group(struct writer *writer, const struct name_attributes *attributes)
{
    if (!attributes) {
        FRAME_LITERAL(writer, "<g>");
        return 0;
    }
    int link = attributes->href && *attributes->href && !is_script_url(attributes->href);
    if (attributes->href && *attributes->href && !link && !writer->warned_attribute) {
        fprintf(stderr, "ember flamegraph: ignoring script link in --nameattr: %s\n",
                attributes->href);
        writer->warned_attribute = 1;
    }
    if (link) {
        FRAME_LITERAL(writer, "<a xlink:href=\"");
        frame_attribute(writer, attributes->href);
        FRAME_LITERAL(writer, "\" target=\"");
        frame_attribute(writer, attributes->target && *attributes->target ? attributes->target
                                                                          : "_top");
        FRAME_LITERAL(writer, "\"");
        if (attributes->a_extra)
            write_extra_attributes(writer, attributes->a_extra);
    } else {
        FRAME_LITERAL(writer, "<g");
    }
    if (attributes->id) {
        FRAME_LITERAL(writer, " id=\"");
        frame_attribute(writer, attributes->id);
        FRAME_LITERAL(writer, "\"");
    }
    if (attributes->class_name) {
        FRAME_LITERAL(writer, " class=\"");
        frame_attribute(writer, attributes->class_name);
        FRAME_LITERAL(writer, "\"");
    }
    if (attributes->g_extra)
        write_extra_attributes(writer, attributes->g_extra);
    FRAME_LITERAL(writer, ">");
    return link;
}

/* A flame chart box's tooltip: "NAME (D us, from S to E UNIT, P%)", D its
 * duration in whole microseconds (nanoseconds when the chart spans less
 * than a millisecond), S and E its times from the chart's start; the shape
 * of every tooltip (name, a number, P%), so the script's search and zoom
 * read it like the others. */
static void write_timed_title(struct writer *writer, const struct flame_box *box, double end,
                              const char *name, size_t length)
{
    char duration[64], duration_text[96], text[160];
    format_fixed(duration, (end - box->start) * writer->duration_scale, 0);
    commify(duration_text, duration);
    frame_escaped(writer, name, length, ESCAPE_TEXT);
    int decimals = writer->offset_scale == 1 ? 6 : 3;
    snprintf(text, sizeof text, " (%s %s, from %.*f to %.*f %s, ", duration_text,
             writer->duration_unit, decimals, box->start * writer->offset_scale, decimals,
             end * writer->offset_scale, writer->offset_unit);
    frame_string(writer, text);
    frame_fixed(writer, 100 * (end - box->start) / writer->time_max, 2);
    FRAME_LITERAL(writer, "%)");
}

/* The frame's fill colour (a constant, or written into buffer). */
static const char *frame_color(struct writer *writer, const struct flame_box *box,
                               const char *name, size_t length, char *buffer)
{
    const struct svg_options *options = writer->options;
    if (length == 2 && memcmp(name, "--", 2) == 0)
        return "rgb(160,160,160)";
    if (length == 1 && name[0] == '-')
        return "rgb(200,200,200)";
    if (box->flags & FLAME_BOX_HAS_DELTA) {
        palette_color_scale(box->delta, writer->max_delta, options->negate, buffer);
    } else if ((box->flags & FLAME_BOX_OFFCPU) && writer->palette.kind == PALETTE_HOTCOLD) {
        palette_color_off_cpu(&writer->palette, name, length, buffer);
    } else if (writer->palette_map) {
        const char *mapped = palette_map_get(writer->palette_map, name, length);
        if (mapped)
            return mapped;
        palette_color(&writer->palette, name, length, buffer);
        palette_map_set(writer->palette_map, name, length, buffer);
    } else {
        palette_color(&writer->palette, name, length, buffer);
    }
    return buffer;
}

static void write_frame(struct writer *writer, const struct flame_box *box)
{
    const struct svg_options *options = writer->options;
    const struct profile *profile = writer->profile;
    int is_root = box->depth == 0 && box->name == FLAME_NAME_ROOT;

    /* The frame's full name, as flamegraph.pl's $func. */
    const char *name;
    size_t length;
    if (box->name == FLAME_NAME_ROOT) {
        name = "", length = 0;
    } else if (box->name == FLAME_NAME_DASHES) {
        name = "--", length = 2;
    } else {
        name = profile_string(profile, box->name);
        length = profile_string_length(profile, box->name);
    }
    size_t display_length = length; /* without the annotation */
    if (box->flags & FLAME_BOX_WAKER) {
        GROW(writer->scratch, writer->scratch_capacity, length + 5);
        memcpy(writer->scratch, name, length);
        memcpy(writer->scratch + length, "_[w]", 5);
        name = writer->scratch;
        length += 4;
    } else if (ends_with_annotation(name, length)) {
        display_length -= 4;
    }

    double end = is_root ? writer->time_max : box->end;
    double x1 = writer->xpad + box->start * writer->width_per_time;
    double x2 = writer->xpad + end * writer->width_per_time;
    double y1, y2;
    if (!options->inverted) {
        y1 = writer->image_height - writer->ypad2 - (box->depth + 1) * options->frame_height + 1;
        y2 = writer->image_height - writer->ypad2 - box->depth * options->frame_height;
    } else {
        y1 = writer->ypad1 + box->depth * options->frame_height;
        y2 = writer->ypad1 + (box->depth + 1) * options->frame_height - 1;
    }

    char samples[64], samples_text[96];
    format_fixed(samples, (end - box->start) * options->factor, 0);
    int samples_length = commify(samples_text, samples);
    double rounded_samples = parse_fixed(samples);

    const struct name_attributes *attributes =
        writer->name_attributes ? name_attribute_table_get(writer->name_attributes, name, length)
                                : NULL;
    int link = open_group(writer, attributes);
    FRAME_LITERAL(writer, "<title>");
    if (attributes && attributes->title && *attributes->title) {
        frame_escaped(writer, attributes->title, strlen(attributes->title), ESCAPE_TEXT);
    } else if (writer->timed) {
        write_timed_title(writer, box, end, is_root ? "all" : name,
                          is_root ? 3 : display_length);
    } else {
        if (is_root)
            FRAME_LITERAL(writer, "all (");
        else
            frame_escaped(writer, name, display_length, ESCAPE_TEXT);
        if (!is_root)
            FRAME_LITERAL(writer, " (");
        frame_append(writer, samples_text, (size_t)samples_length);
        FRAME_LITERAL(writer, " ");
        frame_append(writer, writer->count_name_text, writer->count_name_length);
        if (is_root) {
            FRAME_LITERAL(writer, ", 100%)");
        } else {
            FRAME_LITERAL(writer, ", ");
            frame_fixed(writer, 100 * rounded_samples / (writer->time_max * options->factor), 2);
            FRAME_LITERAL(writer, "%");
            if (box->flags & FLAME_BOX_HAS_DELTA) {
                double delta = options->negate ? -box->delta : box->delta;
                if (delta == 0)
                    delta = 0; /* perl negates integer 0 to 0, never -0 */
                if (delta > 0)
                    FRAME_LITERAL(writer, "; +");
                else
                    FRAME_LITERAL(writer, "; ");
                frame_fixed(writer, 100 * delta / (writer->time_max * options->factor), 2);
                FRAME_LITERAL(writer, "%");
            }
            FRAME_LITERAL(writer, ")");
        }
    }
    FRAME_LITERAL(writer, "</title>");

    char color_buffer[32];
    const char *color = frame_color(writer, box, name, length, color_buffer);

    char x1_text[64], x2_text[64];
    int x1_length = format_fixed(x1_text, x1, 1);
    format_fixed(x2_text, x2, 1);
    FRAME_LITERAL(writer, "<rect x=\"");
    frame_append(writer, x1_text, (size_t)x1_length);
    FRAME_LITERAL(writer, "\" y=\"");
    frame_number(writer, y1);
    FRAME_LITERAL(writer, "\" width=\"");
    frame_fixed(writer, parse_fixed(x2_text) - parse_fixed(x1_text), 1);
    FRAME_LITERAL(writer, "\" height=\"");
    frame_fixed(writer, y2 - y1, 1);
    FRAME_LITERAL(writer, "\" fill=\"");
    frame_attribute(writer, color);
    FRAME_LITERAL(writer, "\" rx=\"2\" ry=\"2\"/>\n<text x=\"");
    frame_fixed(writer, x1 + 3, 2);
    FRAME_LITERAL(writer, "\" y=\"");
    frame_number(writer, 3 + (y1 + y2) / 2);
    FRAME_LITERAL(writer, "\">");

    double room = (x2 - x1) / (options->font_size * options->font_width);
    if (room >= 3 && !is_root) {
        size_t characters = room > 1e9 ? (size_t)1e9 : (size_t)room;
        size_t count = escape_character_count(name, display_length, writer->utf8);
        if (characters >= count) {
            frame_escaped(writer, name, display_length, ESCAPE_TEXT);
        } else if (options->truncate_text_right) {
            size_t keep = escape_character_offset(name, display_length, characters - 2, writer->utf8);
            frame_escaped(writer, name, keep, ESCAPE_TEXT);
            FRAME_LITERAL(writer, "..");
        } else {
            size_t skip = escape_character_offset(name, display_length, count - characters + 2,
                                                  writer->utf8);
            FRAME_LITERAL(writer, "..");
            frame_escaped(writer, name + skip, display_length - skip, ESCAPE_TEXT);
        }
    }
    if (link)
        FRAME_LITERAL(writer, "</text>\n</a>\n");
    else
        FRAME_LITERAL(writer, "</text>\n</g>\n");
    if (writer->frame_length >= FRAME_BUFFER_FLUSH)
        frame_flush(writer);
}

/* ---- entry point ---- */

/* Flame chart by time: the writer's scale and the subtitle describing
 * the time axis ("x: time from T s of the input's clock over D; N threads"). */
static void describe_time_axis(struct writer *writer, const struct flame_layout *layout,
                               char *subtitle, size_t size)
{
    double span = layout->total;
    writer->timed = 1;
    writer->time_max = span;
    writer->width_per_time = (writer->options->width - 2 * writer->xpad) / span;
    writer->duration_unit = span < 1e-3 ? "ns" : "us";
    writer->duration_scale = span < 1e-3 ? 1e9 : 1e6;
    writer->offset_unit = span < 1e-6 ? "ns" : span < 1e-3 ? "us" : span < 1 ? "ms" : "s";
    writer->offset_scale = span < 1e-6 ? 1e9 : span < 1e-3 ? 1e6 : span < 1 ? 1e3 : 1;
    snprintf(subtitle, size, "x: time from %.6f s (input clock) over %.*f %s; %zu lane%s (one per "
             "thread)", layout->time_origin, writer->offset_scale == 1 ? 6 : 3,
             span * writer->offset_scale, writer->offset_unit, layout->lane_count,
             layout->lane_count == 1 ? "" : "s");
}

static int check_options(const struct svg_options *options, enum palette_kind *kind,
                         const char **background_first, const char **background_second)
{
    /* no --colors: hot, or hotcold for a profile with off-CPU stacks (svg_write) */
    if (palette_kind_from_name(options->colors ? options->colors : "hot", kind) < 0) {
        fprintf(stderr, "ember flamegraph: unknown palette '%s' (choose from: %s)\n",
                options->colors, palette_names());
        return -1;
    }
    const char *background = options->background_colors && *options->background_colors
                                 ? options->background_colors
                                 : palette_default_background(*kind);
    if (background_colors(background, background_first, background_second) < 0) {
        fprintf(stderr, "ember flamegraph: unrecognized background colour '%s' (yellow, blue, "
                        "green, grey or #rrggbb)\n", background);
        return -1;
    }
    if (options->encoding && !is_encoding_name(options->encoding)) {
        fprintf(stderr, "ember flamegraph: '%s' is not an encoding name\n", options->encoding);
        return -1;
    }
    if (!escape_is_safe_color(options->search_color) ||
        (options->stroke_color && !escape_is_safe_color(options->stroke_color))) {
        fprintf(stderr, "ember flamegraph: colours must be #rgb, #rrggbb, rgb(r,g,b) or a "
                        "colour name\n");
        return -1;
    }
    if (!(options->width > 0 && options->width < 1e7) ||
        !(options->frame_height > 0 && options->frame_height < 1e4) ||
        !(options->font_size > 0 && options->font_size < 1e4) || !(options->font_width > 0) ||
        !(options->min_width >= 0) || !isfinite(options->factor) || !(options->total >= 0)) {
        fprintf(stderr, "ember flamegraph: width, height, font size and font width must be "
                        "positive, minwidth and total not negative\n");
        return -1;
    }
    return 0;
}

static int is_utf8_encoding(const char *encoding)
{
    return !encoding || strcasecmp(encoding, "utf-8") == 0 || strcasecmp(encoding, "utf8") == 0;
}

int svg_write(FILE *file, const struct profile *source, const struct svg_options *options)
{
    enum palette_kind kind;
    const char *background_first, *background_second;
    if (check_options(options, &kind, &background_first, &background_second) < 0)
        return -1;

    struct writer writer = {
        .file = file,
        .options = options,
        .utf8 = is_utf8_encoding(options->encoding),
        .xpad = 10,
        .ypad1 = options->font_size * 3,
        .ypad2 = options->font_size * 2 + 10,
        .ypad3 = options->font_size * 2,
    };
    writer.palette.kind = kind;
    writer.palette.utf8 = writer.utf8;
    writer.palette.mode = options->hash ? PALETTE_BY_HASH
                          : options->random && !options->deterministic ? PALETTE_RANDOM
                                                                        : PALETTE_BY_NAME;
    unsigned long seed = options->random_seed;
    if (!seed)
        seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
    perl_random_seed(&writer.palette.random, (uint32_t)seed);

    struct profile *reversed = options->reverse ? profile_reverse(source) : NULL;
    const struct profile *profile = reversed ? reversed : source;
    writer.profile = profile;

    double time = options->sample_type < profile->sample_type_count
                      ? profile_grand_total(profile, options->sample_type)
                      : 0;
    if (time == 0) {
        fprintf(stderr, "ERROR: No stack counts found\n");
        writer.image_width = options->width;
        write_error_svg(&writer);
        if (reversed)
            profile_destroy(reversed);
        return -1;
    }

    if (!options->colors && offcpu_marker_present(profile))
        kind = writer.palette.kind = PALETTE_HOTCOLD;
    struct flame_layout_options layout_options = {
        .sample_type = options->sample_type,
        .before_type = profile->differential && options->sample_type == 0
                           ? profile_find_sample_type(profile, "before")
                           : -1,
        .flamechart = options->flamechart,
        .chain = kind == PALETTE_CHAIN,
        .hotcold = kind == PALETTE_HOTCOLD,
        .min_width_fraction = options->min_width_is_percent
                                  ? options->min_width / 100
                                  : options->min_width / (options->width - 2 * writer.xpad),
    };
    double time_max = options->total;
    if (time_max > 0 && time_max < time) {
        if (time_max / time > 0.02)
            fprintf(stderr, "Specified --total %.15g is less than actual total %.15g, so ignored\n",
                    time_max, time);
        time_max = 0;
    }
    if (!(time_max > 0))
        time_max = time;
    writer.time_max = time_max;
    writer.image_width = options->width;
    writer.width_per_time = (options->width - 2 * writer.xpad) / time_max;
    layout_options.min_width = options->min_width_is_percent
                                   ? time_max * options->min_width / 100
                                   : options->min_width / writer.width_per_time;

    struct flame_layout layout = {0};
    flame_layout_build(&layout, profile, &layout_options);
    struct svg_options chart_options;
    char chart_subtitle[200];
    if (layout.timed) {
        /* x is time: the span is the width; the subtitle says what x is */
        chart_options = *options;
        options = writer.options = &chart_options;
        describe_time_axis(&writer, &layout, chart_subtitle, sizeof chart_subtitle);
        if (!options->subtitle || !*options->subtitle)
            chart_options.subtitle = chart_subtitle;
    }
    writer.max_delta = layout.max_delta;
    writer.image_height = (layout.max_depth + 1) * options->frame_height + writer.ypad1 + writer.ypad2;
    if (options->subtitle && *options->subtitle)
        writer.image_height += writer.ypad3;

    struct palette_map palette_map;
    struct name_attribute_table name_attributes;
    int status = 0;
    if (options->palette_map) {
        palette_map_init(&palette_map);
        writer.palette_map = &palette_map;
        status = palette_map_read(&palette_map, options->palette_map);
    }
    if (options->name_attributes) {
        name_attribute_table_init(&name_attributes);
        writer.name_attributes = &name_attributes;
        if (status == 0)
            status = name_attribute_table_read(&name_attributes, options->name_attributes);
    }

    if (status == 0) {
        const char *title = options->title && *options->title ? options->title
                            : options->flamechart             ? "Flame Chart"
                            : options->inverted               ? "Icicle Graph"
                                                              : "Flame Graph";
        write_header(&writer, options->width, writer.image_height);
        write_style_and_chrome(&writer, background_first, background_second, title);
        writer.count_name_text = xmalloc(ESCAPE_MAXIMUM_GROWTH * strlen(options->count_name) + 1);
        writer.count_name_length = escape_into(writer.count_name_text, options->count_name,
                                               strlen(options->count_name), ESCAPE_TEXT,
                                               writer.utf8);
        for (size_t i = 0; i < layout.box_count; i++)
            write_frame(&writer, &layout.boxes[i]);
        frame_flush(&writer);
        put(&writer, "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n");
        put(&writer, svg_script);
        put(&writer, "]]></script>\n</svg>\n");
        if (ferror(file))
            status = -1;
    }
    if (status == 0 && writer.palette_map)
        status = palette_map_write(&palette_map, options->palette_map);

    if (writer.palette_map)
        palette_map_free(&palette_map);
    if (writer.name_attributes)
        name_attribute_table_free(&name_attributes);
    free(writer.scratch);
    free(writer.frame_bytes);
    free(writer.count_name_text);
    flame_layout_free(&layout);
    if (reversed)
        profile_destroy(reversed);
    return status;
}
