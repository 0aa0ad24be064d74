/* view_input.h — what the text views (`ember top`, `peek`, `tree`) share
 * before they print: the input format named by --format, reading the one
 * profile they show, and resolving --sample-type, each failure reported
 * as "ember COMMAND: ..." with the exit status to return.
 *
 * Ownership: the profile returned belongs to the caller (profile_destroy()).
 */
#ifndef EMBER_VIEW_INPUT_H
#define EMBER_VIEW_INPUT_H

#include "../formats/format.h"
#include "../model/profile.h"
#include "../util/input.h"

#include <stddef.h>

/* Sets *format to the reader --format names (NULL name: NULL, guess).
 * Returns 0, or 2 after printing "unknown format". */
int view_format_by_name(const char *name, const char *command, const struct format **format);

/* Reads an open input with format (NULL: guessed from its content) and
 * resolves sample_type_name (NULL: the profile's default). Returns the
 * profile, or NULL after printing why (unreadable, no samples, no such
 * sample type). */
struct profile *view_profile_read(struct input *input, const struct format *format,
                                  const char *sample_type_name, const char *command,
                                  size_t *sample_type);

/* Opens path ("-": standard input), reads it as view_profile_read() does
 * and closes it. */
struct profile *view_profile_load(const char *path, const struct format *format,
                                  const char *sample_type_name, const char *command,
                                  size_t *sample_type);

/* Checks a --unit argument (units_known()); 0, or 2 after printing why. */
int view_check_unit(const char *unit, const char *command);

#endif
