/* text_top.h — `ember top`'s text tables.
 *
 * Two tables:
 *  - for cProfile / pstats files, the table Python's
 *    pstats.Stats(file).sort_stats(KEYS).print_stats(N) prints, byte for
 *    byte: same sort keys (with pstats' unique abbreviations), same stable
 *    order, same columns and number formatting;
 *  - for every other profile, `go tool pprof -top`'s report: flat, flat%,
 *    sum%, cum, cum% per function of one sample type, values in units
 *    (units.h), small functions dropped and the rows limited as pprof's
 *    -nodefraction and -nodecount do.
 * The per-function costs (function_table) are shared with `ember peek`.
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

/* Per function (by name, pprof's default granularity) of one sample type:
 *  - flat: the self values of its frames;
 *  - cumulative: the values of every stack it is on, counted once per
 *    stack however often it recurses there (pprof's cum).
 * Rows are the names whose flat or cum is not zero. */
struct function_row {
    uint32_t name; /* string id */
    double flat, cumulative;
};
struct function_table {
    struct function_row *rows; /* owned; function_table_free() */
    size_t count;
    double flat_sum;     /* signed sum of every self value */
    double absolute_sum; /* sum of |self value|: pprof's total, the 100% */
};
void function_table_build(struct function_table *table, const struct profile *profile,
                          size_t sample_type);
/* pprof's orders: flat = |flat| descending, name, |cum| descending; cum =
 * |cum| descending, name, |flat| descending; name = name. */
void function_table_sort(struct function_table *table, const struct profile *profile,
                         enum flat_sort_key sort);
void function_table_free(struct function_table *table);

/* Writes a name with control bytes shown as \xNN, so a hostile name cannot
 * break a text report's lines. */
void text_put_name(FILE *file, const char *name, size_t length);

/* The lines pprof prints above its reports: "Type: cpu", and when the
 * profile has them "Time: Jan 2, 2006 at 3:04pm (UTC)" (local time) and
 * "Duration: 1.16s, Total samples = 740ms (63.80%)". total is the 100%
 * value, unit the output unit of the table below. */
void text_profile_header(FILE *file, const struct profile *profile, size_t sample_type,
                         double total, const char *unit);

/* The smallest non-zero |flat| (else |cum|) of rows, for units_table_unit(). */
double function_rows_smallest(const struct function_row *rows, size_t count);

struct text_top_options {
    enum flat_sort_key sort;
    long limit;           /* pprof's -nodecount: rows shown; <= 0 means all */
    double node_fraction; /* pprof's -nodefraction: functions whose |cum| is below
                             this share of the total are dropped (0.005) */
    const char *unit;     /* pprof's -unit: "minimum", "auto", "ms", "MB", ... */
};

/* Prints `go tool pprof -top`'s report for one sample type: the header
 * lines, "Showing nodes accounting for ...", "Dropped N nodes (cum <= X)",
 * "Showing top N nodes out of M", then flat, flat%, sum%, cum, cum% and
 * the name per function. Returns 0, or -1 on a write error. */
int text_top_profile(FILE *file, const struct profile *profile, size_t sample_type,
                     const struct text_top_options *options);

#endif
