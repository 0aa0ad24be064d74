/* test_text_views.c — unit tests of the text views against hand-computed
 * expectations: units (pprof's scaling and percentages, their boundaries),
 * `ember top`'s table (flat, cum with recursion counted once, sum%, node
 * fraction, node count, units), `ember peek`'s callers/callees (an edge
 * counted once per stack) and `ember tree`'s indented tree (child order,
 * totals). */
#include <criterion/criterion.h>

#include "helpers.h"
#include "model/profile.h"
#include "render/text_peek.h"
#include "render/text_top.h"
#include "render/text_tree.h"
#include "render/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- helpers ---------- */

/* A CPU profile in nanoseconds, 100 ms in all:
 *   main;a;b 30ms   main;a 10ms   main;b;b;c 20ms   main;c 40ms
 * flat: c 60, b 30, a 10, main 0; cum: main 100, c 60, b 50 (the b;b
 * stack once), a 40. */
static struct profile *tv_cpu_profile(void)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "cpu", "nanoseconds");
    unit_add_stack(profile, "main;a;b", 0, 30e6);
    unit_add_stack(profile, "main;a", 0, 10e6);
    unit_add_stack(profile, "main;b;b;c", 0, 20e6);
    unit_add_stack(profile, "main;c", 0, 40e6);
    return profile;
}

/* Runs a renderer into a string (caller frees). */
#define TV_CAPTURE(text, call)                             \
    do {                                                   \
        size_t tv_size = 0;                                \
        FILE *file = open_memstream(&(text), &tv_size);    \
        cr_assert_not_null(file);                          \
        cr_assert_eq((call), 0);                           \
        fclose(file);                                      \
    } while (0)

static char *tv_label(double value, const char *from, const char *to)
{
    static char buffer[64];
    units_label(buffer, sizeof buffer, value, from, to);
    return buffer;
}

static char *tv_percent(double value, double total)
{
    static char buffer[32];
    units_percentage(buffer, sizeof buffer, value, total);
    return buffer;
}

/* ---------- units ---------- */

Test(units, automatic_scaling_boundaries)
{
    cr_assert_str_eq(tv_label(999, "nanoseconds", "auto"), "999ns");
    cr_assert_str_eq(tv_label(1000, "nanoseconds", "auto"), "1us");
    cr_assert_str_eq(tv_label(999999, "nanoseconds", "auto"), "1000us"); /* 999.999us */
    cr_assert_str_eq(tv_label(1e6, "nanoseconds", "auto"), "1ms");
    cr_assert_str_eq(tv_label(1.16e9, "nanoseconds", "auto"), "1.16s");
    cr_assert_str_eq(tv_label(7200e9, "nanoseconds", "auto"), "2hrs");
    cr_assert_str_eq(tv_label(1023, "bytes", "auto"), "1023B");
    cr_assert_str_eq(tv_label(1024, "bytes", "auto"), "1kB");
    cr_assert_str_eq(tv_label(1536, "bytes", "auto"), "1.50kB");
    cr_assert_str_eq(tv_label(1048576, "bytes", "auto"), "1MB");
    cr_assert_str_eq(tv_label(-1536, "bytes", "auto"), "-1.50kB");
    cr_assert_str_eq(tv_label(0, "bytes", "auto"), "0");
}

Test(units, fixed_units_counts_and_rounding)
{
    cr_assert_str_eq(tv_label(740e6, "nanoseconds", "ms"), "740ms");
    cr_assert_str_eq(tv_label(60e6, "nanoseconds", "s"), "0.06s");
    cr_assert_str_eq(tv_label(60e6, "nanoseconds", "seconds"), "0.06s");
    cr_assert_str_eq(tv_label(96, "bytes", "kB"), "0.09kB");
    cr_assert_str_eq(tv_label(2, "bytes", "kB"), "0");       /* 0.00195 rounds to 0 */
    cr_assert_str_eq(tv_label(3 << 20, "bytes", "MB"), "3MB");
    cr_assert_str_eq(tv_label(1e9, "nanoseconds", "parsecs"), "1s"); /* family default */
    cr_assert_str_eq(tv_label(5, "count", "minimum"), "5");
    cr_assert_str_eq(tv_label(2.5, "count", "count"), "2.50");
    cr_assert_str_eq(tv_label(7, "widgets", "widgets"), "7widgets");
    cr_assert_str_eq(tv_label(1, "microseconds", "auto"), "1us");
    cr_assert_str_eq(tv_label(1, "MB", "kB"), "1024kB");
}

Test(units, percentages)
{
    cr_assert_str_eq(tv_percent(100, 100), "  100%");
    cr_assert_str_eq(tv_percent(9995, 10000), "  100%");
    cr_assert_str_eq(tv_percent(9994, 10000), "99.94%");
    cr_assert_str_eq(tv_percent(1, 100), " 1.00%");
    cr_assert_str_eq(tv_percent(96, 753541), "0.013%");
    cr_assert_str_eq(tv_percent(0, 100), "    0%");
    cr_assert_str_eq(tv_percent(5, 0), "    0%");
    cr_assert_str_eq(tv_percent(-30, 100), "30.00%");
}

Test(units, one_unit_per_table)
{
    /* smallest 10ms, total 740ms: ms */
    cr_assert_str_eq(units_table_unit("minimum", 10e6, 740e6, "nanoseconds"), "ms");
    /* smallest 96 B below 1% of 735 kB: the unit of 9600 B, kB */
    cr_assert_str_eq(units_table_unit("minimum", 96, 753541, "bytes"), "kB");
    /* smallest 512 B not below 1% of 2 kB: B */
    cr_assert_str_eq(units_table_unit("minimum", 512, 2048, "bytes"), "B");
    /* nothing non-zero: the total's unit */
    cr_assert_str_eq(units_table_unit("minimum", 0, 2e9, "nanoseconds"), "s");
    /* counts keep the sample unit (printed bare) */
    cr_assert_str_eq(units_table_unit("minimum", 1, 10, "count"), "count");
    cr_assert_str_eq(units_table_unit("MB", 1, 10, "bytes"), "MB");
    cr_assert(units_known("ms") && units_known("megabytes") && units_known("auto"));
    cr_assert(!units_known("furlongs"));
}

/* ---------- top ---------- */

Test(text_top, flat_cum_recursion_counted_once)
{
    struct profile *profile = tv_cpu_profile();
    struct function_table table;
    function_table_build(&table, profile, 0);
    function_table_sort(&table, profile, FLAT_SORT_FLAT);
    cr_assert_eq(table.count, 4);
    const char *names[] = {"c", "b", "a", "main"};
    double flat[] = {60e6, 30e6, 10e6, 0}, cumulative[] = {60e6, 50e6, 40e6, 100e6};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(profile_string(profile, table.rows[i].name), names[i]);
        cr_assert_eq(table.rows[i].flat, flat[i]);
        cr_assert_eq(table.rows[i].cumulative, cumulative[i]);
    }
    cr_assert_eq(table.absolute_sum, 100e6);
    function_table_free(&table);
    profile_destroy(profile);
}

Test(text_top, table_as_pprof_prints_it)
{
    struct profile *profile = tv_cpu_profile();
    struct text_top_options options = {FLAT_SORT_FLAT, 0, 0.005, "minimum"};
    char *text = NULL;
    TV_CAPTURE(text, text_top_profile(file, profile, 0, &options));
    cr_assert_str_eq(text,
                     "Type: cpu\n"
                     "Showing nodes accounting for 100ms, 100% of 100ms total\n"
                     "      flat  flat%   sum%        cum   cum%\n"
                     "      60ms 60.00% 60.00%       60ms 60.00%  c\n"
                     "      30ms 30.00% 90.00%       50ms 50.00%  b\n"
                     "      10ms 10.00%   100%       40ms 40.00%  a\n"
                     "         0     0%   100%      100ms   100%  main\n");
    free(text);
    profile_destroy(profile);
}

Test(text_top, cum_sort_node_fraction_node_count_and_unit)
{
    struct profile *profile = tv_cpu_profile();
    struct text_top_options options = {FLAT_SORT_CUMULATIVE, 2, 0.45, "s"};
    char *text = NULL;
    /* a (cum 40ms < 45ms) is dropped; then the first two by cum. */
    TV_CAPTURE(text, text_top_profile(file, profile, 0, &options));
    cr_assert_str_eq(text,
                     "Type: cpu\n"
                     "Showing nodes accounting for 0.06s, 60.00% of 0.10s total\n"
                     "Dropped 1 node (cum <= 0.04s)\n"
                     "Showing top 2 nodes out of 3\n"
                     "      flat  flat%   sum%        cum   cum%\n"
                     "         0     0%     0%      0.10s   100%  main\n"
                     "     0.06s 60.00% 60.00%      0.06s 60.00%  c\n");
    free(text);
    profile_destroy(profile);
}

Test(text_top, time_and_duration_header)
{
    setenv("TZ", "UTC", 1);
    tzset();
    struct profile *profile = tv_cpu_profile();
    profile->start_time = 1e9; /* 2001-09-09 01:46:40 UTC */
    profile->end_time = 1e9 + 1.16;
    struct text_top_options options = {FLAT_SORT_FLAT, 1, 0, "minimum"};
    char *text = NULL;
    TV_CAPTURE(text, text_top_profile(file, profile, 0, &options));
    cr_assert_str_eq(text,
                     "Type: cpu\n"
                     "Time: Sep 9, 2001 at 1:46am (UTC)\n"
                     "Duration: 1.16s, Total samples = 100ms ( 8.62%)\n"
                     "Showing nodes accounting for 60ms, 60.00% of 100ms total\n"
                     "Showing top 1 nodes out of 4\n"
                     "      flat  flat%   sum%        cum   cum%\n"
                     "      60ms 60.00% 60.00%       60ms 60.00%  c\n");
    free(text);
    profile_destroy(profile);
}

/* ---------- peek ---------- */

static int tv_match_exact(void *context, const char *name, size_t length)
{
    const char *wanted = context;
    return strlen(wanted) == length && memcmp(wanted, name, length) == 0;
}

Test(text_peek, callers_and_callees_with_shares)
{
    struct profile *profile = tv_cpu_profile();
    struct text_peek_options options = {FLAT_SORT_FLAT, "minimum"};
    char *text = NULL;
    size_t matched = 0;
    /* b: called by a (main;a;b 30) and main (main;b;b;c 20, b->b is no
     * edge); calls c (20, once for the b;b;c stack). */
    TV_CAPTURE(text, text_peek(file, profile, 0, tv_match_exact, "b", &options, &matched));
    cr_assert_eq(matched, 1);
    cr_assert_str_eq(text,
                     "Type: cpu\n"
                     "Showing nodes accounting for 100ms, 100% of 100ms total\n"
                     "----------------------------------------------------------+-------------\n"
                     "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"
                     "----------------------------------------------------------+-------------\n"
                     "                                              30ms 60.00% |   a\n"
                     "                                              20ms 40.00% |   main\n"
                     "      30ms 30.00% 30.00%       50ms 50.00%                | b\n"
                     "                                              20ms 40.00% |   c\n"
                     "----------------------------------------------------------+-------------\n");
    free(text);
    profile_destroy(profile);
}

Test(text_peek, an_edge_repeated_on_a_stack_counts_once)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    unit_add_stack(profile, "x;y;x;y", 0, 7);
    unit_add_stack(profile, "x;y", 0, 3);
    struct text_peek_options options = {FLAT_SORT_FLAT, "minimum"};
    char *text = NULL;
    size_t matched = 0;
    TV_CAPTURE(text, text_peek(file, profile, 0, tv_match_exact, "x", &options, &matched));
    cr_assert_eq(matched, 1);
    const char *expected =
        "                                                 7 70.00% |   y\n"
        "         0     0%     0%         10   100%                | x\n"
        "                                                10   100% |   y\n";
    cr_assert_not_null(strstr(text, expected), "got:\n%s", text);
    free(text);
    profile_destroy(profile);
}

Test(text_peek, nothing_matched_prints_nothing)
{
    struct profile *profile = tv_cpu_profile();
    struct text_peek_options options = {FLAT_SORT_FLAT, "minimum"};
    char *text = NULL;
    size_t matched = 5;
    TV_CAPTURE(text, text_peek(file, profile, 0, tv_match_exact, "zzz", &options, &matched));
    cr_assert_eq(matched, 0);
    cr_assert_str_eq(text, "");
    free(text);
    profile_destroy(profile);
}

/* ---------- tree ---------- */

Test(text_tree, indented_heaviest_first_ties_by_name)
{
    struct profile *profile = tv_cpu_profile();
    struct text_tree_options options = {"minimum"};
    char *text = NULL;
    TV_CAPTURE(text, text_tree(file, profile, 0, &options));
    cr_assert_str_eq(text,
                     "Type: cpu\n"
                     "Total: 100ms\n"
                     "     total total%       self  self%  call tree\n"
                     "     100ms   100%          0     0%  main\n"
                     "      40ms 40.00%       10ms 10.00%    a\n"
                     "      30ms 30.00%       30ms 30.00%      b\n"
                     "      40ms 40.00%       40ms 40.00%    c\n"
                     "      20ms 20.00%          0     0%    b\n"
                     "      20ms 20.00%          0     0%      b\n"
                     "      20ms 20.00%       20ms 20.00%        c\n");
    free(text);
    profile_destroy(profile);
}

Test(text_tree, zero_nodes_left_out_and_hostile_names_escaped)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    profile_add_sample_type(profile, "other", "count");
    unit_add_stack(profile, "r;evil\nname", 0, 2);
    uint32_t frames[2] = {profile_frame_named(profile, "r", 1, FRAME_UNKNOWN),
                          profile_frame_named(profile, "only-other", 10, FRAME_UNKNOWN)};
    profile_add_value(profile, profile_add_stack(profile, frames, 2), 1, 5);
    struct text_tree_options options = {"minimum"};
    char *text = NULL;
    TV_CAPTURE(text, text_tree(file, profile, 0, &options));
    cr_assert_str_eq(text,
                     "Type: samples\n"
                     "Total: 2\n"
                     "     total total%       self  self%  call tree\n"
                     "         2   100%          0     0%  r\n"
                     "         2   100%          2   100%    evil\\x0aname\n");
    free(text);
    profile_destroy(profile);
}
