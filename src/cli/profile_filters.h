/* profile_filters.h — the filter options every command that reads a
 * profile shares (--focus, --ignore, --hide, --show, --prune-from,
 * --min-percent, --max-depth, --merge-recursion, --no-pids, --no-tids,
 * --invert): their getopt entries, their parsing, their help lines, and
 * the step that turns a loaded profile into the filtered one
 * (src/model/filter.h does the work).
 *
 * A command splices PROFILE_FILTER_LONG_OPTIONS into its `struct option`
 * array, hands every option code to profile_filter_options_parse() before
 * its own switch, compiles after parsing (so a bad regex is reported
 * before any input is read) and applies once the sample type is known.
 */
#ifndef EMBER_PROFILE_FILTERS_H
#define EMBER_PROFILE_FILTERS_H

#include "../model/filter.h"
#include "../model/profile.h"

#include <getopt.h>
#include <stdio.h>

/* Option codes, far above the commands' own (256 and up) and characters. */
enum profile_filter_option {
    FILTER_OPTION_FOCUS = 0x1000,
    FILTER_OPTION_IGNORE,
    FILTER_OPTION_HIDE,
    FILTER_OPTION_SHOW,
    FILTER_OPTION_PRUNE_FROM,
    FILTER_OPTION_MIN_PERCENT,
    FILTER_OPTION_MAX_DEPTH,
    FILTER_OPTION_MERGE_RECURSION,
    FILTER_OPTION_NO_PIDS,
    FILTER_OPTION_NO_TIDS,
    FILTER_OPTION_INVERT,
};

#define PROFILE_FILTER_LONG_OPTIONS                                            \
    {"focus", required_argument, NULL, FILTER_OPTION_FOCUS},                   \
    {"ignore", required_argument, NULL, FILTER_OPTION_IGNORE},                 \
    {"hide", required_argument, NULL, FILTER_OPTION_HIDE},                     \
    {"show", required_argument, NULL, FILTER_OPTION_SHOW},                     \
    {"prune-from", required_argument, NULL, FILTER_OPTION_PRUNE_FROM},         \
    {"min-percent", required_argument, NULL, FILTER_OPTION_MIN_PERCENT},       \
    {"max-depth", required_argument, NULL, FILTER_OPTION_MAX_DEPTH},           \
    {"merge-recursion", no_argument, NULL, FILTER_OPTION_MERGE_RECURSION},     \
    {"no-pids", no_argument, NULL, FILTER_OPTION_NO_PIDS},                     \
    {"no-tids", no_argument, NULL, FILTER_OPTION_NO_TIDS},                     \
    {"invert", no_argument, NULL, FILTER_OPTION_INVERT}

struct profile_filter_options {
    struct profile_filter_spec spec; /* patterns point into argv */
    int given;                       /* any filter option was given */
};

void profile_filter_options_init(struct profile_filter_options *options);

/* Takes one option code from getopt. Returns 1 when it was a filter option
 * (taken), 0 when it is not one, -1 after printing "ember COMMAND: ..." for
 * a bad value (the command exits 2). */
int profile_filter_options_parse(struct profile_filter_options *options, int code,
                                 const char *argument, const char *command);

/* Prints the options' help lines (for a command's --help). */
void profile_filter_options_usage(FILE *file);

/* Compiles the regexes. *filter is NULL when no filter option was given.
 * Returns 0, or -1 after printing "ember COMMAND: --focus 'a(b': ...
 * (at offset N)" (the command exits 2). */
int profile_filter_options_compile(const struct profile_filter_options *options,
                                   const char *command, struct profile_filter **filter);

/* Replaces *profile by its filtered copy (nothing when filter is NULL);
 * sample_type is the type the command shows (for --min-percent). Warns on
 * standard error about a regex that matched no stack, as pprof does. */
void profile_filter_options_apply(const struct profile_filter *filter, struct profile **profile,
                                  size_t sample_type, const char *command);

/* The same for count profiles filtered alike (`ember diff`'s two inputs):
 * a regex is reported only when it matched no stack in any of them. */
void profile_filter_options_apply_all(const struct profile_filter *filter,
                                      struct profile **profiles, const size_t *sample_types,
                                      size_t count, const char *command);

#endif
