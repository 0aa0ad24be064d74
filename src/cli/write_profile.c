/* write_profile.c — output chosen by extension, sample type resolution and
 * atomic writing, shared by `ember convert` and `ember fetch`; see
 * write_profile.h. */
#include "write_profile.h"
#include "../render/html.h"
#include "../util/output.h"

#include <stdio.h>
#include <string.h>

static int has_suffix(const char *string, const char *suffix)
{
    size_t length = strlen(string), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(string + length - suffix_length, suffix) == 0;
}

int profile_destination_for_path(struct profile_destination *destination, const char *path,
                                 const char *command)
{
    destination->path = path;
    destination->svg = has_suffix(path, ".svg");
    destination->html = has_suffix(path, ".html") || has_suffix(path, ".htm");
    destination->format = destination->svg || destination->html ? NULL
                                                                : format_for_output_path(path);
    if (destination->svg || destination->html || destination->format)
        return 0;
    fprintf(stderr, "ember %s: %s: cannot tell the output format from the extension "
                    "(.svg, .html, or a writer's extension as `ember %s --help` lists)\n",
            command, path, command);
    return -1;
}

long profile_sample_type_or_report(const struct profile *profile, const char *name,
                                   const char *command, const char *label)
{
    long sample_type = profile_resolve_sample_type(profile, name);
    if (sample_type >= 0)
        return sample_type;
    fprintf(stderr, "ember %s: %s: no sample type '%s'; the profile has:", command, label,
            name ? name : "(default)");
    for (size_t i = 0; i < profile->sample_type_count; i++)
        fprintf(stderr, " %s", profile_string(profile, profile->sample_types[i].type));
    fprintf(stderr, "\n");
    return -1;
}

int profile_destination_write(const struct profile_destination *destination,
                              const struct profile *profile, size_t sample_type,
                              const struct svg_options *svg_options)
{
    struct output output;
    if (output_open(&output, destination->path) < 0)
        return -1;
    int status;
    if (destination->svg) {
        struct svg_options options;
        if (svg_options) {
            options = *svg_options;
        } else {
            svg_options_init(&options);
            profile_label_counts(&options, profile, sample_type);
        }
        options.sample_type = sample_type;
        status = svg_write(output.file, profile, &options);
    } else if (destination->html) {
        struct html_options options;
        html_options_init(&options);
        options.sample_type = sample_type;
        if (svg_options && svg_options->title)
            options.title = svg_options->title;
        if (svg_options)
            options.subtitle = svg_options->subtitle;
        if (svg_options && svg_options->colors && html_palette_is_known(svg_options->colors))
            options.palette = svg_options->colors;
        status = html_write(output.file, profile, &options);
    } else if (destination->format && destination->format->write) {
        struct write_options write_options = {.sample_type = sample_type};
        status = destination->format->write(output.file, profile, &write_options);
    } else {
        fprintf(stderr, "ember: %s: no writer for this output\n", output_name(&output));
        status = -1;
    }
    if (status == 0)
        return output_commit(&output);
    output_abort(&output);
    return -1;
}

void profile_label_counts(struct svg_options *svg, const struct profile *profile,
                          size_t sample_type)
{
    const struct sample_type *type = &profile->sample_types[sample_type];
    const char *type_name = profile_string(profile, type->type);
    const char *unit = profile_string(profile, type->unit);
    if (unit[0] && strcmp(unit, "count") != 0)
        svg->count_name = unit;
    else if (type_name[0])
        svg->count_name = type_name;
}
