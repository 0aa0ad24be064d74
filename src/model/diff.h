/* diff.h — the difference of two profiles: difffolded.pl's two-count
 * folded form as a profile transform, for `ember diff`.
 *
 * Design
 * ------
 * diff_build() reads one sample type of each input (BEFORE and AFTER) as
 * its folded form (a stack is the frames' names joined by ';') and makes a
 * new differential profile holding both: sample type 0 is AFTER's counts
 * (the shape a flame graph draws, named like AFTER's type) and a type
 * "before" holds BEFORE's, with profile->differential set, which is how
 * the folded reader represents "stack BEFORE AFTER" lines and what the SVG
 * renderer draws as red (grew) and blue (shrank).
 *
 * Frames of the result are names only: two frames of one input that print
 * alike (pprof's same function at different lines) are one frame, as in
 * the folded form. With strip_hex every "0x" followed by hex digits in a
 * name becomes "0x..." (difffolded.pl -s), and stacks that become equal
 * merge, their counts summed.
 *
 * The stacks difffolded.pl would print are remembered in `stacks`: every
 * node where a stack of either input ends with a non-zero count, and, for
 * inputs read from folded text, every leaf without counts (a "stack 0"
 * line, which difffolded.pl prints too). After normalization some of them
 * may hold 0 and 0; they are still printed.
 *
 * normalize (difffolded.pl -n): when the totals differ, each BEFORE count
 * becomes int(count * after_total / before_total), with perl's arithmetic
 * (diff_normalized_count), so the folded output matches difffolded.pl's.
 *
 * Ownership: diff_build() fills a struct diff whose profile and stacks it
 * owns; diff_free() releases them. The inputs are only read.
 */
#ifndef EMBER_DIFF_H
#define EMBER_DIFF_H

#include "profile.h"

#include <stdio.h>

struct diff_options {
    int normalize; /* scale BEFORE's counts so their total equals AFTER's */
    int strip_hex; /* 0x[0-9a-fA-F]+ -> 0x... in every frame name */
    /* Set for an input read from folded text: its leaves with no counts
     * were "stack 0" lines, which difffolded.pl prints. Other formats'
     * folded form (`ember convert`'s) has no such lines. */
    int before_zero_leaves, after_zero_leaves;
};

struct diff {
    struct profile *profile; /* type 0: AFTER; type before_type: BEFORE */
    size_t before_type;
    uint32_t *stacks;        /* nodes printed as lines, unordered */
    size_t stack_count;
    double before_total;     /* BEFORE's and AFTER's totals, before scaling */
    double after_total;
    int normalized;          /* BEFORE's counts were scaled (normalize and totals differ) */
    double scale;            /* after_total / before_total when normalized, else 1 */
};

enum diff_status {
    DIFF_OK = 0,
    DIFF_NOTHING_TO_SCALE = -1, /* normalize asked, BEFORE sums to 0 and AFTER does not */
};

/* Builds the diff of before's sample type before_type and after's
 * after_type. Returns DIFF_OK, or DIFF_NOTHING_TO_SCALE (diff left empty;
 * difffolded.pl dies with "Illegal division by zero" there). */
enum diff_status diff_build(struct diff *diff, const struct profile *before, size_t before_type,
                            const struct profile *after, size_t after_type,
                            const struct diff_options *options);
/* The same, taking over after: when it has one sample type and frames
 * that are names only (a folded file) and strip_hex is off, it becomes the
 * result, which spares copying its tree; otherwise it is destroyed once
 * copied. Either way the caller no longer owns after. */
enum diff_status diff_build_consuming(struct diff *diff, const struct profile *before,
                                      size_t before_type, struct profile *after,
                                      size_t after_type, const struct diff_options *options);
void diff_free(struct diff *diff);

/* int(count * after_total / before_total) as perl computes it: exact
 * integer arithmetic while the product fits in 64 bits (division in
 * doubles, as perl divides, when the product is at most 2^53 or the
 * quotient is not exact), doubles otherwise; truncated toward zero. */
double diff_normalized_count(double count, double before_total, double after_total);

/* Writes name[0..length) into out with every 0x[0-9a-fA-F]+ replaced by
 * "0x..." (perl's s/0x[0-9a-fA-F]+/0x.../g). out holds at least
 * 2 * length + 1 bytes (a 3-byte "0x1" grows to 5). Returns the new length;
 * out is not NUL-terminated. */
size_t diff_strip_hex(const char *name, size_t length, char *out);

/* Writes "stack BEFORE AFTER" lines, stacks in byte order (as the folded
 * writer orders them), counts formatted as perl prints them. Returns 0, or
 * -1 on a write error. */
int diff_write_folded(FILE *file, const struct diff *diff);

#endif
