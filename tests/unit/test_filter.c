/* test_filter.c — unit tests of the profile filters (model/filter.c):
 * every option alone and in combination, on small profiles read from
 * folded text or built through the model API, against hand-computed
 * folded output. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "model/filter.h"
#include "model/profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct profile *filter_test_apply(const struct profile *source,
                                         const struct profile_filter_spec *spec,
                                         size_t sample_type, struct profile_filter_report *report)
{
    struct profile_filter_error error;
    struct profile_filter *filter = profile_filter_create(spec, &error);
    cr_assert_not_null(filter, "regex refused: %s", error.message);
    struct profile *filtered = profile_filter_apply(filter, source, sample_type, report);
    profile_filter_destroy(filter);
    return filtered;
}

/* Reads input, filters it with spec, and compares the folded result. */
static void filter_expect(const char *input, const struct profile_filter_spec *spec,
                          const char *expected)
{
    struct profile *source = unit_read_folded(input, NULL);
    char *before = unit_folded(source, 0);
    struct profile *filtered = filter_test_apply(source, spec, 0, NULL);
    char *text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, expected);
    char *after = unit_folded(source, 0);
    cr_assert_str_eq(after, before, "the source profile was modified");
    free(text);
    free(before);
    free(after);
    profile_destroy(filtered);
    profile_destroy(source);
}

static const char *const basic_profile = "main;a;b 3\nmain;a;c 2\nmain;d 5\ninit;x 1\n";

Test(filter, no_option_copies_the_profile)
{
    struct profile_filter_spec spec = {0};
    filter_expect(basic_profile, &spec, "init;x 1\nmain;a;b 3\nmain;a;c 2\nmain;d 5\n");
}

Test(filter, focus_keeps_stacks_with_a_matching_frame)
{
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^a$"};
    filter_expect(basic_profile, &spec, "main;a;b 3\nmain;a;c 2\n");
    /* Unanchored: "ai" is found inside "main". */
    struct profile_filter_spec inside = {.patterns[FILTER_FOCUS] = "ai"};
    filter_expect(basic_profile, &inside, "main;a;b 3\nmain;a;c 2\nmain;d 5\n");
}

Test(filter, ignore_drops_stacks_with_a_matching_frame)
{
    struct profile_filter_spec spec = {.patterns[FILTER_IGNORE] = "^[cx]$"};
    filter_expect(basic_profile, &spec, "main;a;b 3\nmain;d 5\n");
}

Test(filter, ignore_wins_over_focus)
{
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^main$",
                                       .patterns[FILTER_IGNORE] = "^c$"};
    filter_expect(basic_profile, &spec, "main;a;b 3\nmain;d 5\n");
}

Test(filter, hide_removes_frames_and_merges_what_becomes_equal)
{
    struct profile_filter_spec spec = {.patterns[FILTER_HIDE] = "^a$"};
    filter_expect(basic_profile, &spec, "init;x 1\nmain;b 3\nmain;c 2\nmain;d 5\n");
    /* "main;a;b" and "main;b" become one stack. */
    struct profile_filter_spec merge = {.patterns[FILTER_HIDE] = "^a$"};
    filter_expect("main;a;b 3\nmain;b 4\n", &merge, "main;b 7\n");
}

Test(filter, hide_of_every_frame_drops_the_stack)
{
    struct profile_filter_spec spec = {.patterns[FILTER_HIDE] = "^(init|x)$"};
    filter_expect(basic_profile, &spec, "main;a;b 3\nmain;a;c 2\nmain;d 5\n");
}

Test(filter, show_keeps_only_matching_frames)
{
    /* main;d keeps no frame and is dropped, as pprof drops such samples. */
    struct profile_filter_spec spec = {.patterns[FILTER_SHOW] = "^(a|b|x)$"};
    filter_expect(basic_profile, &spec, "a 2\na;b 3\nx 1\n");
}

Test(filter, focus_is_judged_before_hide)
{
    /* pprof: focus sees the frames hide removes. */
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^a$",
                                       .patterns[FILTER_HIDE] = "^a$"};
    filter_expect(basic_profile, &spec, "main;b 3\nmain;c 2\n");
}

Test(filter, prune_from_cuts_below_the_deepest_match)
{
    /* pprof's PruneFrom example: [A,B,C,B,D] leaf first; B -> [B,C,B,D]. */
    struct profile_filter_spec spec = {.patterns[FILTER_PRUNE_FROM] = "^B$"};
    filter_expect("D;B;C;B;A 4\nD;B;E 1\nD;F 2\n", &spec, "D;B 1\nD;B;C;B 4\nD;F 2\n");
    /* A match at the leaf changes nothing. */
    struct profile_filter_spec leaf = {.patterns[FILTER_PRUNE_FROM] = "^A$"};
    filter_expect("D;B;C;B;A 4\n", &leaf, "D;B;C;B;A 4\n");
}

Test(filter, prune_from_ignores_hidden_frames)
{
    /* --hide removes B before --prune-from looks for it. */
    struct profile_filter_spec spec = {.patterns[FILTER_HIDE] = "^B$",
                                       .patterns[FILTER_PRUNE_FROM] = "^[BC]$"};
    filter_expect("a;B;c;d 1\na;B;C;d 2\n", &spec, "a;C 2\na;c;d 1\n");
}

Test(filter, dropped_stacks_leave_no_empty_nodes)
{
    struct profile *source = unit_read_folded("main;a;b;c 3\nmain;a;e 1\nmain;d 5\n", NULL);
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^d$"};
    struct profile *filtered = filter_test_apply(source, &spec, 0, NULL);
    cr_assert_eq(filtered->node_count, 3, "root, main and d, got %zu nodes", filtered->node_count);
    profile_destroy(filtered);
    /* min percent and max depth make nodes only for stacks with values. */
    struct profile_filter_spec shape = {.max_depth = 2, .min_percent = 50};
    filtered = filter_test_apply(source, &shape, 0, NULL);
    char *text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, "main;d 5\nmain;other 4\n");
    cr_assert_eq(filtered->node_count, 4);
    free(text);
    profile_destroy(filtered);
    profile_destroy(source);
}

Test(filter, merge_recursion_collapses_runs_of_one_name)
{
    struct profile_filter_spec spec = {.merge_recursion = 1};
    filter_expect("main;r;r;r;x 2\nmain;r;y;r 1\nmain;r 3\nr;r 1\n", &spec,
                  "main;r 3\nmain;r;x 2\nmain;r;y;r 1\nr 1\n");
}

Test(filter, hide_then_merge_recursion)
{
    struct profile_filter_spec spec = {.patterns[FILTER_HIDE] = "^b$", .merge_recursion = 1};
    filter_expect("a;b;a;c 1\n", &spec, "a;c 1\n");
}

static const char *const perf_roots =
    "java-123/456;a 1\njava-123/789;a 2\njava-124;b 3\nbash;c 4\n"
    "kworker/0:1-999/1000;k 1\nperl-?/55;p 1\nruby-?;q 1\nx-y;z 1\nroot;java-12 1\n";

Test(filter, no_tids_drops_the_thread_id_of_root_frames)
{
    struct profile_filter_spec spec = {.strip_roots = FILTER_STRIP_TIDS};
    filter_expect(perf_roots, &spec,
                  "bash;c 4\njava-123;a 3\njava-124;b 3\nkworker/0:1-999;k 1\nperl-?;p 1\n"
                  "root;java-12 1\nruby-?;q 1\nx-y;z 1\n");
}

Test(filter, no_pids_keeps_the_command_name_only)
{
    struct profile_filter_spec spec = {.strip_roots = FILTER_STRIP_PIDS};
    filter_expect(perf_roots, &spec,
                  "bash;c 4\njava;a 3\njava;b 3\nkworker/0:1;k 1\nperl;p 1\nroot;java-12 1\n"
                  "ruby;q 1\nx-y;z 1\n");
}

Test(filter, focus_sees_stripped_roots)
{
    struct profile_filter_spec spec = {.strip_roots = FILTER_STRIP_PIDS,
                                       .patterns[FILTER_FOCUS] = "^java$"};
    filter_expect(perf_roots, &spec, "java;a 3\njava;b 3\n");
}

Test(filter, invert_reverses_every_stack)
{
    struct profile_filter_spec spec = {.invert = 1};
    filter_expect(basic_profile, &spec, "b;a;main 3\nc;a;main 2\nd;main 5\nx;init 1\n");
}

Test(filter, max_depth_moves_deeper_values_to_the_last_kept_frame)
{
    struct profile_filter_spec spec = {.max_depth = 2};
    filter_expect(basic_profile, &spec, "init;x 1\nmain;a 5\nmain;d 5\n");
    struct profile_filter_spec one = {.max_depth = 1};
    filter_expect(basic_profile, &one, "init 1\nmain 10\n");
}

Test(filter, max_depth_applies_after_invert)
{
    /* The inverted view's first level: the leaf functions. */
    struct profile_filter_spec spec = {.invert = 1, .max_depth = 1};
    filter_expect(basic_profile, &spec, "b 3\nc 2\nd 5\nx 1\n");
}

static const char *const percent_profile =
    "r;a;a1 50\nr;a;a2 4\nr;b 30\nr;c 6\nr;d 5\ns 5\n"; /* total 100 */

Test(filter, min_percent_merges_small_children_into_other)
{
    /* Below 5: only a2 (4). Exactly 5 stays. */
    struct profile_filter_spec five = {.min_percent = 5};
    filter_expect(percent_profile, &five,
                  "r;a;a1 50\nr;a;other 4\nr;b 30\nr;c 6\nr;d 5\ns 5\n");
    /* Below 6: s (5) at the root, d (5) under r, a2 under a. */
    struct profile_filter_spec six = {.min_percent = 6};
    filter_expect(percent_profile, &six,
                  "other 5\nr;a;a1 50\nr;a;other 4\nr;b 30\nr;c 6\nr;other 5\n");
    /* Below 10: c and d sum under r. */
    struct profile_filter_spec ten = {.min_percent = 10};
    filter_expect(percent_profile, &ten,
                  "other 5\nr;a;a1 50\nr;a;other 4\nr;b 30\nr;other 11\n");
    /* A fraction: 5.5 -> like 6 here except nothing at exactly 6 changes. */
    struct profile_filter_spec fraction = {.min_percent = 5.5};
    filter_expect(percent_profile, &fraction,
                  "other 5\nr;a;a1 50\nr;a;other 4\nr;b 30\nr;c 6\nr;other 5\n");
}

Test(filter, min_percent_keeps_the_self_value_of_kept_parents)
{
    /* r has self 10; its children x (2) and y (3) go to other (5 < 10% of 100). */
    struct profile_filter_spec spec = {.min_percent = 10};
    filter_expect("r 10\nr;x 2\nr;y 3\nq 85\n", &spec, "q 85\nr 10\nr;other 5\n");
}

Test(filter, min_percent_uses_the_totals_left_by_focus)
{
    /* After focus the total is 10 (main's stacks), so 2 of c is 20%. */
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^main$", .min_percent = 25};
    filter_expect(basic_profile, &spec, "main;a;b 3\nmain;a;other 2\nmain;d 5\n");
}

Test(filter, every_option_together)
{
    /* no-pids: java;a;r;r;b;hidden;c ... ; focus java; ignore skip; hide
     * hidden; prune_from ^c$; merge recursion; invert; max depth 3;
     * min percent 20. */
    const char *input = "java-1/2;a;r;r;b;hidden;c;deep 6\n"
                        "java-1/3;a;r;b 2\n"
                        "java-4;a;e 1\n"
                        "java-5;skip;e 7\n"
                        "bash-9;a 3\n";
    struct profile_filter_spec spec = {
        .strip_roots = FILTER_STRIP_PIDS,
        .patterns[FILTER_FOCUS] = "^java$",
        .patterns[FILTER_IGNORE] = "^skip$",
        .patterns[FILTER_HIDE] = "^hidden$",
        .patterns[FILTER_PRUNE_FROM] = "^c$",
        .merge_recursion = 1,
        .invert = 1,
        .max_depth = 3,
        .min_percent = 20,
    };
    /* After the name pass: java;a;r;b;c 6, java;a;r;b 2, java;a;e 1.
     * Inverted: c;b;r;a;java 6, b;r;a;java 2, e;a;java 1 (total 9).
     * Max depth 3: c;b;r 6, b;r;a 2, e;a;java 1.
     * Min 20% of 9 = 1.8: roots c 6, b 2, e 1 -> e becomes other. */
    filter_expect(input, &spec, "b;r;a 2\nc;b;r 6\nother 1\n");
}

Test(filter, regexes_search_the_file_too_but_prune_from_only_the_name)
{
    struct profile *source = profile_create();
    profile_add_sample_type(source, "samples", "count");
    uint32_t main_frame = profile_frame(source, profile_intern_cstring(source, "main"),
                                        profile_intern_cstring(source, "app.c"), 3, FRAME_NATIVE);
    uint32_t lib_frame = profile_frame(source, profile_intern_cstring(source, "work"),
                                       profile_intern_cstring(source, "/usr/lib/libz.so"), 0,
                                       FRAME_NATIVE);
    uint32_t leaf = profile_frame_named(source, "leaf", 4, FRAME_UNKNOWN);
    uint32_t stack1[] = {main_frame, lib_frame, leaf};
    uint32_t stack2[] = {main_frame, leaf};
    profile_add_value(source, profile_add_stack(source, stack1, 3), 0, 2);
    profile_add_value(source, profile_add_stack(source, stack2, 2), 0, 5);

    struct profile_filter_spec focus = {.patterns[FILTER_FOCUS] = "libz"};
    struct profile *filtered = filter_test_apply(source, &focus, 0, NULL);
    char *text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, "main;work;leaf 2\n");
    free(text);
    profile_destroy(filtered);

    struct profile_filter_spec hide = {.patterns[FILTER_HIDE] = "\\.so$"};
    filtered = filter_test_apply(source, &hide, 0, NULL);
    text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, "main;leaf 7\n");
    /* The kept frames keep their file, line and kind. */
    int found = 0;
    for (size_t frame = 0; frame < filtered->frame_count; frame++)
        if (strcmp(profile_frame_name(filtered, (uint32_t)frame), "main") == 0) {
            cr_assert_str_eq(profile_string(filtered, filtered->frames[frame].file), "app.c");
            cr_assert_eq(filtered->frames[frame].line, 3);
            cr_assert_eq(filtered->frames[frame].kind, FRAME_NATIVE);
            found = 1;
        }
    cr_assert(found);
    free(text);
    profile_destroy(filtered);

    struct profile_filter_spec prune = {.patterns[FILTER_PRUNE_FROM] = "app\\.c"};
    struct profile_filter_report report;
    filtered = filter_test_apply(source, &prune, 0, &report);
    text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, "main;leaf 5\nmain;work;leaf 2\n");
    cr_assert_eq(report.matched[FILTER_PRUNE_FROM], 0);
    free(text);
    profile_destroy(filtered);
    profile_destroy(source);
}

Test(filter, names_that_are_not_utf8_still_match)
{
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^caf"};
    filter_expect("caf\xe9;x 1\ntea;y 2\n", &spec, "caf\xe9;x 1\n");
}

Test(filter, report_says_which_regex_matched)
{
    struct profile *source = unit_read_folded(basic_profile, NULL);
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^main$",
                                       .patterns[FILTER_IGNORE] = "^nothing$",
                                       .patterns[FILTER_HIDE] = "^a$"};
    struct profile_filter_report report;
    struct profile *filtered = filter_test_apply(source, &spec, 0, &report);
    cr_assert_eq(report.matched[FILTER_FOCUS], 1);
    cr_assert_eq(report.matched[FILTER_IGNORE], 0);
    cr_assert_eq(report.matched[FILTER_HIDE], 1);
    cr_assert_eq(report.matched[FILTER_SHOW], 0);
    profile_destroy(filtered);
    profile_destroy(source);
}

Test(filter, bad_regex_names_the_option_and_offset)
{
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "ok",
                                       .patterns[FILTER_HIDE] = "ab(c"};
    struct profile_filter_error error;
    memset(&error, 0, sizeof error);
    cr_assert_null(profile_filter_create(&spec, &error));
    cr_assert_eq(error.pattern, FILTER_HIDE);
    cr_assert_eq(error.offset, 4);
    cr_assert(strstr(error.message, "parenthesis") != NULL, "message: %s", error.message);

    struct profile_filter_spec star = {.patterns[FILTER_PRUNE_FROM] = "*x"};
    cr_assert_null(profile_filter_create(&star, &error));
    cr_assert_eq(error.pattern, FILTER_PRUNE_FROM);
    cr_assert_eq(error.offset, 0);
    cr_assert(strstr(error.message, "quantifier") != NULL, "message: %s", error.message);
}

Test(filter, keeps_sample_types_labels_and_the_differential_flag)
{
    struct profile *source = profile_create();
    profile_add_sample_type(source, "samples", "count");
    profile_add_sample_type(source, "cpu", "nanoseconds");
    source->default_sample_type = 1;
    source->period = 10000000;
    source->period_type = profile_intern_cstring(source, "cpu");
    profile_add_label(source, "service", "api");
    uint32_t a = profile_frame_named(source, "a", 1, FRAME_UNKNOWN);
    uint32_t b = profile_frame_named(source, "b", 1, FRAME_UNKNOWN);
    uint32_t c = profile_frame_named(source, "c", 1, FRAME_UNKNOWN);
    uint32_t ab[] = {a, b}, ac[] = {a, c};
    uint32_t node = profile_add_stack(source, ab, 2);
    profile_add_value(source, node, 0, 1);
    profile_add_value(source, node, 1, 90);
    node = profile_add_stack(source, ac, 2);
    profile_add_value(source, node, 0, 9);
    profile_add_value(source, node, 1, 10);

    /* min-percent on type 1 (cpu): c has 10% of 100, below 20 -> other,
     * carrying its samples (9) along. */
    struct profile_filter_spec spec = {.min_percent = 20};
    struct profile *filtered = filter_test_apply(source, &spec, 1, NULL);
    cr_assert_eq(filtered->sample_type_count, 2);
    cr_assert_str_eq(profile_string(filtered, filtered->sample_types[1].type), "cpu");
    cr_assert_str_eq(profile_string(filtered, filtered->sample_types[1].unit), "nanoseconds");
    cr_assert_eq(filtered->default_sample_type, 1);
    cr_assert_eq(filtered->period, 10000000);
    cr_assert_str_eq(profile_string(filtered, filtered->period_type), "cpu");
    cr_assert_eq(filtered->label_count, 1);
    cr_assert_str_eq(profile_string(filtered, filtered->labels[0].value), "api");
    char *cpu = unit_folded(filtered, 1);
    char *samples = unit_folded(filtered, 0);
    cr_assert_str_eq(cpu, "a;b 90\na;other 10\n");
    cr_assert_str_eq(samples, "a;b 1\na;other 9\n");
    free(cpu);
    free(samples);
    profile_destroy(filtered);
    profile_destroy(source);

    struct profile *differential = unit_read_folded("main;a 1 4\nmain;b 3 0\n", NULL);
    cr_assert(differential->differential);
    struct profile_filter_spec hide = {.patterns[FILTER_HIDE] = "^main$"};
    filtered = filter_test_apply(differential, &hide, 0, NULL);
    cr_assert(filtered->differential);
    char *text = unit_folded(filtered, 0);
    cr_assert_str_eq(text, "a 1 4\nb 3 0\n");
    free(text);
    profile_destroy(filtered);
    profile_destroy(differential);
}

Test(filter, timeline_keeps_the_surviving_entries_in_order)
{
    struct profile *source = profile_create();
    source->keep_timeline = 1;
    profile_add_sample_type(source, "samples", "count");
    uint32_t main_frame = profile_frame_named(source, "main", 4, FRAME_UNKNOWN);
    uint32_t a = profile_frame_named(source, "a", 1, FRAME_UNKNOWN);
    uint32_t b = profile_frame_named(source, "b", 1, FRAME_UNKNOWN);
    uint32_t mab[] = {main_frame, a, b}, mb[] = {main_frame, b}, ma[] = {main_frame, a};
    uint32_t thread = profile_intern_cstring(source, "worker");
    uint32_t n1 = profile_add_stack(source, mab, 3);
    uint32_t n2 = profile_add_stack(source, mb, 2);
    uint32_t n3 = profile_add_stack(source, ma, 2);
    uint32_t sequence[] = {n1, n2, n3, n1, n2};
    for (size_t i = 0; i < 5; i++) {
        profile_add_value(source, sequence[i], 0, 1);
        profile_timeline_append(source, (double)i, thread, sequence[i], 1);
    }
    /* Hide a: main;a;b becomes main;b; ignore nothing else. focus b drops main;a. */
    struct profile_filter_spec spec = {.patterns[FILTER_FOCUS] = "^b$",
                                       .patterns[FILTER_HIDE] = "^a$"};
    struct profile *filtered = filter_test_apply(source, &spec, 0, NULL);
    cr_assert_eq(filtered->keep_timeline, 1);
    cr_assert_eq(filtered->timeline_count, 4);
    double times[] = {0, 1, 3, 4};
    char stack[128];
    for (size_t i = 0; i < 4; i++) {
        const struct timeline_entry *entry = &filtered->timeline[i];
        cr_assert_eq(entry->time, times[i]);
        cr_assert_str_eq(profile_string(filtered, entry->thread), "worker");
        unit_stack_text(filtered, entry->node, stack, sizeof stack);
        cr_assert_str_eq(stack, "main;b");
    }
    profile_destroy(filtered);

    /* Inverted: the timeline follows (reverse.c maps it). */
    struct profile_filter_spec invert = {.invert = 1, .max_depth = 1};
    filtered = filter_test_apply(source, &invert, 0, NULL);
    cr_assert_eq(filtered->timeline_count, 5);
    const char *leaves[] = {"b", "b", "a", "b", "b"};
    for (size_t i = 0; i < 5; i++) {
        unit_stack_text(filtered, filtered->timeline[i].node, stack, sizeof stack);
        cr_assert_str_eq(stack, leaves[i]);
    }
    profile_destroy(filtered);
    profile_destroy(source);
}
