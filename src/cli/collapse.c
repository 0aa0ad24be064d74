/* collapse.c — `ember collapse`: folds `perf script` output into folded
 * stacks, a drop-in for stackcollapse-perf.pl (same flags, same output).
 *
 * Every FILE (or standard input) is read into one Profile with the
 * perf-script reader (or the format --format names), then the profile is
 * written with the folded writer, sorted as the perl sorts its hash keys.
 * Nothing is printed unless every input was read without error.
 */
#include "commands.h"
#include "profile_filters.h"
#include "write_profile.h"
#include "../formats/folded.h"
#include "../formats/format.h"
#include "../formats/perf_data.h"
#include "../formats/perf_script.h"
#include "../util/memory.h"
#include "../util/output.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember collapse [OPTIONS] [FILE...]\n"
            "\n"
            "Folds `perf script` output (from FILEs, read one after the other, or standard\n"
            "input) into folded stacks \"process;root;...;leaf COUNT\", one line per distinct\n"
            "stack, sorted; COUNT sums the samples' periods (1 when perf printed none).\n"
            "A drop-in for FlameGraph's stackcollapse-perf.pl: same options, same output.\n"
            "Options may also be written with one dash (-pid), as Perl's Getopt allows.\n"
            "\n"
            "Options:\n"
            "  --pid                 root frame is \"comm-PID\" instead of \"comm\"\n"
            "  --tid                 root frame is \"comm-PID/TID\"\n"
            "  --kernel              append _[k] to kernel frames (module [...] or *vmlinux)\n"
            "  --jit                 append _[j] to JIT frames (module /tmp/perf-PID.map)\n"
            "  --all                 both --kernel and --jit\n"
            "  --addrs               unknown frames show their address: \"[module <addr>]\"\n"
            "  --inline              expand inlined functions of user-space frames from the\n"
            "                        binaries' DWARF debug info (in-process, via libdw)\n"
            "  --context             with --inline, append \":file:line\" to those frames\n"
            "  --event-filter=EVENT  keep only samples of EVENT (may repeat: any of them);\n"
            "                        default: the first event type in the input\n"
            "  --format NAME         read FILEs as format NAME instead of perf script, e.g.\n"
            "                        \"folded\" to re-sort and merge folded stacks\n"
            "  --sample-type TYPE    with --format: the sample type to write, by name or index\n"
            "                        (default: the profile's default type, e.g. cpu for Go)\n"
            "  --label-frames KEY    with --format pprof: sample label KEY becomes a root\n"
            "                        frame \"KEY=value\" (may repeat)\n"
            "  -h, --help            this text\n");
    profile_filter_options_usage(file);
    fprintf(file,
            "\n"
            "Formats:\n");
    format_list(file);
    fprintf(file,
            "\n"
            "Example:\n"
            "  perf record -F 999 -g -- ./program && perf script | ember collapse > out.folded\n");
}

enum option_code {
    OPTION_PID = 256,
    OPTION_TID,
    OPTION_KERNEL,
    OPTION_JIT,
    OPTION_ALL,
    OPTION_ADDRS,
    OPTION_INLINE,
    OPTION_CONTEXT,
    OPTION_EVENT_FILTER,
    OPTION_FORMAT,
    OPTION_SAMPLE_TYPE,
    OPTION_LABEL_FRAMES,
};

int command_collapse(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"pid", no_argument, NULL, OPTION_PID},
        {"tid", no_argument, NULL, OPTION_TID},
        {"kernel", no_argument, NULL, OPTION_KERNEL},
        {"jit", no_argument, NULL, OPTION_JIT},
        {"all", no_argument, NULL, OPTION_ALL},
        {"addrs", no_argument, NULL, OPTION_ADDRS},
        {"inline", no_argument, NULL, OPTION_INLINE},
        {"context", no_argument, NULL, OPTION_CONTEXT},
        {"event-filter", required_argument, NULL, OPTION_EVENT_FILTER},
        {"format", required_argument, NULL, OPTION_FORMAT},
        {"sample-type", required_argument, NULL, OPTION_SAMPLE_TYPE},
        {"label-frames", required_argument, NULL, OPTION_LABEL_FRAMES},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct read_options options = {.include_process_name = 1};
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    const char **event_filters = xcalloc((size_t)argc + 1, sizeof *event_filters);
    const char **label_frame_keys = xcalloc((size_t)argc + 1, sizeof *label_frame_keys);
    const char *format_name = NULL, *sample_type_name = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long_only(argc, argv, "h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg,
                                                        "collapse");
        if (filter_taken > 0)
            continue;
        if (filter_taken < 0)
            option = '?';
        switch (option) {
        case OPTION_PID: options.include_pid = 1; break;
        case OPTION_TID: options.include_tid = 1; break;
        case OPTION_KERNEL: options.annotate_kernel = 1; break;
        case OPTION_JIT: options.annotate_jit = 1; break;
        case OPTION_ALL: options.annotate_kernel = options.annotate_jit = 1; break;
        case OPTION_ADDRS: options.include_addresses = 1; break;
        case OPTION_INLINE: options.inline_frames = 1; break;
        case OPTION_CONTEXT: options.inline_context = 1; break;
        case OPTION_EVENT_FILTER: event_filters[options.event_filter_count++] = optarg; break;
        case OPTION_FORMAT: format_name = optarg; break;
        case OPTION_SAMPLE_TYPE: sample_type_name = optarg; break;
        case OPTION_LABEL_FRAMES:
            label_frame_keys[options.label_frame_key_count++] = optarg;
            break;
        case 'h':
            usage(stdout);
            free(event_filters);
            free(label_frame_keys);
            return 0;
        default:
            fprintf(stderr, "ember collapse: see `ember collapse --help`\n");
            free(event_filters);
            free(label_frame_keys);
            return 2;
        }
    }
    options.event_filters = event_filters;
    options.label_frame_keys = label_frame_keys;
    const struct format *format = &perf_script_format;
    if (format_name) {
        format = format_by_name(format_name);
        if (!format || !format->read) {
            fprintf(stderr, "ember collapse: --format %s: no such readable format; known:\n",
                    format_name);
            format_list(stderr);
            free(event_filters);
            free(label_frame_keys);
            return 2;
        }
    }

    struct profile_filter *filter = NULL;
    if (profile_filter_options_compile(&filter_options, "collapse", &filter) < 0) {
        free(event_filters);
        free(label_frame_keys);
        return 2;
    }
    struct profile *profile = profile_create();
    struct read_statistics statistics = {0};
    int status = 0;
    int file_count = argc - optind;
    for (int i = 0; i < (file_count > 0 ? file_count : 1) && status == 0; i++) {
        const char *path = file_count > 0 ? argv[optind + i] : "-";
        struct input input;
        if (input_open(&input, path) < 0) {
            status = -1;
            break;
        }
        input.any_id_order = 1; /* the output is sorted by name: ids may come in any order */
        const char *head;
        if (!format_name) /* perf.data itself (PERFILE2), else perf script text */
            format = input_peek(&input, 8, &head) >= 8 && perf_data_format.probe(head, 8)
                         ? &perf_data_format
                         : &perf_script_format;
        uint64_t skipped_before = statistics.skipped_lines;
        status = format_read_input(&input, format, profile, &options, &statistics);
        /* The perf script reader warns about its own skipped lines. */
        if (status == 0 && format != &perf_script_format &&
            statistics.skipped_lines > skipped_before)
            fprintf(stderr, "ember: %s: ignored %llu lines that are not %s\n", input_name(&input),
                    (unsigned long long)(statistics.skipped_lines - skipped_before),
                    format->name);
        input_close(&input);
    }
    if (status == 0 && statistics.samples == 0) {
        const char *name = file_count == 1 ? argv[optind] : file_count == 0 ? "<stdin>" : NULL;
        fprintf(stderr, "ember: %s%s", name ? name : "", name ? ": " : "");
        if (statistics.filtered_samples > 0)
            fprintf(stderr, "no samples left: all %llu were of other events than the one kept "
                            "(see --event-filter)\n",
                    (unsigned long long)statistics.filtered_samples);
        else
            fprintf(stderr, "no samples found in %llu lines (only comments, blank lines or "
                            "samples cut short)\n",
                    (unsigned long long)statistics.lines);
        status = -1;
    }
    long sample_type = status == 0 ? profile_sample_type_or_report(
                                         profile, sample_type_name, "collapse",
                                         file_count == 1 ? argv[optind] : "input")
                                   : -1;
    if (sample_type < 0)
        status = -1;
    if (status == 0)
        profile_filter_options_apply(filter, &profile, (size_t)sample_type, "collapse");
    if (status == 0) {
        struct output output;
        if (output_open(&output, "-") < 0) {
            status = -1;
        } else {
            struct write_options write_options = {.sample_type = (size_t)sample_type};
            status = folded_format.write(output.file, profile, &write_options);
            if (status == 0)
                status = output_commit(&output);
            else
                output_abort(&output);
        }
    }
    profile_destroy(profile);
    profile_filter_destroy(filter);
    free(event_filters);
    free(label_frame_keys);
    return status == 0 ? 0 : 1;
}
