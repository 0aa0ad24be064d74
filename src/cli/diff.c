/* diff.c — `ember diff BEFORE AFTER`: difffolded.pl's two-count folded
 * output (same lines, stacks sorted), or the differential flame graph
 * drawn from it (-o x.svg), for two profiles of any format ember reads
 * (pprof's -diff_base on any input). The work is model/diff.c's; this file
 * reads the two inputs (on two threads), picks the sample types and
 * writes. */
#include "commands.h"
#include "flamegraph.h"
#include "profile_filters.h"
#include "view_input.h"
#include "write_profile.h"
#include "../formats/format.h"
#include "../model/diff.h"
#include "../render/svg.h"
#include "../util/input.h"
#include "../util/output.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
        "usage: ember diff [OPTIONS] BEFORE AFTER [-o OUTPUT]\n"
        "\n"
        "Compares two profiles, as difffolded.pl does: writes every stack of either with\n"
        "its two counts, \"stack COUNT_BEFORE COUNT_AFTER\" (0 where a stack is absent),\n"
        "sorted by stack. BEFORE and AFTER may be folded stacks or any format ember reads\n"
        "(pprof, perf script, pstats, austin, ...; guessed from the content): a profile's\n"
        "stacks are then its folded form for one sample type, like pprof -diff_base.\n"
        "\n"
        "  -o, --output FILE  write there (atomically); the extension chooses: .svg draws\n"
        "                     the differential flame graph (the shape of AFTER, red where\n"
        "                     a frame grew, blue where it shrank), .folded the two-count\n"
        "                     lines, .html the interactive viewer in diff mode, other\n"
        "                     writers' extensions (.pb.gz, ...) keep both counts as two\n"
        "                     sample types (default: folded lines on standard output)\n"
        "  -n, --normalize    scale BEFORE's counts so that their total is AFTER's\n"
        "                     (difffolded.pl -n: int(count * after / before))\n"
        "  -s, --strip-hex    replace hex numbers 0x[0-9a-fA-F]+ in names by \"0x...\"\n"
        "                     (difffolded.pl -s), merging stacks that become equal\n"
        "  --negate           the shape of BEFORE instead: the same as difffolded.pl\n"
        "                     AFTER BEFORE | flamegraph.pl --negate (the columns are\n"
        "                     swapped, -n scales AFTER; red still means it grew)\n"
        "  -f, --format NAME  read both inputs as NAME instead of guessing\n"
        "  -t, --sample-type T  sample type compared, by name or index (default: AFTER's\n"
        "                     default); BEFORE's is the type with the same name and unit\n"
        "  --help             this text\n"
        "\n"
        "Drawing options of `ember flamegraph` apply to .svg (and --title to .html):\n"
        "--title, --subtitle, --width, --height, --minwidth, --colors, --countname,\n"
        "--inverted, --reverse, --fonttype, --fontsize, ... (`ember flamegraph --help`).\n"
        "The graph's subtitle says whether and how BEFORE was normalized.\n");
    profile_filter_options_usage(file);
    fprintf(file,
        "In `ember diff` the filters apply to BEFORE and AFTER alike before they are\n"
        "compared, except --min-percent: it groups the compared profile's small nodes\n"
        "(by the totals of the shape drawn).\n"
        "\n"
        "Examples:\n"
        "  ember diff before.folded after.folded > diff.folded\n"
        "  ember diff -n before.folded after.folded -o diff.svg\n"
        "  ember diff base.pb.gz new.pb.gz -o diff.svg\n");
}

enum option_id {
    OPTION_NORMALIZE = 1000, OPTION_STRIP_HEX, OPTION_FORMAT, OPTION_SAMPLE_TYPE, OPTION_HELP,
};

/* One input, read on its own thread. */
struct read_job {
    const char *path;
    const struct format *format; /* NULL: guess (folded when nothing matches) */
    struct profile *profile;
    struct read_statistics statistics;
    int used_folded;
    int status;
};

static void *read_job_run(void *pointer)
{
    struct read_job *job = pointer;
    struct input input;
    job->status = -1;
    if (input_open(&input, job->path) < 0)
        return NULL;
    input.any_id_order = 1;
    const char *head;
    if (input_peek(&input, 1, &head) == 0) {
        /* An empty file is a profile with no stacks, as for difffolded.pl. */
        job->status = input.failed ? -1 : 0;
    } else {
        const struct format *folded = format_by_name("folded");
        const struct format *format = job->format ? job->format : format_guess(&input);
        if (!format || !format->read)
            format = folded;
        job->used_folded = format == folded;
        struct read_options read_options = {.include_process_name = 1};
        job->status = format->read(&input, job->profile, &read_options, &job->statistics);
    }
    input_close(&input);
    if (job->profile->sample_type_count == 0)
        profile_add_sample_type(job->profile, "samples", "count");
    return NULL;
}

/* Reads both inputs, the first on a second thread. Returns 0 or -1. */
static int read_both(struct read_job *first, struct read_job *second)
{
    pthread_t thread;
    int threaded = pthread_create(&thread, NULL, read_job_run, first) == 0;
    if (!threaded)
        read_job_run(first);
    read_job_run(second);
    if (threaded)
        pthread_join(thread, NULL);
    int status = first->status < 0 || second->status < 0 ? -1 : 0;
    for (struct read_job *job = first; job; job = job == first ? second : NULL)
        if (job->status == 0 && job->used_folded && job->statistics.skipped_lines)
            fprintf(stderr, "ember diff: %s: ignored %llu lines that are not folded stacks\n",
                    job->path, (unsigned long long)job->statistics.skipped_lines);
    return status;
}

/* BEFORE's sample type matching AFTER's: same name and unit, else the name
 * asked for, else the only type when both have one. -1 after a message. */
static long matching_sample_type(const struct profile *before, const char *before_label,
                                 const struct profile *after, size_t after_type,
                                 const char *asked)
{
    const struct sample_type *wanted = &after->sample_types[after_type];
    const char *type = profile_string(after, wanted->type);
    const char *unit = profile_string(after, wanted->unit);
    for (size_t i = 0; i < before->sample_type_count; i++)
        if (strcmp(profile_string(before, before->sample_types[i].type), type) == 0 &&
            strcmp(profile_string(before, before->sample_types[i].unit), unit) == 0)
            return (long)i;
    if (asked) {
        long named = profile_resolve_sample_type(before, asked);
        if (named >= 0)
            return named;
    }
    if (before->sample_type_count == 1 && after->sample_type_count == 1)
        return 0;
    fprintf(stderr, "ember diff: %s: no sample type %s (%s) to compare with AFTER's; it has:",
            before_label, type, unit);
    for (size_t i = 0; i < before->sample_type_count; i++)
        fprintf(stderr, " %s (%s)", profile_string(before, before->sample_types[i].type),
                profile_string(before, before->sample_types[i].unit));
    fprintf(stderr, "\n");
    return -1;
}

/* The subtitle line: the user's, then how the counts were normalized. */
static void describe_normalization(char *buffer, size_t size, const char *user_subtitle,
                                   const struct diff *diff, int asked, int negate,
                                   const char *count_name)
{
    const char *scaled = negate ? "after" : "before";
    const char *target = negate ? "before" : "after";
    char first[64], second[64];
    format_count(first, sizeof first, diff->before_total);
    format_count(second, sizeof second, diff->after_total);
    char text[512];
    if (diff->normalized)
        snprintf(text, sizeof text, "normalized: %s scaled \u00d7%.4g to %s's total (%s \u2192 %s %s)",
                 scaled, diff->scale, target, first, second, count_name);
    else if (asked)
        snprintf(text, sizeof text, "normalized: totals already equal (%s %s)", second,
                 count_name);
    else
        snprintf(text, sizeof text, "not normalized: %s %s %s, %s %s %s", scaled, first,
                 count_name, target, second, count_name);
    if (user_subtitle && *user_subtitle)
        snprintf(buffer, size, "%s (%s)", user_subtitle, text);
    else
        snprintf(buffer, size, "%s", text);
}

/* The filters as two: every option but --min-percent for each input, and
 * --min-percent alone for the compared profile (grouping each input's
 * small nodes on its own totals would compare different "other" nodes).
 * Returns 0, or -1 after printing a bad regex. */
static int compile_filters(const struct profile_filter_options *given,
                           struct profile_filter **each_input, struct profile_filter **compared)
{
    struct profile_filter_options inputs = *given, shape;
    inputs.spec.min_percent = 0;
    inputs.given = 0;
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        if (inputs.spec.patterns[which])
            inputs.given = 1;
    if (inputs.spec.strip_roots || inputs.spec.merge_recursion || inputs.spec.invert ||
        inputs.spec.max_depth)
        inputs.given = 1;
    profile_filter_options_init(&shape);
    shape.spec.min_percent = given->spec.min_percent;
    shape.given = given->spec.min_percent > 0;
    *compared = NULL;
    if (profile_filter_options_compile(&inputs, "diff", each_input) < 0)
        return -1;
    return profile_filter_options_compile(&shape, "diff", compared);
}

/* --min-percent on the compared profile: the profile is rebuilt, and the
 * printed stacks become its nodes with a count in either input. */
static void group_small_nodes(struct diff *diff, const struct profile_filter *filter)
{
    if (!filter)
        return;
    profile_filter_options_apply(filter, &diff->profile, 0, "diff");
    const struct profile *profile = diff->profile;
    free(diff->stacks);
    diff->stacks = malloc(profile->node_count * sizeof *diff->stacks);
    diff->stack_count = 0;
    for (uint32_t node = 0; diff->stacks && node < profile->node_count; node++)
        if (profile_self_value(profile, node, 0) != 0 ||
            profile_self_value(profile, node, diff->before_type) != 0)
            diff->stacks[diff->stack_count++] = node;
}

static int write_folded(const char *path, const struct diff *diff)
{
    struct output output;
    if (output_open(&output, path) < 0)
        return -1;
    if (diff_write_folded(output.file, diff) < 0) {
        fprintf(stderr, "ember diff: %s: write error\n", output_name(&output));
        output_abort(&output);
        return -1;
    }
    return output_commit(&output);
}

int command_diff(int argc, char **argv)
{
    static const struct option command_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"normalize", no_argument, NULL, OPTION_NORMALIZE},
        {"strip-hex", no_argument, NULL, OPTION_STRIP_HEX},
        {"format", required_argument, NULL, OPTION_FORMAT},
        {"sample-type", required_argument, NULL, OPTION_SAMPLE_TYPE},
        {"help", no_argument, NULL, OPTION_HELP},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct option long_options[96];
    flamegraph_join_options(long_options, sizeof long_options / sizeof long_options[0],
                            command_options);
    struct svg_options svg, defaults;
    svg_options_init(&svg);
    svg_options_init(&defaults);
    struct diff_options diff_options = {0};
    const char *output_path = NULL, *format_name = NULL, *sample_type_name = NULL;
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    int option;
    optind = 1;
    while ((option = getopt_long_only(argc, argv, "o:nsf:t:h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg, "diff");
        if (filter_taken < 0)
            return 2;
        if (filter_taken > 0)
            continue;
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'n':
        case OPTION_NORMALIZE: diff_options.normalize = 1; break;
        case 's':
        case OPTION_STRIP_HEX: diff_options.strip_hex = 1; break;
        case 'f':
        case OPTION_FORMAT: format_name = optarg; break;
        case 't':
        case OPTION_SAMPLE_TYPE: sample_type_name = optarg; break;
        case 'h':
        case OPTION_HELP: usage(stdout); return 0;
        default: {
            int handled = flamegraph_drawing_option(option, optarg, &svg);
            if (handled < 0)
                return 2;
            if (handled > 0) {
                usage(stderr);
                return 2;
            }
        }
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "ember diff: wants two profiles, BEFORE and AFTER (got %d)\n",
                argc - optind);
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0) {
        fprintf(stderr, "ember diff: BEFORE and AFTER cannot both be standard input\n");
        return 2;
    }
    const struct format *format;
    if (view_format_by_name(format_name, "diff", &format) != 0)
        return 2;
    /* Choose the output before reading anything: a bad -o costs nothing. */
    struct profile_destination destination = {.path = "-", .format = format_by_name("folded")};
    if (output_path && strcmp(output_path, "-") != 0 &&
        profile_destination_for_path(&destination, output_path, "diff") < 0)
        return 2;
    int folded_output = destination.format && strcmp(destination.format->name, "folded") == 0;
    struct profile_filter *input_filter = NULL, *compared_filter = NULL;
    if (compile_filters(&filter_options, &input_filter, &compared_filter) < 0) {
        profile_filter_destroy(input_filter);
        return 2;
    }

    const char *before_path = argv[optind], *after_path = argv[optind + 1];
    struct read_job before = {.path = before_path, .format = format, .profile = profile_create()};
    struct read_job after = {.path = after_path, .format = format, .profile = profile_create()};
    int status = read_both(&before, &after);
    long after_type = -1, before_type = -1;
    if (status == 0)
        after_type = profile_sample_type_or_report(after.profile, sample_type_name, "diff",
                                                   after_path);
    if (after_type >= 0)
        before_type = matching_sample_type(before.profile, before_path, after.profile,
                                           (size_t)after_type, sample_type_name);
    if (before_type < 0) {
        profile_destroy(before.profile);
        profile_destroy(after.profile);
        profile_filter_destroy(input_filter);
        profile_filter_destroy(compared_filter);
        return 1;
    }
    struct profile *inputs[2] = {before.profile, after.profile};
    size_t input_types[2] = {(size_t)before_type, (size_t)after_type};
    profile_filter_options_apply_all(input_filter, inputs, input_types, 2, "diff");
    before.profile = inputs[0];
    after.profile = inputs[1];
    profile_filter_destroy(input_filter);

    /* --negate: the shape of BEFORE, i.e. difffolded.pl AFTER BEFORE. */
    struct read_job *first = svg.negate ? &after : &before;
    struct read_job *second = svg.negate ? &before : &after;
    size_t first_type = (size_t)(svg.negate ? after_type : before_type);
    size_t second_type = (size_t)(svg.negate ? before_type : after_type);
    diff_options.before_zero_leaves = first->used_folded;
    diff_options.after_zero_leaves = second->used_folded;
    struct diff diff;
    /* The shape's profile is handed over: a folded one becomes the result. */
    enum diff_status built = diff_build_consuming(&diff, first->profile, first_type,
                                                  second->profile, second_type, &diff_options);
    second->profile = NULL;
    profile_destroy(before.profile);
    profile_destroy(after.profile);
    if (built == DIFF_OK)
        group_small_nodes(&diff, compared_filter);
    profile_filter_destroy(compared_filter);
    if (built == DIFF_NOTHING_TO_SCALE) {
        fprintf(stderr, "ember diff: --normalize: %s has no samples to scale to %s's total\n",
                first->path, second->path);
        return 1;
    }

    if (folded_output) {
        status = write_folded(destination.path, &diff);
    } else {
        if (svg.count_name == defaults.count_name)
            profile_label_counts(&svg, diff.profile, 0);
        char subtitle[1024];
        describe_normalization(subtitle, sizeof subtitle, svg.subtitle, &diff,
                               diff_options.normalize, svg.negate, svg.count_name);
        svg.subtitle = subtitle;
        status = profile_destination_write(&destination, diff.profile, 0, &svg);
    }
    diff_free(&diff);
    return status < 0 ? 1 : 0;
}
