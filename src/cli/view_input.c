/* view_input.c — reading the profile a command shows, the text views'
 * options; see view_input.h. */
#include "view_input.h"
#include "write_profile.h"
#include "../render/units.h"

#include <stdio.h>

int view_format_by_name(const char *name, const char *command, const struct format **format)
{
    *format = NULL;
    if (name && (!(*format = format_by_name(name)) || !(*format)->read)) {
        fprintf(stderr, "ember %s: --format %s: no such readable format; known:\n", command, name);
        format_list(stderr);
        return 2;
    }
    return 0;
}

int view_read_samples(struct input *input, const struct format *format,
                      const struct read_options *options, const char *command,
                      struct profile *profile, struct read_statistics *statistics)
{
    if (format_read_input(input, format, profile, options, statistics) < 0)
        return -1;
    if (statistics->samples == 0) {
        fprintf(stderr, "ember %s: %s: no samples found (%llu lines read, %llu malformed)\n",
                command, input_name(input), (unsigned long long)statistics->lines,
                (unsigned long long)statistics->skipped_lines);
        return -1;
    }
    return 0;
}

void view_report_skipped(const struct input *input, const struct read_statistics *statistics,
                         const char *command)
{
    if (statistics->skipped_lines)
        fprintf(stderr, "ember %s: %s: ignored %llu lines with invalid format\n", command,
                input_name(input), (unsigned long long)statistics->skipped_lines);
}

/* ---- the text views ---- */

void view_options_init(struct view_options *options)
{
    options->unit = "minimum";
    options->format_name = NULL;
    options->sample_type_name = NULL;
    profile_filter_options_init(&options->filters);
}

int view_options_parse(struct view_options *options, int code, const char *argument,
                       const char *command)
{
    switch (code) {
    case 'u':
        if (!units_known(argument)) {
            fprintf(stderr,
                    "ember %s: --unit '%s' is not a unit; use minimum, auto, a time unit (ns, "
                    "us, ms, s, hrs), a size unit (B, kB, MB, GB, TB, PB) or count\n",
                    command, argument);
            return -1;
        }
        options->unit = argument;
        return 1;
    case 'f': options->format_name = argument; return 1;
    case 't': options->sample_type_name = argument; return 1;
    default: return profile_filter_options_parse(&options->filters, code, argument, command);
    }
}

int view_options_finish(const struct view_options *options, const char *command,
                        const struct format **format, struct profile_filter **filter)
{
    *filter = NULL;
    if (view_format_by_name(options->format_name, command, format) != 0)
        return 2;
    if (profile_filter_options_compile(&options->filters, command, filter) < 0)
        return 2;
    return 0;
}

struct profile *view_profile_read(struct input *input, const struct format *format,
                                  const char *sample_type_name,
                                  const struct profile_filter *filter, const char *command,
                                  size_t *sample_type)
{
    struct profile *profile = profile_create();
    struct read_options options = {.include_process_name = 1};
    struct read_statistics statistics = {0};
    if (view_read_samples(input, format, &options, command, profile, &statistics) < 0) {
        profile_destroy(profile);
        return NULL;
    }
    long type = profile_sample_type_or_report(profile, sample_type_name, command,
                                              input_name(input));
    if (type < 0) {
        profile_destroy(profile);
        return NULL;
    }
    *sample_type = (size_t)type;
    profile_filter_options_apply(filter, &profile, *sample_type, command);
    return profile;
}

struct profile *view_profile_load(const char *path, const struct format *format,
                                  const char *sample_type_name,
                                  const struct profile_filter *filter, const char *command,
                                  size_t *sample_type)
{
    struct input input;
    if (input_open(&input, path) < 0)
        return NULL;
    struct profile *profile =
        view_profile_read(&input, format, sample_type_name, filter, command, sample_type);
    input_close(&input);
    return profile;
}
