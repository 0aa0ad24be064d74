/* profile_filters.c — parsing, help and application of the filter options
 * every profile-reading command shares; see profile_filters.h. */
#include "profile_filters.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The options' names, indexed by enum filter_pattern. */
static const char *const pattern_option_names[FILTER_PATTERN_COUNT] = {
    [FILTER_FOCUS] = "--focus",
    [FILTER_IGNORE] = "--ignore",
    [FILTER_HIDE] = "--hide",
    [FILTER_SHOW] = "--show",
    [FILTER_PRUNE_FROM] = "--prune-from",
};

void profile_filter_options_init(struct profile_filter_options *options)
{
    memset(options, 0, sizeof *options);
}

static int parse_pattern(struct profile_filter_options *options, enum filter_pattern which,
                         const char *argument, const char *command)
{
    if (options->spec.patterns[which]) {
        fprintf(stderr, "ember %s: %s given twice; combine the expressions with '|'\n", command,
                pattern_option_names[which]);
        return -1;
    }
    options->spec.patterns[which] = argument;
    return 1;
}

static int parse_min_percent(struct profile_filter_options *options, const char *argument,
                             const char *command)
{
    char *end;
    errno = 0;
    double value = strtod(argument, &end);
    if (end != argument && *end == '%')
        end++;
    if (errno || end == argument || *end || !isfinite(value) || value <= 0 || value > 100) {
        fprintf(stderr, "ember %s: --min-percent '%s': expected a percentage above 0, "
                        "at most 100 (e.g. 0.5)\n", command, argument);
        return -1;
    }
    options->spec.min_percent = value;
    return 1;
}

static int parse_max_depth(struct profile_filter_options *options, const char *argument,
                           const char *command)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(argument, &end, 10);
    if (errno || end == argument || *end || argument[0] == '-' || value == 0 ||
        value > UINT32_MAX) {
        fprintf(stderr, "ember %s: --max-depth '%s': expected a whole number of frames, "
                        "1 or more\n", command, argument);
        return -1;
    }
    options->spec.max_depth = value;
    return 1;
}

int profile_filter_options_parse(struct profile_filter_options *options, int code,
                                 const char *argument, const char *command)
{
    int taken;
    switch (code) {
    case FILTER_OPTION_FOCUS: taken = parse_pattern(options, FILTER_FOCUS, argument, command); break;
    case FILTER_OPTION_IGNORE: taken = parse_pattern(options, FILTER_IGNORE, argument, command); break;
    case FILTER_OPTION_HIDE: taken = parse_pattern(options, FILTER_HIDE, argument, command); break;
    case FILTER_OPTION_SHOW: taken = parse_pattern(options, FILTER_SHOW, argument, command); break;
    case FILTER_OPTION_PRUNE_FROM:
        taken = parse_pattern(options, FILTER_PRUNE_FROM, argument, command);
        break;
    case FILTER_OPTION_MIN_PERCENT: taken = parse_min_percent(options, argument, command); break;
    case FILTER_OPTION_MAX_DEPTH: taken = parse_max_depth(options, argument, command); break;
    case FILTER_OPTION_MERGE_RECURSION: options->spec.merge_recursion = 1; taken = 1; break;
    case FILTER_OPTION_NO_PIDS: options->spec.strip_roots = FILTER_STRIP_PIDS; taken = 1; break;
    case FILTER_OPTION_NO_TIDS:
        /* --no-pids strips more; it wins whatever the order. */
        if (options->spec.strip_roots != FILTER_STRIP_PIDS)
            options->spec.strip_roots = FILTER_STRIP_TIDS;
        taken = 1;
        break;
    case FILTER_OPTION_INVERT: options->spec.invert = 1; taken = 1; break;
    default: return 0;
    }
    if (taken == 1)
        options->given = 1;
    return taken;
}

void profile_filter_options_usage(FILE *file)
{
    fprintf(file,
            "\n"
            "Filters (pprof's meaning; RE is a PCRE2 regex searched in each frame's name and\n"
            "file, so anchor it with ^...$ for whole names; see FILTERS in ember(1)):\n"
            "  --focus RE         keep only stacks with a frame matching RE\n"
            "  --ignore RE        drop stacks with a frame matching RE\n"
            "  --hide RE          remove frames matching RE from every stack\n"
            "  --show RE          keep only frames matching RE in every stack\n"
            "  --prune-from RE    cut each stack below its deepest frame matching RE (name)\n"
            "  --merge-recursion  one frame for each run of frames with the same name\n"
            "  --no-pids          root frames \"comm-PID\" / \"comm-PID/TID\" become \"comm\"\n"
            "  --no-tids          root frames \"comm-PID/TID\" become \"comm-PID\"\n"
            "  --invert           callers view: stacks reversed, leaf functions at the root\n"
            "  --max-depth N      cut stacks below N frames (their values go to frame N)\n"
            "  --min-percent P    under each parent, children below P%% of the total merge\n"
            "                     into one \"other\" node (Pyroscope's)\n"
            "Applied in that order: --focus/--ignore see the names --no-pids/--no-tids left.\n");
}

int profile_filter_options_compile(const struct profile_filter_options *options,
                                   const char *command, struct profile_filter **filter)
{
    *filter = NULL;
    if (!options->given)
        return 0;
    struct profile_filter_error error;
    *filter = profile_filter_create(&options->spec, &error);
    if (*filter)
        return 0;
    fprintf(stderr, "ember %s: %s '%s': not a valid regular expression: %s (at offset %zu)\n",
            command, pattern_option_names[error.pattern], options->spec.patterns[error.pattern],
            error.message, error.offset);
    return -1;
}

void profile_filter_options_apply_all(const struct profile_filter *filter,
                                      struct profile **profiles, const size_t *sample_types,
                                      size_t count, const char *command)
{
    if (!filter)
        return;
    int matched[FILTER_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < count; i++) {
        struct profile_filter_report report;
        struct profile *filtered =
            profile_filter_apply(filter, profiles[i], sample_types[i], &report);
        for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
            matched[which] |= report.matched[which];
        profile_destroy(profiles[i]);
        profiles[i] = filtered;
    }
    for (int which = 0; which < FILTER_PATTERN_COUNT; which++)
        if (!matched[which] && profile_filter_has_pattern(filter, (enum filter_pattern)which))
            fprintf(stderr, "ember %s: warning: %s matched no stack\n", command,
                    pattern_option_names[which]);
}

void profile_filter_options_apply(const struct profile_filter *filter, struct profile **profile,
                                  size_t sample_type, const char *command)
{
    profile_filter_options_apply_all(filter, profile, &sample_type, 1, command);
}
