/* top.c — `ember top FILE`: the functions that cost most, as a table.
 *
 * A cProfile / pstats file prints Python's own pstats table (what
 * `pstats.Stats(FILE).sort_stats(KEY).print_stats(N)` prints); any other
 * profile prints a flat/cumulative table per function like `pprof -top`.
 */
#include "commands.h"
#include "../formats/format.h"
#include "../formats/pstats.h"
#include "../render/text_top.h"

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
            "usage: ember top [--sort KEY[,KEY...]] [--limit N] [--format NAME]\n"
            "                 [--sample-type TYPE] FILE\n"
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
            "For any other profile: flat, flat%%, sum%%, cum, cum%% per function of one\n"
            "sample type, sorted by flat (default), cum or name.\n"
            "\n"
            "Options:\n"
            "  -s, --sort KEYS      sort order, comma-separated keys\n"
            "  -n, --limit N        print the first N functions only (default: all)\n"
            "  -f, --format NAME    input format instead of guessing\n"
            "  -t, --sample-type T  sample type of the flat table (name or index)\n"
            "  -h, --help           this text\n");
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

static int top_profile(struct input *input, const struct format *format, const char *sort_key,
                       const char *sample_type_name, long limit)
{
    enum flat_sort_key sort = FLAT_SORT_FLAT;
    if (sort_key && flat_sort_parse(sort_key, &sort) < 0) {
        fprintf(stderr, "ember top: unknown sort key '%s'; valid: flat, cum, name\n", sort_key);
        return 2;
    }
    struct profile *profile = profile_create();
    struct read_options options = {.include_process_name = 1};
    struct read_statistics statistics = {0};
    int status = format_read_input(input, format, profile, &options, &statistics) == 0 ? 0 : 1;
    if (status == 0 && statistics.samples == 0) {
        fprintf(stderr, "ember top: %s: no samples found\n", input_name(input));
        status = 1;
    }
    long type = status == 0 ? profile_resolve_sample_type(profile, sample_type_name) : -1;
    if (status == 0 && type < 0) {
        fprintf(stderr, "ember top: %s: no sample type '%s'; the profile has:", input_name(input),
                sample_type_name ? sample_type_name : "(default)");
        for (size_t i = 0; i < profile->sample_type_count; i++)
            fprintf(stderr, " %s", profile_string(profile, profile->sample_types[i].type));
        fputc('\n', stderr);
        status = 1;
    }
    if (status == 0 && (text_top_profile(stdout, profile, (size_t)type, sort, limit) < 0 ||
                        fflush(stdout) != 0)) {
        fprintf(stderr, "ember top: writing the table failed: %s\n", strerror(errno));
        status = 1;
    }
    profile_destroy(profile);
    return status;
}

int command_top(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"sort", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"sample-type", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sort_keys = NULL, *format_name = NULL, *sample_type_name = NULL;
    long limit = -1;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "s:n:f:t:h", long_options, NULL)) != -1) {
        switch (option) {
        case 's': sort_keys = optarg; break;
        case 'n': {
            char *end;
            errno = 0;
            limit = strtol(optarg, &end, 10);
            if (errno || *optarg == '\0' || *end != '\0' || limit < 0) {
                fprintf(stderr, "ember top: --limit wants a whole number >= 0, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        }
        case 'f': format_name = optarg; break;
        case 't': sample_type_name = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "ember top: need exactly one FILE\n");
        usage(stderr);
        return 2;
    }
    const struct format *format = NULL;
    if (format_name && !(format = format_by_name(format_name))) {
        fprintf(stderr, "ember top: unknown format '%s'\n", format_name);
        return 2;
    }
    const char *path = argv[optind];
    struct input input;
    if (input_open(&input, path) < 0)
        return 1;
    if (!format) {
        const char *head;
        if (input_peek(&input, 1, &head) == 0 && !input.failed) {
            fprintf(stderr, "ember: %s: empty input, no profile to read\n", input_name(&input));
            input_close(&input);
            return 1;
        }
        format = format_guess(&input);
    }
    int status = format == &pstats_format
                     ? top_pstats(&input, path, sort_keys, limit)
                     : top_profile(&input, format, sort_keys, sample_type_name, limit);
    input_close(&input);
    return status;
}
