/* convert.c — `ember convert IN -o OUT`: read any format, write the one
 * that OUT's extension names (.svg or a format's extension, e.g. .folded). */
#include "commands.h"
#include "../util/memory.h"
#include "../formats/format.h"
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
            "usage: ember convert [--format NAME] [--sample-type TYPE] INPUT -o OUTPUT\n"
            "\n"
            "Reads INPUT (\"-\" for standard input) in any format ember reads, guessing the\n"
            "format from its content unless --format names it, and writes OUTPUT in the\n"
            "format its extension names:\n"
            "  .svg               interactive flame graph (as `ember flamegraph`)\n");
    format_list(file);
    fprintf(file,
            "\n"
            "Options:\n"
            "  -o, --output FILE    where to write (required); written atomically\n"
            "  -f, --format NAME    input format instead of guessing\n"
            "  -t, --sample-type T  sample type to draw or write, by name (e.g. alloc_space)\n"
            "                       or index; default: the profile's default type\n"
            "  -l, --label-frames KEY  sample label KEY becomes a root frame \"KEY=value\"\n"
            "                       (pprof; may repeat)\n"
            "  -h, --help           this text\n");
    profile_filter_options_usage(file);
}

static int convert_with(int argc, char **argv, const char *output_path, const char *format_name,
                        const char *sample_type_name, const char **label_frame_keys,
                        size_t label_frame_key_count, const struct profile_filter *filter);

int command_convert(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"sample-type", required_argument, NULL, 't'},
        {"label-frames", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    const char *output_path = NULL, *format_name = NULL;
    const char *sample_type_name = NULL;
    const char **label_frame_keys = xcalloc((size_t)argc + 1, sizeof *label_frame_keys);
    size_t label_frame_key_count = 0;
    int option, exit_code = -1;
    optind = 1;
    while (exit_code < 0 &&
           (option = getopt_long(argc, argv, "o:f:t:l:h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg, "convert");
        if (filter_taken != 0) {
            if (filter_taken < 0)
                exit_code = 2;
            continue;
        }
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'f': format_name = optarg; break;
        case 't': sample_type_name = optarg; break;
        case 'l': label_frame_keys[label_frame_key_count++] = optarg; break;
        case 'h': usage(stdout); exit_code = 0; break;
        default: usage(stderr); exit_code = 2; break;
        }
    }
    struct profile_filter *filter = NULL;
    if (exit_code < 0 && profile_filter_options_compile(&filter_options, "convert", &filter) < 0)
        exit_code = 2;
    if (exit_code < 0)
        exit_code = convert_with(argc, argv, output_path, format_name, sample_type_name,
                                 label_frame_keys, label_frame_key_count, filter);
    profile_filter_destroy(filter);
    free(label_frame_keys);
    return exit_code;
}

/* The body of `ember convert` once the options are parsed. */
static int convert_with(int argc, char **argv, const char *output_path, const char *format_name,
                        const char *sample_type_name, const char **label_frame_keys,
                        size_t label_frame_key_count, const struct profile_filter *filter)
{
    if (optind != argc - 1 || !output_path) {
        fprintf(stderr, "ember convert: need exactly one INPUT and -o OUTPUT\n");
        usage(stderr);
        return 2;
    }
    const struct format *input_format;
    if (view_format_by_name(format_name, "convert", &input_format) != 0)
        return 2;
    struct profile_destination destination;
    if (profile_destination_for_path(&destination, output_path, "convert") < 0)
        return 2;

    const char *input_label = strcmp(argv[optind], "-") == 0 ? "<stdin>" : argv[optind];
    struct input input;
    if (input_open(&input, argv[optind]) < 0)
        return 1;
    struct profile *profile = profile_create();
    struct read_options read_options = {.include_process_name = 1,
                                        .label_frame_keys = label_frame_keys,
                                        .label_frame_key_count = label_frame_key_count};
    struct read_statistics statistics = {0};
    int status =
        view_read_samples(&input, input_format, &read_options, "convert", profile, &statistics);
    long sample_type = status == 0 ? profile_sample_type_or_report(profile, sample_type_name,
                                                                   "convert", input_label)
                                   : -1;
    if (sample_type < 0)
        status = -1;
    if (status == 0)
        view_report_skipped(&input, &statistics, "convert");
    input_close(&input);
    if (status == 0)
        profile_filter_options_apply(filter, &profile, (size_t)sample_type, "convert");
    if (status == 0)
        status = profile_destination_write(&destination, profile, (size_t)sample_type, NULL);
    profile_destroy(profile);
    return status == 0 ? 0 : 1;
}
