/* view_input.h — reading the one profile a command shows or converts, and
 * the options of the text views.
 *
 * `ember view`, `convert`, `diff` and the text views (`ember top`, `peek`,
 * `tree`) look up the reader --format names with view_format_by_name; all
 * but diff read one profile and refuse one without samples
 * (view_read_samples). The text views also share their options (--unit,
 * --format, --sample-type and the filter options: struct view_options) and
 * the read -> --sample-type -> filter step before they print
 * (view_profile_read, view_profile_load). Each failure is reported as
 * "ember COMMAND: ..."; the functions say which exit status follows.
 *
 * Ownership: profiles returned belong to the caller (profile_destroy());
 * view_options points into argv.
 */
#ifndef EMBER_VIEW_INPUT_H
#define EMBER_VIEW_INPUT_H

#include "profile_filters.h"
#include "../formats/format.h"
#include "../model/profile.h"
#include "../util/input.h"

#include <stddef.h>

/* Sets *format to the reader --format names (NULL name: NULL, guess).
 * Returns 0, or 2 after printing "--format NAME: no such readable format"
 * and the known formats. */
int view_format_by_name(const char *name, const char *command, const struct format **format);

/* Reads an open input into profile with format (NULL: guessed from its
 * content) and options; *statistics gets the reader's counts. Returns 0,
 * or -1 after printing why (unreadable, or "no samples found"). */
int view_read_samples(struct input *input, const struct format *format,
                      const struct read_options *options, const char *command,
                      struct profile *profile, struct read_statistics *statistics);

/* Warns "ember COMMAND: NAME: ignored N lines with invalid format" when
 * the reader skipped lines. */
void view_report_skipped(const struct input *input, const struct read_statistics *statistics,
                         const char *command);

/* ---- the text views ---- */

/* The options every text view takes; the short ones are VIEW_SHORT_OPTIONS,
 * the long ones VIEW_LONG_OPTIONS (to splice into the command's arrays). */
struct view_options {
    const char *unit;             /* --unit, "minimum" by default */
    const char *format_name;      /* --format, NULL: guess */
    const char *sample_type_name; /* --sample-type, NULL: the default type */
    struct profile_filter_options filters;
};

#define VIEW_SHORT_OPTIONS "u:f:t:"
#define VIEW_LONG_OPTIONS                                                      \
    {"unit", required_argument, NULL, 'u'},                                    \
    {"format", required_argument, NULL, 'f'},                                  \
    {"sample-type", required_argument, NULL, 't'},                             \
    PROFILE_FILTER_LONG_OPTIONS

void view_options_init(struct view_options *options);

/* Takes one option code from getopt. Returns 1 when it was one of struct
 * view_options' (taken), 0 when it is not, -1 after printing why a value is
 * bad (the command exits 2). */
int view_options_parse(struct view_options *options, int code, const char *argument,
                       const char *command);

/* Once the options are parsed: the reader --format names and the compiled
 * filters (NULL when none is given; the caller destroys it). Returns 0, or
 * 2 after printing why. */
int view_options_finish(const struct view_options *options, const char *command,
                        const struct format **format, struct profile_filter **filter);

/* Reads an open input with format (NULL: guessed from its content),
 * resolves sample_type_name (NULL: the profile's default) into
 * *sample_type and applies filter (NULL: none). Returns the profile, or NULL
 * after printing why (unreadable, no samples, no such sample type). */
struct profile *view_profile_read(struct input *input, const struct format *format,
                                  const char *sample_type_name,
                                  const struct profile_filter *filter, const char *command,
                                  size_t *sample_type);

/* Opens path ("-": standard input), reads it as view_profile_read() does
 * and closes it. */
struct profile *view_profile_load(const char *path, const struct format *format,
                                  const char *sample_type_name,
                                  const struct profile_filter *filter, const char *command,
                                  size_t *sample_type);

#endif
