/* test_diff.c — unit tests of model/diff.c: difffolded.pl's semantics
 * (stacks of either side, -n rounding, -s hex stripping) on profiles read
 * from folded text, against hand-computed lines. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "model/diff.h"
#include "model/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Folded text as a profile; "" is an empty profile of samples. */
static struct profile *diff_test_read(const char *text)
{
    if (*text)
        return unit_read_folded(text, NULL);
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    return profile;
}

/* The diff's folded lines ("STACK BEFORE AFTER"), malloc'ed. */
static char *diff_test_folded(const struct diff *diff)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    cr_assert_eq(diff_write_folded(file, diff), 0);
    fclose(file);
    return text;
}

/* The folded lines of diff(before, after), malloc'ed; *summary gets the diff
 * itself when not NULL (the caller frees it then). */
static char *diff_test_lines(const char *before_text, const char *after_text, int normalize,
                             int strip_hex, struct diff *summary)
{
    struct profile *before = diff_test_read(before_text);
    struct profile *after = diff_test_read(after_text);
    struct diff_options options = {.normalize = normalize, .strip_hex = strip_hex,
                                   .before_zero_leaves = 1, .after_zero_leaves = 1};
    struct diff diff;
    cr_assert_eq(diff_build(&diff, before, 0, after, 0, &options), DIFF_OK);
    profile_destroy(before);
    profile_destroy(after);
    char *text = diff_test_folded(&diff);
    if (summary)
        *summary = diff;
    else
        diff_free(&diff);
    return text;
}

Test(diff, stacks_of_either_side_with_zero_for_the_missing_one)
{
    struct diff diff;
    char *text = diff_test_lines("main;b 3\nmain;c 2\nmain 1\n", "main;b 5\nmain;d 1\nmain;b 2\n",
                                 0, 0, &diff);
    cr_assert_str_eq(text, "main 1 0\nmain;b 3 7\nmain;c 2 0\nmain;d 0 1\n");
    cr_assert_eq(diff.before_total, 6);
    cr_assert_eq(diff.after_total, 8);
    cr_assert_eq(diff.normalized, 0);
    cr_assert_eq(diff.scale, 1);
    /* The profile: type 0 is AFTER (the shape), "before" holds BEFORE. */
    cr_assert(diff.profile->differential);
    cr_assert_eq(profile_grand_total(diff.profile, 0), 8);
    cr_assert_eq(profile_grand_total(diff.profile, diff.before_type), 6);
    cr_assert_str_eq(profile_string(diff.profile,
                                    diff.profile->sample_types[diff.before_type].type),
                     "before");
    diff_free(&diff);
    free(text);
}

Test(diff, normalize_truncates_like_perl_int)
{
    /* totals 3 and 7: a: int(1*7/3) = int(2.33) = 2, b: int(2*7/3) = int(4.67) = 4 */
    struct diff diff;
    char *text = diff_test_lines("a 1\nb 2\n", "a 4\nb 3\n", 1, 0, &diff);
    cr_assert_str_eq(text, "a 2 4\nb 4 3\n");
    cr_assert(diff.normalized);
    cr_assert_float_eq(diff.scale, 7.0 / 3.0, 1e-12);
    diff_free(&diff);
    free(text);
}

Test(diff, normalize_to_zero_keeps_the_line)
{
    /* totals 10 and 5: x: int(1*5/10) = 0, y: int(9*5/10) = int(4.5) = 4 */
    char *text = diff_test_lines("x 1\ny 9\n", "y 4\nz 1\n", 1, 0, NULL);
    cr_assert_str_eq(text, "x 0 0\ny 4 4\nz 0 1\n");
    free(text);
}

Test(diff, normalize_with_equal_totals_changes_nothing)
{
    struct diff diff;
    char *text = diff_test_lines("a 2\nb 2\n", "a 1\nb 3\n", 1, 0, &diff);
    cr_assert_str_eq(text, "a 2 1\nb 2 3\n");
    cr_assert_eq(diff.normalized, 0);
    diff_free(&diff);
    free(text);
}

Test(diff, normalize_refuses_an_empty_before)
{
    struct profile *before = diff_test_read("");
    struct profile *after = diff_test_read("a 2\n");
    struct diff_options options = {.normalize = 1};
    struct diff diff;
    cr_assert_eq(diff_build(&diff, before, 0, after, 0, &options), DIFF_NOTHING_TO_SCALE);
    diff_free(&diff);
    /* Without -n an empty side is simply zeros. */
    options.normalize = 0;
    cr_assert_eq(diff_build(&diff, before, 0, after, 0, &options), DIFF_OK);
    cr_assert_eq(diff.stack_count, 1);
    diff_free(&diff);
    profile_destroy(before);
    profile_destroy(after);
}

Test(diff, normalized_count_follows_perl_arithmetic)
{
    cr_assert_eq(diff_normalized_count(1, 3, 7), 2);
    cr_assert_eq(diff_normalized_count(2, 3, 7), 4);
    cr_assert_eq(diff_normalized_count(0, 3, 7), 0);
    /* Product 2^60 (above 2^53), not divisible by 3: perl divides in doubles,
     * `perl -e 'print int(1099511627776*1048576/3)'` prints 384307168202282304
     * (exact integer division would give ...325). */
    cr_assert_eq(diff_normalized_count(1099511627776.0, 3, 1048576), 384307168202282304.0);
    /* Divisible: perl's exact integer division. */
    cr_assert_eq(diff_normalized_count(1099511627776.0, 4, 1048576), 288230376151711744.0);
    /* Fractional counts: doubles, truncated. 1.5 * 10 / 4 = 3.75 -> 3 */
    cr_assert_eq(diff_normalized_count(1.5, 4, 10), 3);
}

Test(diff, strip_hex_replaces_every_hex_number)
{
    char out[64];
    size_t length = diff_strip_hex("0x0x12", 6, out);
    cr_assert_eq(length, 8);
    cr_assert(memcmp(out, "0x...x12", 8) == 0);
    length = diff_strip_hex("a0xffg[0xDEADbeef]", 18, out);
    cr_assert_eq(length, 14);
    cr_assert(memcmp(out, "a0x...g[0x...]", 14) == 0);
    /* "0x" without digits and "0X1" stay. */
    length = diff_strip_hex("0x 0X1", 6, out);
    cr_assert_eq(length, 6);
    cr_assert(memcmp(out, "0x 0X1", 6) == 0);
}

Test(diff, strip_hex_merges_stacks_that_become_equal)
{
    /* before: 0x7f00ab and 0x12 are both "0x..." (2 + 1); after: 0x99 -> 4,
     * f0xAB -> "f0x...", a bare "0x" stays. */
    char *text = diff_test_lines("main;0x7f00ab 2\nmain;0x12 1\n",
                                 "main;0x99 4\nmain;f0xAB 1\nmain;0x 1\n", 0, 1, NULL);
    cr_assert_str_eq(text, "main;0x 0 1\nmain;0x... 3 4\nmain;f0x... 0 1\n");
    free(text);
    /* Without -s they stay apart. */
    text = diff_test_lines("main;0x7f00ab 2\nmain;0x12 1\n", "main;0x12 4\n", 0, 0, NULL);
    cr_assert_str_eq(text, "main;0x12 1 4\nmain;0x7f00ab 2 0\n");
    free(text);
}

Test(diff, zero_count_lines_are_stacks)
{
    char *text = diff_test_lines("a;b 0\n", "a;c 1\n", 0, 0, NULL);
    cr_assert_str_eq(text, "a;b 0 0\na;c 0 1\n");
    free(text);
    /* Not for inputs of other formats, whose folded form has no such line. */
    struct profile *before = diff_test_read("a;b 0\n");
    struct profile *after = diff_test_read("a;c 1\n");
    struct diff_options options = {.after_zero_leaves = 1};
    struct diff diff;
    cr_assert_eq(diff_build(&diff, before, 0, after, 0, &options), DIFF_OK);
    cr_assert_eq(diff.stack_count, 1);
    diff_free(&diff);
    profile_destroy(before);
    profile_destroy(after);
}

Test(diff, fractional_counts_print_like_perl)
{
    char *text = diff_test_lines("a 1.5\na 1.25\n", "a 0.5\n", 0, 0, NULL);
    cr_assert_str_eq(text, "a 2.75 0.5\n");
    free(text);
}

/* The folded lines of diff_build_consuming() (AFTER adopted as the result
 * when it can be), which must be diff_build()'s. */
static char *diff_test_lines_consuming(const char *before_text, const char *after_text,
                                       int normalize, int strip_hex)
{
    struct profile *before = diff_test_read(before_text);
    struct profile *after = diff_test_read(after_text);
    struct diff_options options = {.normalize = normalize, .strip_hex = strip_hex,
                                   .before_zero_leaves = 1, .after_zero_leaves = 1};
    struct diff diff;
    cr_assert_eq(diff_build_consuming(&diff, before, 0, after, 0, &options), DIFF_OK);
    profile_destroy(before);
    char *text = diff_test_folded(&diff);
    diff_free(&diff);
    return text;
}

Test(diff, consuming_after_gives_the_same_lines)
{
    static const char *const cases[][2] = {
        {"main;b 3\nmain;c 2\nmain 1\n", "main;b 5\nmain;d 1\nmain;b 2\n"},
        {"x 1\ny 9\n", "y 4\nz 1\n"},
        {"main;0x7f00ab 2\nmain;0x12 1\n", "main;0x99 4\nmain;f0xAB 1\nmain;0x 1\n"},
        /* AFTER's "stack 0" leaf that BEFORE's stacks extend stays a line. */
        {"a;b;c 3\n", "a;b 0\nd 1\n"},
        {"", "a 1\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int options = 0; options < 4; options++) {
            int normalize = options & 1, strip_hex = options >> 1;
            if (normalize && !*cases[i][0])
                continue;
            char *expected = diff_test_lines(cases[i][0], cases[i][1], normalize, strip_hex, NULL);
            char *got = diff_test_lines_consuming(cases[i][0], cases[i][1], normalize, strip_hex);
            cr_assert_str_eq(got, expected, "case %zu, options %d", i, options);
            free(expected);
            free(got);
        }
    char *text = diff_test_lines_consuming("a;b;c 3\n", "a;b 0\nd 1\n", 0, 0);
    cr_assert_str_eq(text, "a;b 0 0\na;b;c 3 0\nd 0 1\n");
    free(text);
}

Test(diff, chosen_sample_types_and_frames_by_name)
{
    /* A pprof-like profile: two types, and one function at two lines
     * (two frames that print alike), which the folded form merges. */
    struct profile *before = profile_create();
    profile_add_sample_type(before, "alloc_space", "bytes");
    profile_add_sample_type(before, "inuse_space", "bytes");
    uint32_t main_name = profile_intern_cstring(before, "main");
    uint32_t f_name = profile_intern_cstring(before, "f");
    uint32_t file = profile_intern_cstring(before, "f.go");
    uint32_t main_frame = profile_frame(before, main_name, file, 1, FRAME_GO);
    uint32_t f_line_10 = profile_frame(before, f_name, file, 10, FRAME_GO);
    uint32_t f_line_20 = profile_frame(before, f_name, file, 20, FRAME_GO);
    uint32_t stack_a[] = {main_frame, f_line_10}, stack_b[] = {main_frame, f_line_20};
    uint32_t leaf_a = profile_add_stack(before, stack_a, 2);
    uint32_t leaf_b = profile_add_stack(before, stack_b, 2);
    profile_add_value(before, leaf_a, 0, 100);
    profile_add_value(before, leaf_a, 1, 7);
    profile_add_value(before, leaf_b, 0, 50);
    profile_add_value(before, leaf_b, 1, 0); /* not in inuse_space's folded form */

    struct profile *after = diff_test_read("main;f 30\nmain;g 5\n");
    struct diff_options options = {0};
    struct diff diff;
    cr_assert_eq(diff_build(&diff, before, 1, after, 0, &options), DIFF_OK);
    char *text = diff_test_folded(&diff);
    cr_assert_str_eq(text, "main;f 7 30\nmain;g 0 5\n");
    free(text);
    diff_free(&diff);

    cr_assert_eq(diff_build(&diff, before, 0, after, 0, &options), DIFF_OK);
    cr_assert_eq(diff.before_total, 150);
    text = diff_test_folded(&diff);
    cr_assert_str_eq(text, "main;f 150 30\nmain;g 0 5\n");
    free(text);
    /* The result's type 0 is named after AFTER's. */
    cr_assert_str_eq(profile_string(diff.profile, diff.profile->sample_types[0].type), "samples");
    diff_free(&diff);
    profile_destroy(before);
    profile_destroy(after);
}
