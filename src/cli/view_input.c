/* view_input.c — reading the profile a text view shows; see view_input.h. */
#include "view_input.h"
#include "write_profile.h"
#include "../render/units.h"

#include <stdio.h>

int view_format_by_name(const char *name, const char *command, const struct format **format)
{
    *format = NULL;
    if (name && !(*format = format_by_name(name))) {
        fprintf(stderr, "ember %s: unknown format '%s'; `ember help` lists them\n", command, name);
        return 2;
    }
    return 0;
}

struct profile *view_profile_read(struct input *input, const struct format *format,
                                  const char *sample_type_name, const char *command,
                                  size_t *sample_type)
{
    struct profile *profile = profile_create();
    struct read_options options = {.include_process_name = 1};
    struct read_statistics statistics = {0};
    if (format_read_input(input, format, profile, &options, &statistics) < 0) {
        profile_destroy(profile);
        return NULL;
    }
    if (statistics.samples == 0) {
        fprintf(stderr, "ember %s: %s: no samples found (%llu lines read, %llu malformed)\n",
                command, input_name(input), (unsigned long long)statistics.lines,
                (unsigned long long)statistics.skipped_lines);
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
    return profile;
}

struct profile *view_profile_load(const char *path, const struct format *format,
                                  const char *sample_type_name, const char *command,
                                  size_t *sample_type)
{
    struct input input;
    if (input_open(&input, path) < 0)
        return NULL;
    struct profile *profile =
        view_profile_read(&input, format, sample_type_name, command, sample_type);
    input_close(&input);
    return profile;
}

int view_check_unit(const char *unit, const char *command)
{
    if (units_known(unit))
        return 0;
    fprintf(stderr,
            "ember %s: --unit '%s' is not a unit; use minimum, auto, a time unit (ns, us, ms, "
            "s, hrs), a size unit (B, kB, MB, GB, TB, PB) or count\n",
            command, unit);
    return 2;
}
