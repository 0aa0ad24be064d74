/* flamegraph.c — `ember flamegraph`: folded stacks in, interactive SVG out;
 * a drop-in for flamegraph.pl (same options, single or double dash, same
 * input, same drawing), plus inferno's --deterministic, --search-color,
 * --stroke-color and --truncate-text-right. */
#include "commands.h"
#include "flamegraph.h"
#include "profile_filters.h"
#include "write_profile.h"
#include "../formats/format.h"
#include "../render/svg.h"
#include "../util/input.h"
#include "../util/output.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
        "usage: ember flamegraph [OPTIONS] [FILE...] > graph.svg\n"
        "\n"
        "Draws folded stacks (\"a;b;c 42\", as `ember collapse` or stackcollapse-*.pl write\n"
        "them; \"a;b;c 10 42\" for a differential graph) as an interactive SVG flame graph,\n"
        "the way flamegraph.pl does. Reads the FILEs one after the other, or standard\n"
        "input. Options take one or two dashes (-title X, --title=X).\n"
        "\n"
        "  --title TEXT       title (default \"Flame Graph\", \"Icicle Graph\" or \"Flame Chart\")\n"
        "  --subtitle TEXT    second title line (default none)\n"
        "  --width NUM        image width in pixels (default 1200)\n"
        "  --height NUM       height of each frame in pixels (default 16)\n"
        "  --minwidth NUM     omit frames narrower than NUM pixels, or NUM%% of all samples\n"
        "                     with a trailing %% (default 0.1)\n"
        "  --fonttype FONT    font family (default Verdana)\n"
        "  --fontsize NUM     font size (default 12)\n"
        "  --fontwidth NUM    average character width relative to the font size (default 0.59)\n"
        "  --countname TEXT   what the counts are (default \"samples\")\n"
        "  --nametype TEXT    label before a frame's details (default \"Function:\")\n"
        "  --colors PALETTE   hot (default; hotcold when stacks start with [off-cpu]), mem, io,\n"
        "                     wakeup, chain, java, js, perl, python, rust, red, green, blue,\n"
        "                     aqua, yellow, purple, orange, hotcold\n"
        "  --bgcolors COLOR   background: yellow, blue, green, grey gradient or #rrggbb\n"
        "                     (default from the palette)\n"
        "  --hash             colours keyed by a hash of the function name\n"
        "  --random           random colours (seeded from the clock)\n"
        "  --deterministic    colours from the name only (the default; output is identical\n"
        "                     between runs; overrides --random)\n"
        "  --cp               consistent palette: reuse and update ./palette.map\n"
        "  --reverse          reverse every stack (rooted at the leaf functions)\n"
        "  --inverted         icicle graph (root at the top)\n"
        "  --flamechart       flame chart, no sorting: x is time when the input has times (one\n"
        "                     band per thread, idle time as gaps), else input order\n"
        "  --negate           swap differential colours (red = fewer, blue = more)\n"
        "  --factor NUM       multiply counts by NUM in the tooltips (default 1)\n"
        "  --total NUM        draw as if the counts summed to NUM (ignored if smaller)\n"
        "  --notes TEXT       text for the notes comment in the SVG\n"
        "  --nameattr FILE    per-function attributes: NAME<TAB>key=value<TAB>... with keys\n"
        "                     title, href, target, id, class, g_extra, a_extra\n"
        "  --encoding NAME    declare this XML encoding (names are then written as given)\n"
        "  --search-color C   highlight colour of search matches (default rgb(230,0,230))\n"
        "  --stroke-color C   outline colour of frames (default none)\n"
        "  --truncate-text-right  shorten long names on the right, \"long_na..\" (default)\n"
        "  --truncate-text-left   shorten long names on the left, \"..ng_name\"\n"
        "  -o, --output FILE  write there (atomically) instead of standard output\n"
        "  --format NAME      read the input as NAME (see `ember help`) instead of folded;\n"
        "                     other formats (pprof, perf script, ...) are also recognised\n"
        "                     from their content\n"
        "  --sample-type T    sample type to draw, by name or index (default: the\n"
        "                     profile's default, e.g. cpu for a Go CPU profile)\n"
        "  --help             this text\n");
    profile_filter_options_usage(file);
    fprintf(file,
        "\n"
        "In the SVG: click a frame to zoom, \"Reset Zoom\" to go back, Ctrl-F or F3 to\n"
        "search with a regular expression, Ctrl-I to toggle case sensitivity.\n"
        "Example: perf script | ember collapse | ember flamegraph --title=\"My app\" > app.svg\n");
}

enum option_id {
    OPTION_TITLE = 256, OPTION_SUBTITLE, OPTION_WIDTH, OPTION_HEIGHT, OPTION_MINWIDTH,
    OPTION_FONTTYPE, OPTION_FONTSIZE, OPTION_FONTWIDTH, OPTION_COUNTNAME, OPTION_NAMETYPE,
    OPTION_COLORS, OPTION_BGCOLORS, OPTION_HASH, OPTION_RANDOM, OPTION_DETERMINISTIC,
    OPTION_CP, OPTION_REVERSE, OPTION_INVERTED, OPTION_FLAMECHART, OPTION_NEGATE,
    OPTION_FACTOR, OPTION_TOTAL, OPTION_NOTES, OPTION_NAMEATTR, OPTION_ENCODING,
    OPTION_SEARCH_COLOR, OPTION_STROKE_COLOR, OPTION_TRUNCATE_RIGHT, OPTION_TRUNCATE_LEFT,
    OPTION_FORMAT, OPTION_SAMPLE_TYPE, OPTION_HELP,
};

static int parse_number(const char *name, const char *text, double *value)
{
    char *end;
    *value = strtod(text, &end);
    if (end == text || *end || !isfinite(*value)) {
        fprintf(stderr, "ember flamegraph: --%s wants a number, got '%s'\n", name, text);
        return -1;
    }
    return 0;
}

/* flamegraph.pl's /^([0-9.]+)%?$/ */
static int parse_min_width(const char *text, struct svg_options *options)
{
    size_t length = strspn(text, "0123456789.");
    int percent = text[length] == '%' && text[length + 1] == '\0';
    if (length == 0 || (text[length] && !percent)) {
        fprintf(stderr, "ember flamegraph: value '%s' is invalid for minwidth, expected a float "
                        "(pixels) or a percentage like 0.5%%\n", text);
        return -1;
    }
    options->min_width = strtod(text, NULL);
    options->min_width_is_percent = percent;
    return 0;
}

/* Reads one input into profile: folded stacks unless --format names another
 * format or the content is recognised as one (pprof, perf script, ...).
 * An empty file is simply no lines, as for flamegraph.pl. Sets *used_folded
 * when the folded reader was used. */
static int read_input(const char *path, const struct format *format, struct profile *profile,
                      const struct read_options *read_options,
                      struct read_statistics *statistics, int *used_folded)
{
    struct input input;
    if (input_open(&input, path) < 0)
        return -1;
    input.any_id_order = !read_options->keep_timeline; /* flame charts need input order */
    const char *head;
    int status = 0;
    if (input_peek(&input, 1, &head) == 0) {
        status = input.failed ? -1 : 0;
    } else {
        const struct format *folded = format_by_name("folded");
        if (!format)
            format = format_guess(&input);
        if (!format || !format->read)
            format = folded;
        if (format == folded)
            *used_folded = 1;
        status = format->read(&input, profile, read_options, statistics);
    }
    input_close(&input);
    return status;
}

/* The drawing options: what shapes the SVG, not what is read or where it
 * goes. `ember diff` takes them too (flamegraph.h). */
static const struct option drawing_long_options[] = {
    {"title", required_argument, NULL, OPTION_TITLE},
    {"subtitle", required_argument, NULL, OPTION_SUBTITLE},
    {"width", required_argument, NULL, OPTION_WIDTH},
    {"height", required_argument, NULL, OPTION_HEIGHT},
    {"minwidth", required_argument, NULL, OPTION_MINWIDTH},
    {"fonttype", required_argument, NULL, OPTION_FONTTYPE},
    {"fontsize", required_argument, NULL, OPTION_FONTSIZE},
    {"fontwidth", required_argument, NULL, OPTION_FONTWIDTH},
    {"countname", required_argument, NULL, OPTION_COUNTNAME},
    {"nametype", required_argument, NULL, OPTION_NAMETYPE},
    {"colors", required_argument, NULL, OPTION_COLORS},
    {"colours", required_argument, NULL, OPTION_COLORS},
    {"bgcolors", required_argument, NULL, OPTION_BGCOLORS},
    {"hash", no_argument, NULL, OPTION_HASH},
    {"random", no_argument, NULL, OPTION_RANDOM},
    {"deterministic", no_argument, NULL, OPTION_DETERMINISTIC},
    {"cp", no_argument, NULL, OPTION_CP},
    {"reverse", no_argument, NULL, OPTION_REVERSE},
    {"inverted", no_argument, NULL, OPTION_INVERTED},
    {"negate", no_argument, NULL, OPTION_NEGATE},
    {"factor", required_argument, NULL, OPTION_FACTOR},
    {"total", required_argument, NULL, OPTION_TOTAL},
    {"notes", required_argument, NULL, OPTION_NOTES},
    {"nameattr", required_argument, NULL, OPTION_NAMEATTR},
    {"encoding", required_argument, NULL, OPTION_ENCODING},
    {"search-color", required_argument, NULL, OPTION_SEARCH_COLOR},
    {"stroke-color", required_argument, NULL, OPTION_STROKE_COLOR},
    {"truncate-text-right", no_argument, NULL, OPTION_TRUNCATE_RIGHT},
    {"truncate-text-left", no_argument, NULL, OPTION_TRUNCATE_LEFT},
};
enum { DRAWING_OPTION_COUNT = sizeof drawing_long_options / sizeof drawing_long_options[0] };

size_t flamegraph_join_options(struct option *joined, size_t capacity, const struct option *own)
{
    size_t count = 0;
    for (size_t i = 0; i < DRAWING_OPTION_COUNT && count + 1 < capacity; i++)
        joined[count++] = drawing_long_options[i];
    for (size_t i = 0; own[i].name && count + 1 < capacity; i++)
        joined[count++] = own[i];
    joined[count] = (struct option){NULL, 0, NULL, 0};
    return count;
}

int flamegraph_drawing_option(int option, const char *value, struct svg_options *options)
{
    double number;
    switch (option) {
    case OPTION_TITLE: options->title = value; break;
    case OPTION_SUBTITLE: options->subtitle = value; break;
    case OPTION_WIDTH: return parse_number("width", value, &options->width);
    case OPTION_HEIGHT: return parse_number("height", value, &options->frame_height);
    case OPTION_MINWIDTH: return parse_min_width(value, options);
    case OPTION_FONTTYPE: options->font_type = value; break;
    case OPTION_FONTSIZE: return parse_number("fontsize", value, &options->font_size);
    case OPTION_FONTWIDTH: return parse_number("fontwidth", value, &options->font_width);
    case OPTION_COUNTNAME: options->count_name = value; break;
    case OPTION_NAMETYPE: options->name_type = value; break;
    case OPTION_COLORS: options->colors = value; break;
    case OPTION_BGCOLORS: options->background_colors = value; break;
    case OPTION_HASH: options->hash = 1; break;
    case OPTION_RANDOM: options->random = 1; break;
    case OPTION_DETERMINISTIC: options->deterministic = 1; break;
    case OPTION_CP: options->palette_map = "palette.map"; break;
    case OPTION_REVERSE: options->reverse = 1; break;
    case OPTION_INVERTED: options->inverted = 1; break;
    case OPTION_NEGATE: options->negate = 1; break;
    case OPTION_FACTOR: return parse_number("factor", value, &options->factor);
    case OPTION_TOTAL:
        if (parse_number("total", value, &number) < 0)
            return -1;
        options->total = number;
        break;
    case OPTION_NOTES: options->notes = value; break;
    case OPTION_NAMEATTR: options->name_attributes = value; break;
    case OPTION_ENCODING: options->encoding = value; break;
    case OPTION_SEARCH_COLOR: options->search_color = value; break;
    case OPTION_STROKE_COLOR: options->stroke_color = value; break;
    case OPTION_TRUNCATE_RIGHT: options->truncate_text_right = 1; break;
    case OPTION_TRUNCATE_LEFT: options->truncate_text_right = 0; break;
    default: return 1;
    }
    return 0;
}

int command_flamegraph(int argc, char **argv)
{
    static const struct option command_options[] = {
        {"flamechart", no_argument, NULL, OPTION_FLAMECHART},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPTION_FORMAT},
        {"sample-type", required_argument, NULL, OPTION_SAMPLE_TYPE},
        {"help", no_argument, NULL, OPTION_HELP},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct option long_options[DRAWING_OPTION_COUNT + 32];
    flamegraph_join_options(long_options, sizeof long_options / sizeof long_options[0],
                            command_options);
    struct svg_options options;
    svg_options_init(&options);
    const char *output_path = NULL, *format_name = NULL, *sample_type_name = NULL;
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    int option, count_name_given = 0;
    optind = 1;
    while ((option = getopt_long_only(argc, argv, "o:", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg,
                                                        "flamegraph");
        if (filter_taken < 0)
            return 2;
        if (filter_taken > 0)
            continue;
        switch (option) {
        case OPTION_FLAMECHART: options.flamechart = 1; break;
        case 'o': output_path = optarg; break;
        case OPTION_FORMAT: format_name = optarg; break;
        case OPTION_SAMPLE_TYPE: sample_type_name = optarg; break;
        case OPTION_HELP: usage(stdout); return 0;
        default: {
            int handled = flamegraph_drawing_option(option, optarg, &options);
            if (handled < 0)
                return 2;
            if (handled > 0) {
                usage(stderr);
                return 2;
            }
            if (option == OPTION_COUNTNAME)
                count_name_given = 1;
        }
        }
    }

    const struct format *format = NULL;
    if (format_name && (!(format = format_by_name(format_name)) || !format->read)) {
        fprintf(stderr, "ember flamegraph: --format %s: no such readable format; known:\n",
                format_name);
        format_list(stderr);
        return 2;
    }
    struct profile_filter *filter = NULL;
    if (profile_filter_options_compile(&filter_options, "flamegraph", &filter) < 0)
        return 2;
    struct profile *profile = profile_create();
    struct read_options read_options = {.keep_timeline = options.flamechart,
                                        .include_process_name = 1};
    profile->keep_timeline = options.flamechart;
    struct read_statistics statistics = {0};
    int status = 0, used_folded = 0;
    if (optind == argc) {
        status = read_input("-", format, profile, &read_options, &statistics, &used_folded);
    } else {
        for (int i = optind; i < argc && status == 0; i++)
            status = read_input(argv[i], format, profile, &read_options, &statistics,
                                &used_folded);
    }
    if (status < 0) {
        profile_destroy(profile);
        profile_filter_destroy(filter);
        return 1;
    }
    if (profile->sample_type_count == 0)
        profile_add_sample_type(profile, "samples", "count");
    long sample_type = profile_resolve_sample_type(profile, sample_type_name);
    if (sample_type < 0) {
        fprintf(stderr, "ember flamegraph: no sample type '%s'; the profile has:",
                sample_type_name ? sample_type_name : "(default)");
        for (size_t i = 0; i < profile->sample_type_count; i++)
            fprintf(stderr, " %s", profile_string(profile, profile->sample_types[i].type));
        fprintf(stderr, "\n");
        profile_destroy(profile);
        profile_filter_destroy(filter);
        return 1;
    }
    options.sample_type = (size_t)sample_type;
    profile_filter_options_apply(filter, &profile, options.sample_type, "flamegraph");
    profile_filter_destroy(filter);
    if (!count_name_given && !used_folded)
        profile_label_counts(&options, profile, options.sample_type);

    double total = profile_grand_total(profile, options.sample_type);
    if (strcmp(options.count_name, "samples") == 0 && total < 100)
        fprintf(stderr, "Stack count is low (%.15g). Did something go wrong?\n", total);
    /* flamegraph.pl counts every line it cannot parse, blank ones included. */
    uint64_t ignored = used_folded && statistics.lines >= statistics.samples
                           ? statistics.lines - statistics.samples
                           : statistics.skipped_lines;
    if (ignored)
        fprintf(stderr, "Ignored %llu lines with invalid format\n", (unsigned long long)ignored);

    struct output output;
    if (output_open(&output, output_path) < 0) {
        profile_destroy(profile);
        return 1;
    }
    status = svg_write(output.file, profile, &options);
    int empty = total == 0;
    if (status == 0 || empty) {
        /* No samples: keep flamegraph.pl's error SVG, but still fail. */
        if (output_commit(&output) < 0)
            status = -1;
    } else {
        output_abort(&output);
    }
    profile_destroy(profile);
    return status == 0 ? 0 : 1;
}
