/* filter.h — profile filters: pprof's focus/ignore/hide/show/prune_from
 * and the structural transforms (root stripping, recursion merging,
 * inversion, depth limit, Pyroscope's "other" nodes), as one transform that
 * builds a NEW profile from a source profile.
 *
 * Design
 * ------
 * Every option is a function of one stack (the frames from the root down to
 * a node with a value), except --min-percent, which needs the totals of the
 * profile the earlier steps left. So the transform rebuilds the profile in
 * at most three passes, each a walk over the source's nodes in id order
 * (parents first) that moves the values of every node that has one (or a
 * timeline entry), of every sample type, to the node of a fresh profile its
 * rewritten stack ends at. Every option decides along the root path, so a
 * node's outcome follows from its parent's in O(1): no stack is rebuilt as
 * a list of frames, and destination nodes are made only for stacks that
 * keep a value (a dropped stack leaves no empty nodes behind):
 *
 *   1. per stack, in this order:
 *      root stripping (--no-tids / --no-pids) renames the stack's first frame;
 *      focus / ignore keep or drop the whole stack (any frame matching
 *        focus, none matching ignore), judged on the frames as renamed;
 *      hide / show remove frames (matching hide; not matching show); a
 *        stack left without frames is dropped, as pprof drops such samples;
 *      prune_from cuts the stack below its deepest frame matching, which
 *        keeps the value as that frame's self value;
 *      merge recursion collapses runs of consecutive frames with the same
 *        name into one (stackcollapse-recursive.pl's rule: direct recursion);
 *   2. invert: profile_reverse() (reverse.h), leaf functions become roots;
 *   3. over the result's totals: max depth cuts stacks deeper than N frames
 *      (the cut frames' values become the Nth frame's self value), then
 *      min percent replaces, under every parent, the children whose total is
 *      below P% of the profile's total (one sample type) by one child
 *      "other" holding the sum of their totals as its self value.
 *
 * Regexes are PCRE2 (UTF mode; names that are not valid UTF-8 are still
 * matched where their valid parts allow) and search anywhere in a name,
 * like Go's regexp.MatchString: anchor with ^ and $ to match a whole name.
 * focus, ignore, hide and show test a frame's name and its file (the source
 * file or module the reader recorded, when any), as pprof tests function
 * name, file name and mapping; prune_from tests the name only, as pprof's.
 * Each regex is matched once per distinct frame, not once per stack.
 *
 * Everything else of the source is kept: sample types, default type, the
 * differential flag, labels, period and times. The timeline (flame charts)
 * keeps every entry whose stack survives, mapped to its new node, in order.
 *
 * Ownership: profile_filter_create() compiles and owns the regexes (the
 * spec's strings are not kept); profile_filter_destroy() frees them.
 * profile_filter_apply() returns a new profile the caller destroys; the
 * source is not modified.
 */
#ifndef EMBER_FILTER_H
#define EMBER_FILTER_H

#include "profile.h"

#include <stddef.h>

/* The regex options, in the order errors and reports list them. */
enum filter_pattern {
    FILTER_FOCUS,
    FILTER_IGNORE,
    FILTER_HIDE,
    FILTER_SHOW,
    FILTER_PRUNE_FROM,
    FILTER_PATTERN_COUNT
};

/* Root stripping of perf's `comm-PID` / `comm-PID/TID` first frames (what
 * `ember collapse --pid/--tid` writes). Only a stack's first frame is
 * touched, and only when its name ends in "-PID" or "-PID/TID", PID being
 * digits or perf's "?" for a pid it did not know, TID digits ("comm-?/TID").
 * A command name that itself ends in "-DIGITS" cannot be told apart. */
enum filter_root_strip {
    FILTER_KEEP_ROOTS = 0,
    FILTER_STRIP_TIDS, /* "comm-PID/TID" -> "comm-PID"; "comm-PID" unchanged */
    FILTER_STRIP_PIDS, /* "comm-PID/TID" and "comm-PID" -> "comm" */
};

struct profile_filter_spec {
    const char *patterns[FILTER_PATTERN_COUNT]; /* NULL or "" = option not given */
    enum filter_root_strip strip_roots;
    int merge_recursion;
    int invert;
    unsigned long max_depth; /* 0 = no limit */
    double min_percent;      /* 0 = off; 0 < P <= 100 */
};

struct profile_filter;

/* Why a spec was refused: which regex, PCRE2's message and the offset in
 * the pattern where it gave up. */
struct profile_filter_error {
    enum filter_pattern pattern;
    size_t offset;
    char message[256];
};

/* Compiles the spec's regexes. Returns the filter, or NULL with *error
 * filled when a regex does not compile. */
struct profile_filter *profile_filter_create(const struct profile_filter_spec *spec,
                                             struct profile_filter_error *error);
void profile_filter_destroy(struct profile_filter *filter);
/* Whether the spec gave that regex. */
int profile_filter_has_pattern(const struct profile_filter *filter, enum filter_pattern which);

/* Whether each regex matched a frame of at least one stack with a value
 * (pprof warns "Focus expression matched no samples" when not). */
struct profile_filter_report {
    int matched[FILTER_PATTERN_COUNT];
};

/* Builds the filtered copy of source. sample_type is the type whose totals
 * --min-percent compares. report may be NULL. */
struct profile *profile_filter_apply(const struct profile_filter *filter,
                                     const struct profile *source, size_t sample_type,
                                     struct profile_filter_report *report);

/* The name --min-percent gives the merged nodes (Pyroscope's). */
#define PROFILE_FILTER_OTHER "other"

#endif
