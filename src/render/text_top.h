/* text_top.h — `ember top`'s text tables.
 *
 * Two tables:
 *  - for cProfile / pstats files, the table Python's
 *    pstats.Stats(file).sort_stats(KEYS).print_stats(N) prints, byte for
 *    byte: same sort keys (with pstats' unique abbreviations), same stable
 *    order, same columns and number formatting;
 *  - for every other profile, a flat table per function like `pprof -top`:
 *    flat, flat%, sum%, cum, cum% of one sample type.
 */
#ifndef EMBER_TEXT_TOP_H
#define EMBER_TEXT_TOP_H

#include "../formats/pstats.h"
#include "../model/profile.h"

#include <stdio.h>

enum { PSTATS_MAX_SORT_FIELDS = 24 };

/* The comparison pstats' sort_stats() builds from its keys. */
struct pstats_sort {
    struct {
        int field;     /* 0 pcalls, 1 ncalls, 2 tottime, 3 cumtime, 4 file, 5 line,
                          6 name, 7 standard name */
        int direction; /* 1 ascending, -1 descending */
    } fields[PSTATS_MAX_SORT_FIELDS];
    size_t field_count;
    char description[256]; /* "cumulative time, function name" ("Ordered by: ...") */
};

/* Parses comma-separated pstats sort keys ("cumulative", "time,name",
 * unique prefixes such as "cumu"). Returns 0, or -1 with the offending word
 * copied to bad_key (NUL-terminated, truncated to bad_key_size). */
int pstats_sort_parse(const char *keys, struct pstats_sort *sort, char *bad_key,
                      size_t bad_key_size);
/* Prints the valid key words, comma-separated, for help texts. */
void pstats_sort_list(FILE *file);

/* Prints print_stats()'s output. header_line is the first line pstats
 * prints for a file ("DATE    PATH"), or NULL for none; limit < 0 means
 * every function. Returns 0, or -1 on a write error. */
int text_top_pstats(FILE *file, const struct pstats *stats, const struct pstats_sort *sort,
                    long limit, const char *header_line);

enum flat_sort_key { FLAT_SORT_FLAT, FLAT_SORT_CUMULATIVE, FLAT_SORT_NAME };

/* Parses "flat", "cum", "name" (and pstats' "tottime"/"time",
 * "cumulative"/"cumtime"). Returns 0 or -1. */
int flat_sort_parse(const char *key, enum flat_sort_key *sort);

/* Prints the flat/cumulative table of one sample type; limit < 0 means
 * every function. Returns 0, or -1 on a write error. */
int text_top_profile(FILE *file, const struct profile *profile, size_t sample_type,
                     enum flat_sort_key sort, long limit);

#endif
