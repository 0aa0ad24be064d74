/* pstats.h — Python cProfile / profile statistics (`python -m cProfile -o
 * x.prof`, `pstats.Stats.dump_stats`).
 *
 * The file is marshal.dump() of a dict
 *     (filename, line, funcname) -> (primitive_calls, total_calls,
 *                                    tottime, cumtime, callers)
 * where callers maps each caller's key to the calls from that caller,
 * (total_calls, primitive_calls, tottime, cumtime) — cProfile — or a bare
 * call count — the pure-Python profile module.
 *
 * pstats_load() decodes it (marshal.c) into a table of functions and
 * caller->callee edges; pstats_build_profile() turns the edges into a call
 * tree (see pstats.c for the estimate), and `ember top` prints the table
 * as Python's pstats does. pstats_format is the registry's reader.
 */
#ifndef EMBER_PSTATS_H
#define EMBER_PSTATS_H

#include "format.h"

#include <stddef.h>
#include <stdint.h>

struct pstats_function {
    const char *file; /* bytes inside pstats.data, not NUL-terminated */
    uint32_t file_length;
    const char *name;
    uint32_t name_length;
    int64_t line;
    int64_t primitive_calls; /* pstats' cc */
    int64_t total_calls;     /* pstats' nc */
    double total_time;       /* tottime: seconds in the function itself */
    double cumulative_time;  /* cumtime: seconds including callees */
    int has_stats;           /* a key of the dict; else only named as a caller */
    uint32_t first_caller;   /* edges[first_caller .. + caller_count] have this callee */
    uint32_t caller_count;
};

struct pstats_edge {
    uint32_t caller, callee;  /* function indices */
    int64_t primitive_calls;  /* of the callee, from this caller */
    int64_t total_calls;
    double total_time;
    double cumulative_time;
    int has_times; /* 0 for the profile module's bare call counts */
};

struct pstats {
    char *data; /* the file's bytes; every string points here (owned) */
    size_t length;
    struct pstats_function *functions; /* the dict's keys first, in file order */
    size_t function_count;
    size_t keyed_count; /* functions[0 .. keyed_count) are the dict's keys */
    struct pstats_edge *edges; /* grouped by callee */
    size_t edge_count;
};

/* Reads and decodes a whole input. Returns 0, or -1 after printing
 * "ember: NAME: byte OFFSET: what was expected". */
int pstats_load(struct pstats *stats, struct input *input);
void pstats_free(struct pstats *stats);

/* What building the call tree found, for messages. */
struct pstats_build_report {
    size_t promoted_roots;   /* functions made roots because no root reached them */
    size_t frames_added;     /* tree nodes created */
    size_t nonzero_stacks;   /* nodes with a non-zero self time */
    int truncated;           /* the node budget ran out */
};

/* Adds the estimated call tree to profile: sample type ("time",
 * "nanoseconds") — self = the function's own time on that path, so a
 * frame's total is its cumulative time there — and ("calls", "count"). */
void pstats_build_profile(const struct pstats *stats, struct profile *profile,
                          struct pstats_build_report *report);

/* True when head looks like a marshalled pstats dict. */
int pstats_probe(const char *head, size_t length);

extern const struct format pstats_format;

#endif
