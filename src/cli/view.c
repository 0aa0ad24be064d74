/* view.c — `ember view FILE -o out.html`: read a profile in any format and
 * write the self-contained interactive HTML viewer (src/render/html.c).
 *
 * The command is load -> filter -> write (view_with): read_profile() loads,
 * the shared filter options (profile_filters.h) transform, write_view()
 * writes atomically. */
#include "commands.h"
#include "../formats/format.h"
#include "../render/html.h"
#include "../util/output.h"
#include "profile_filters.h"
#include "view_input.h"
#include "write_profile.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember view [OPTIONS] [INPUT] -o OUTPUT.html\n"
            "\n"
            "Writes one self-contained HTML file (no network access; opens from file://)\n"
            "holding INPUT's profile (\"-\" or nothing: standard input; any format ember\n"
            "reads, guessed from its content unless --format names it) and an interactive\n"
            "viewer: flame graph or icicle, zoom, tooltips, a table of functions, the\n"
            "sandwich view of one function's callers and callees, regex search, the\n"
            "red/blue differential view of `ember diff` output, a sample-type selector,\n"
            "palettes and, with --flamechart, the flame chart (by time when the input has times).\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE      where to write (required; \"-\" for standard output)\n"
            "  -f, --format NAME      input format instead of guessing\n"
            "  -t, --sample-type T    sample type shown first, by name or index\n"
            "                         (default: the profile's default type); the page\n"
            "                         can switch to any other\n"
            "      --title TEXT       the page's title (default \"Flame Graph\")\n"
            "      --flamechart       keep the samples' order and open the flame chart (x is time,\n"
            "                         a band per thread, when the input has times; else input\n"
            "                         order; stacks not merged)\n"
            "      --palette NAME     colours: hot (default; hotcold with [off-cpu] stacks), mem, io,\n"
            "                         package, hotcold\n"
            "  -h, --help             this text\n");
    profile_filter_options_usage(file);
}

enum {
    OPTION_TITLE = 256,
    OPTION_FLAMECHART,
    OPTION_PALETTE,
};

/* Reads path ("-" = standard input) into profile. Returns 0, or -1 after
 * printing why. */
static int read_profile(const char *path, const struct format *format, int keep_timeline,
                        struct profile *profile)
{
    struct input input;
    if (input_open(&input, path) < 0)
        return -1;
    struct read_options read_options = {.include_process_name = 1,
                                        .keep_timeline = keep_timeline};
    profile->keep_timeline = keep_timeline;
    struct read_statistics statistics = {0};
    int status = view_read_samples(&input, format, &read_options, "view", profile, &statistics);
    if (status == 0)
        view_report_skipped(&input, &statistics, "view");
    input_close(&input);
    if (status == 0 && profile->sample_type_count == 0)
        profile_add_sample_type(profile, "samples", "count");
    return status;
}

/* Writes the HTML atomically. Returns 0 or -1. */
static int write_view(const char *output_path, const struct profile *profile,
                      const struct html_options *options)
{
    struct output output;
    if (output_open(&output, output_path) < 0)
        return -1;
    if (html_write(output.file, profile, options) < 0) {
        output_abort(&output);
        return -1;
    }
    return output_commit(&output);
}

/* The body of `ember view` once the options are parsed: load -> filter ->
 * write. */
static int view_with(const char *input_path, const char *output_path, const struct format *format,
                     const char *sample_type_name, const struct profile_filter *filter,
                     struct html_options *options)
{
    const char *input_label = strcmp(input_path, "-") == 0 ? "<stdin>" : input_path;
    struct profile *profile = profile_create();
    int status = read_profile(input_path, format, options->flamechart, profile);
    if (status == 0) {
        long sample_type =
            profile_sample_type_or_report(profile, sample_type_name, "view", input_label);
        if (sample_type < 0)
            status = -1;
        else
            options->sample_type = (size_t)sample_type;
    }
    if (status == 0 && options->flamechart && profile->timeline_count == 0)
        fprintf(stderr, "ember view: %s: the input keeps no time order; the page shows the "
                        "merged flame graph only\n", input_label);
    if (status == 0)
        profile_filter_options_apply(filter, &profile, options->sample_type, "view");
    if (status == 0)
        status = write_view(output_path, profile, options);
    profile_destroy(profile);
    return status == 0 ? 0 : 1;
}

int command_view(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"sample-type", required_argument, NULL, 't'},
        {"title", required_argument, NULL, OPTION_TITLE},
        {"flamechart", no_argument, NULL, OPTION_FLAMECHART},
        {"palette", required_argument, NULL, OPTION_PALETTE},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct html_options options;
    html_options_init(&options);
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    const char *output_path = NULL, *format_name = NULL, *sample_type_name = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "o:f:t:h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg, "view");
        if (filter_taken < 0)
            return 2;
        if (filter_taken > 0)
            continue;
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'f': format_name = optarg; break;
        case 't': sample_type_name = optarg; break;
        case OPTION_TITLE: options.title = optarg; break;
        case OPTION_FLAMECHART: options.flamechart = 1; break;
        case OPTION_PALETTE: options.palette = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!output_path || optind < argc - 1) {
        fprintf(stderr, "ember view: need at most one INPUT and -o OUTPUT.html\n");
        usage(stderr);
        return 2;
    }
    if (!html_palette_is_known(options.palette)) {
        fprintf(stderr, "ember view: --palette %s: unknown palette (hot, mem, io, package, hotcold)\n",
                options.palette);
        return 2;
    }
    const struct format *format;
    if (view_format_by_name(format_name, "view", &format) != 0)
        return 2;
    struct profile_filter *filter = NULL;
    if (profile_filter_options_compile(&filter_options, "view", &filter) < 0)
        return 2;
    int exit_code = view_with(optind < argc ? argv[optind] : "-", output_path, format,
                              sample_type_name, filter, &options);
    profile_filter_destroy(filter);
    return exit_code;
}
