/* write_profile.h — what `ember convert`, `ember flamegraph` and `ember fetch` share: choosing
 * the output by a path's extension (.svg, .html or a writer's extension such as
 * .folded), resolving --sample-type, and writing the profile atomically. */
#ifndef EMBER_WRITE_PROFILE_H
#define EMBER_WRITE_PROFILE_H

#include "../formats/format.h"
#include "../model/profile.h"
#include "../render/svg.h"

struct profile_destination {
    const char *path;            /* "-" = standard output */
    int svg;                     /* draw a flame graph */
    int html;                    /* write the interactive HTML viewer (.html) */
    const struct format *format; /* else this format's writer */
};

/* Chooses the writer for path from its extension: .svg draws, .html writes
 * the viewer (`ember view`'s defaults), otherwise the
 * format that owns the longest matching extension writes. Returns 0, or -1
 * after printing "ember COMMAND: PATH: cannot tell the output format ...". */
int profile_destination_for_path(struct profile_destination *destination, const char *path,
                                 const char *command);

/* The sample type --sample-type names (NULL: the profile's default), or -1
 * after printing "ember COMMAND: LABEL: no sample type 'X'; the profile has: ...". */
long profile_sample_type_or_report(const struct profile *profile, const char *name,
                                   const char *command, const char *label);

/* Names what a sample type counts in an SVG's tooltips: its unit ("bytes",
 * "nanoseconds"), or for plain counts its name ("goroutine", "contentions");
 * ("samples", "count") keeps flamegraph.pl's "samples". */
void profile_label_counts(struct svg_options *svg, const struct profile *profile,
                          size_t sample_type);

/* Writes profile's sample_type to the destination atomically: nothing is
 * left behind on failure. svg_options may be NULL (defaults); its
 * sample_type is replaced. Returns 0, or -1 after printing why. */
int profile_destination_write(const struct profile_destination *destination,
                              const struct profile *profile, size_t sample_type,
                              const struct svg_options *svg_options);

#endif
