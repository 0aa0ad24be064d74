/* text_peek.h — `ember peek`: the callers and callees of chosen functions,
 * as `go tool pprof -peek RE` prints them.
 *
 * For each chosen function (in the order of pprof's top table: by flat, or
 * by cum), a block between separator lines: one line per caller with the
 * value of the stacks where it calls the function and that value's share
 * of the function's cum, the function's own line (flat, flat%, sum%, cum,
 * cum%), then one line per callee the same way. A caller -> callee edge
 * counts each stack once, however often the pair repeats on it, and a
 * function calling itself directly is no edge (pprof's rules).
 *
 * Which functions are chosen is the caller's business (a regular
 * expression in src/cli/peek.c): the renderer asks a predicate per name.
 */
#ifndef EMBER_TEXT_PEEK_H
#define EMBER_TEXT_PEEK_H

#include "../model/profile.h"
#include "text_top.h"

#include <stdio.h>

/* Returns non-zero when the function named name (length bytes, no NUL
 * guaranteed inside) is to be shown; negative to stop with an error. */
typedef int (*text_peek_match)(void *context, const char *name, size_t length);

struct text_peek_options {
    enum flat_sort_key sort; /* order of the blocks: flat (pprof's default) or cum */
    const char *unit;        /* pprof's -unit: "minimum", "auto", "ms", ... */
};

/* Prints the report; *matched is set to the number of functions chosen.
 * Nothing is printed when none is. Returns 0, or -1 on a write error or
 * when match returned a negative value. */
int text_peek(FILE *file, const struct profile *profile, size_t sample_type,
              text_peek_match match, void *context, const struct text_peek_options *options,
              size_t *matched);

#endif
