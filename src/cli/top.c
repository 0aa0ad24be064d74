/* top.c — `ember top FILE`: the functions that cost most, as a table.
 *
 * A cProfile / pstats file prints Python's own pstats table (what
 * `pstats.Stats(FILE).sort_stats(KEY).print_stats(N)` prints); any other
 * profile prints `go tool pprof -top`'s report (text_top.h): read, then
 * filtered (profile_filters.h), then rendered. Filters need the flat table:
 * a pstats file given filter options is refused.
 */
#include "commands.h"
#include "../formats/format.h"
#include "../formats/pstats.h"
#include "../render/text_top.h"
#include "view_input.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember top [-n N] [--sort KEY[,KEY...]] [--unit UNIT] [--node-fraction F]\n"
            "                 [--format NAME] [--sample-type TYPE] FILE\n"
            "\n"
            "Prints the functions of a profile as a table.\n"
            "\n"
            "For a cProfile / pstats file (python -m cProfile -o FILE) the table is the one\n"
            "Python's pstats prints: ncalls (total/primitive when they differ), tottime,\n"
            "percall, cumtime, percall, filename:lineno(function), sorted by pstats keys:\n  ");
    pstats_sort_list(file);
    fprintf(file,
            "\n(unique prefixes work too; default: cumulative).\n"
            "\n"
            "For any other profile, the report `go tool pprof -top` prints: flat (the\n"
            "function's own cost), flat%%, sum%% (running total of flat%%), cum (the stacks\n"
            "it is on, each counted once however deep it recurses), cum%% and the name,\n"
            "for one sample type, values in units (ms, s, kB, MB, ...), sorted by flat\n"
            "(default), cum or name. Functions whose cum is below --node-fraction of the\n"
            "total are dropped, as pprof does (\"Dropped N nodes\").\n"
            "\n"
            "Options:\n"
            "  -n, --limit N        show the first N functions only (pprof's -nodecount;\n"
            "      --nodecount N    for the flat table 0 means all; default: all)\n"
            "  -s, --sort KEYS      sort order: flat, cum or name; pstats keys for pstats\n"
            "  -u, --unit UNIT      units of the values: minimum (default: one unit for the\n"
            "                       table), auto (each value its own), or a unit: ns, us,\n"
            "                       ms, s, hrs, B, kB, MB, GB, TB, PB\n"
            "      --node-fraction F  drop functions whose cum is below F of the total\n"
            "                       (default 0.005, as pprof; 0 keeps all)\n"
            "  -f, --format NAME    input format instead of guessing\n"
            "  -t, --sample-type T  sample type of the flat table (name or index)\n"
            "  -h, --help           this text\n");
    profile_filter_options_usage(file);
}

/* pstats' first line for a file: time.ctime(mtime) + "    " + path. */
static void file_header(const char *path, char *buffer, size_t size)
{
    struct stat status;
    if (stat(path, &status) < 0) {
        snprintf(buffer, size, "%s", path);
        return;
    }
    time_t modified = status.st_mtime;
    struct tm local;
    char date[64];
    if (!localtime_r(&modified, &local) || !strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y",
                                                      &local)) {
        snprintf(buffer, size, "%s", path);
        return;
    }
    snprintf(buffer, size, "%s    %s", date, path);
}

static int top_pstats(struct input *input, const char *path, const char *sort_keys, long limit)
{
    struct pstats_sort sort;
    char bad_key[64];
    if (pstats_sort_parse(sort_keys ? sort_keys : "cumulative", &sort, bad_key,
                          sizeof bad_key) < 0) {
        fprintf(stderr, "ember top: unknown or ambiguous pstats sort key '%s'; valid: ", bad_key);
        pstats_sort_list(stderr);
        fputc('\n', stderr);
        return 2;
    }
    struct pstats stats;
    if (pstats_load(&stats, input) < 0)
        return 1;
    char header[4200];
    int from_file = strcmp(path, "-") != 0;
    if (from_file)
        file_header(path, header, sizeof header);
    int status = text_top_pstats(stdout, &stats, &sort, limit, from_file ? header : NULL);
    pstats_free(&stats);
    if (fflush(stdout) != 0 || status < 0) {
        fprintf(stderr, "ember top: writing the table failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* load -> render for every profile but pstats files. */
static int top_profile(struct input *input, const struct format *format,
                       const char *sample_type_name, const struct profile_filter *filter,
                       const struct text_top_options *options)
{
    size_t sample_type;
    struct profile *profile =
        view_profile_read(input, format, sample_type_name, filter, "top", &sample_type);
    if (!profile)
        return 1;
    int status = 0;
    if (text_top_profile(stdout, profile, sample_type, options) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "ember top: writing the table failed: %s\n", strerror(errno));
        status = 1;
    }
    profile_destroy(profile);
    return status;
}

/* Parses a whole number >= 0 for --limit. */
static int parse_limit(const char *text, long *limit)
{
    char *end;
    errno = 0;
    *limit = strtol(text, &end, 10);
    if (errno || *text == '\0' || *end != '\0' || *limit < 0) {
        fprintf(stderr, "ember top: --limit wants a whole number >= 0, not '%s'\n", text);
        return -1;
    }
    return 0;
}

/* Parses a fraction in [0, 1] for --node-fraction. */
static int parse_fraction(const char *text, double *fraction)
{
    char *end;
    errno = 0;
    *fraction = strtod(text, &end);
    if (errno || *text == '\0' || *end != '\0' || !(*fraction >= 0 && *fraction <= 1)) {
        fprintf(stderr, "ember top: --node-fraction wants a number from 0 to 1, not '%s'\n",
                text);
        return -1;
    }
    return 0;
}

int command_top(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"sort", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"nodecount", required_argument, NULL, 'n'},
        {"node-fraction", required_argument, NULL, 'F'},
        VIEW_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sort_keys = NULL;
    struct view_options view;
    view_options_init(&view);
    struct text_top_options options = {FLAT_SORT_FLAT, 0, 0.005, NULL};
    long limit = -1;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "s:n:" VIEW_SHORT_OPTIONS "h", long_options, NULL)) !=
           -1) {
        int taken = view_options_parse(&view, option, optarg, "top");
        if (taken < 0)
            return 2;
        if (taken > 0)
            continue;
        switch (option) {
        case 's': sort_keys = optarg; break;
        case 'n':
            if (parse_limit(optarg, &limit) < 0)
                return 2;
            break;
        case 'F':
            if (parse_fraction(optarg, &options.node_fraction) < 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "ember top: need exactly one FILE\n");
        usage(stderr);
        return 2;
    }
    const struct format *format;
    struct profile_filter *filter;
    if (view_options_finish(&view, "top", &format, &filter) != 0)
        return 2;
    options.unit = view.unit;
    const char *path = argv[optind];
    struct input input;
    if (input_open(&input, path) < 0) {
        profile_filter_destroy(filter);
        return 1;
    }
    input.any_id_order = 1; /* rows are ordered by value, then name: ids may come in any order */
    if (!format) {
        const char *head;
        if (input_peek(&input, 1, &head) == 0 && !input.failed) {
            fprintf(stderr, "ember: %s: empty input, no profile to read\n", input_name(&input));
            input_close(&input);
            profile_filter_destroy(filter);
            return 1;
        }
        format = format_guess(&input);
    }
    int status;
    if (format == &pstats_format && filter) {
        fprintf(stderr, "ember top: %s: filter options apply to the flat table, not to pstats' "
                        "table of a cProfile file; use `ember tree` or `ember peek` on it\n",
                input_name(&input));
        status = 2;
    } else if (format == &pstats_format) {
        status = top_pstats(&input, path, sort_keys, limit);
    } else if (sort_keys && flat_sort_parse(sort_keys, &options.sort) < 0) {
        fprintf(stderr, "ember top: unknown sort key '%s'; valid: flat, cum, name\n", sort_keys);
        status = 2;
    } else {
        options.limit = limit;
        status = top_profile(&input, format, view.sample_type_name, filter, &options);
    }
    input_close(&input);
    profile_filter_destroy(filter);
    return status;
}
