/* test_flamechart.c — unit tests of the flame chart layout by time
 * (flame_layout.c: sample extents, gaps, lanes, the input-order fallback)
 * and of the hot/cold flags and colours. Every expected box below is
 * computed by hand from the rules in flame_layout.h. */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "model/offcpu.h"
#include "render/flame_layout.h"
#include "render/palette.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct profile *chart_profile(const char *unit)
{
    struct profile *profile = profile_create();
    profile->keep_timeline = 1;
    profile_add_sample_type(profile, "time", unit);
    return profile;
}

/* Adds one timeline sample whose stack is "a;b;c" (root first). */
static void chart_sample(struct profile *profile, double time, const char *thread,
                         const char *stack, double weight)
{
    uint32_t frames[16];
    size_t depth = 0;
    for (const char *at = stack; *at && depth < 16;) {
        const char *end = strchr(at, ';');
        size_t length = end ? (size_t)(end - at) : strlen(at);
        frames[depth++] = profile_frame_named(profile, at, length, FRAME_UNKNOWN);
        at += length + (end ? 1 : 0);
    }
    uint32_t node = profile_add_stack(profile, frames, depth);
    profile_add_value(profile, node, 0, weight);
    profile_timeline_append(profile, time,
                            thread ? profile_intern_cstring(profile, thread) : PROFILE_NONE, node,
                            weight);
}

static struct flame_layout chart_layout(const struct profile *profile)
{
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .flamechart = 1};
    flame_layout_build(&layout, profile, &options);
    return layout;
}

static const char *chart_box_name(const struct profile *profile, const struct flame_box *box)
{
    return box->name == FLAME_NAME_ROOT ? "all" : profile_string(profile, box->name);
}

/* Asserts that a box named name spans [start, end) at depth. */
static void expect_box(const struct profile *profile, const struct flame_layout *layout,
                       const char *name, uint32_t depth, double start, double end)
{
    for (size_t i = 0; i < layout->box_count; i++) {
        const struct flame_box *box = &layout->boxes[i];
        if (box->depth == depth && strcmp(chart_box_name(profile, box), name) == 0 &&
            fabs(box->start - start) < 1e-9) {
            cr_assert_float_eq(box->end, end, 1e-9, "%s at %g ends at %.12g, not %g", name, start,
                               box->end, end);
            return;
        }
    }
    cr_assert_fail("no box %s at depth %u starting at %g", name, depth, start);
}

Test(flamechart, known_durations_and_a_gap)
{
    /* Weights in microseconds are durations: a [0,300) us with b then c;
     * nothing from 300 to 500 us; a and c again [500,600) us. */
    struct profile *profile = chart_profile("microseconds");
    chart_sample(profile, 10.0, "t", "a;b", 200);
    chart_sample(profile, 10.0002, "t", "a;c", 100);
    chart_sample(profile, 10.0005, "t", "a;c", 100);
    struct flame_layout layout = chart_layout(profile);
    cr_assert(layout.timed);
    cr_assert(layout.durations_known);
    cr_assert_float_eq(layout.time_origin, 10.0, 1e-12);
    cr_assert_float_eq(layout.total, 600e-6, 1e-9);
    cr_assert_eq(layout.box_count, 6);
    expect_box(profile, &layout, "all", 0, 0, 600e-6);
    expect_box(profile, &layout, "a", 1, 0, 300e-6);
    expect_box(profile, &layout, "b", 2, 0, 200e-6);
    expect_box(profile, &layout, "c", 2, 200e-6, 300e-6);
    expect_box(profile, &layout, "a", 1, 500e-6, 600e-6);
    expect_box(profile, &layout, "c", 2, 500e-6, 600e-6);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, sampled_without_durations)
{
    /* Counts: the typical interval is the median gap (1 s); the sample at
     * 3 s is followed 7 s later, so it covers [3,4) and 4..10 is a gap. */
    struct profile *profile = chart_profile("count");
    const double times[] = {0, 1, 2, 3, 10, 11};
    const char *stacks[] = {"m;x", "m;x", "m;y", "m;y", "m;y", "m;x"};
    for (size_t i = 0; i < 6; i++)
        chart_sample(profile, 100 + times[i], "t", stacks[i], 7);
    struct flame_layout layout = chart_layout(profile);
    cr_assert(layout.timed);
    cr_assert_not(layout.durations_known);
    cr_assert_float_eq(layout.total, 12, 1e-9);
    cr_assert_eq(layout.box_count, 7);
    expect_box(profile, &layout, "all", 0, 0, 12);
    expect_box(profile, &layout, "m", 1, 0, 4);
    expect_box(profile, &layout, "x", 2, 0, 2);
    expect_box(profile, &layout, "y", 2, 2, 4);
    expect_box(profile, &layout, "m", 1, 10, 12);
    expect_box(profile, &layout, "y", 2, 10, 11);
    expect_box(profile, &layout, "x", 2, 11, 12);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, one_lane_per_thread_ordered_by_first_sample)
{
    /* Thread B comes first in the input but starts later: lane A (rows 1-2)
     * is drawn first, an empty row 3, then lane B (rows 4-5). */
    struct profile *profile = chart_profile("count");
    chart_sample(profile, 0.5, "B", "B;g", 1);
    chart_sample(profile, 0.0, "A", "A;f", 1);
    chart_sample(profile, 1.5, "B", "B;g", 1);
    chart_sample(profile, 1.0, "A", "A;f", 1);
    chart_sample(profile, 2.0, "A", "A;f", 1);
    struct flame_layout layout = chart_layout(profile);
    cr_assert(layout.timed);
    cr_assert_eq(layout.lane_count, 2);
    cr_assert_float_eq(layout.total, 3, 1e-9);
    cr_assert_eq(layout.max_depth, 5);
    expect_box(profile, &layout, "all", 0, 0, 3);
    expect_box(profile, &layout, "A", 1, 0, 3);
    expect_box(profile, &layout, "f", 2, 0, 3);
    expect_box(profile, &layout, "B", 4, 0.5, 2.5);
    expect_box(profile, &layout, "g", 5, 0.5, 2.5);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, time_going_back_starts_a_lane)
{
    /* One unnamed thread whose clock restarts (two recordings in a file). */
    struct profile *profile = chart_profile("milliseconds");
    chart_sample(profile, 0.000, NULL, "p;q", 2);
    chart_sample(profile, 0.002, NULL, "p;q", 2);
    chart_sample(profile, 0.001, NULL, "r", 1);
    struct flame_layout layout = chart_layout(profile);
    cr_assert_eq(layout.lane_count, 2);
    cr_assert_float_eq(layout.total, 0.004, 1e-12);
    expect_box(profile, &layout, "p", 1, 0, 0.004);
    expect_box(profile, &layout, "q", 2, 0, 0.004);
    expect_box(profile, &layout, "r", 4, 0.001, 0.002);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, durations_cut_at_the_next_sample)
{
    /* A 5 ms weight followed 1 ms later by the next sample ends there. */
    struct profile *profile = chart_profile("nanoseconds");
    chart_sample(profile, 1.000, "t", "a", 5e6);
    chart_sample(profile, 1.001, "t", "b", 1e6);
    struct flame_layout layout = chart_layout(profile);
    expect_box(profile, &layout, "a", 1, 0, 0.001);
    expect_box(profile, &layout, "b", 1, 0.001, 0.002);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, unknown_times_keep_input_order)
{
    /* One time unknown: flamegraph.pl's flame chart, x = running count. */
    struct profile *profile = chart_profile("count");
    chart_sample(profile, 1.0, "t", "a;b", 2);
    chart_sample(profile, NAN, "t", "a;c", 3);
    chart_sample(profile, 3.0, "t", "a;b", 1);
    struct flame_layout layout = chart_layout(profile);
    cr_assert_not(layout.timed);
    cr_assert_float_eq(layout.total, 6, 1e-12);
    expect_box(profile, &layout, "a", 1, 0, 6);
    expect_box(profile, &layout, "b", 2, 0, 2);
    expect_box(profile, &layout, "c", 2, 2, 5);
    expect_box(profile, &layout, "b", 2, 5, 6);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, prunes_by_fraction_of_the_span)
{
    struct profile *profile = chart_profile("seconds");
    chart_sample(profile, 0, "t", "a;wide", 99);
    chart_sample(profile, 99, "t", "a;narrow", 1);
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .flamechart = 1,
                                           .min_width_fraction = 0.02};
    flame_layout_build(&layout, profile, &options);
    cr_assert_eq(layout.box_count, 3); /* all, a, wide */
    expect_box(profile, &layout, "wide", 2, 0, 99);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

static struct profile *hotcold_profile(void)
{
    static const char text[] = "[off-cpu];app;main;read 4\napp;main;read 1\napp;main 5\n";
    struct input input;
    input_open_memory(&input, text, strlen(text), "hotcold");
    struct profile *profile = profile_create();
    struct read_options options = {0};
    struct read_statistics statistics = {0};
    cr_assert_eq(format_read_input(&input, format_by_name("folded"), profile, &options,
                                   &statistics), 0);
    input_close(&input);
    return profile;
}

Test(hotcold, boxes_above_the_marker_are_off_cpu_and_never_merged)
{
    struct profile *profile = hotcold_profile();
    cr_assert(offcpu_marker_present(profile));
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .hotcold = 1};
    flame_layout_build(&layout, profile, &options);
    size_t off = 0, on = 0, apps = 0;
    for (size_t i = 0; i < layout.box_count; i++) {
        const struct flame_box *box = &layout.boxes[i];
        const char *name = chart_box_name(profile, box);
        if (strcmp(name, "app") == 0)
            apps++;
        if (box->flags & FLAME_BOX_OFFCPU) {
            off++;
            /* the off-CPU half sorts first ('[' < 'a'): x in [0, 4) */
            cr_assert_float_eq(box->start, 0, 1e-12);
            cr_assert_float_eq(box->end, 4, 1e-12);
        } else if (strcmp(name, "all") != 0) {
            on++;
            cr_assert_geq(box->start, 4);
        }
    }
    cr_assert_eq(off, 4, "[off-cpu], app, main, read");
    cr_assert_eq(on, 3, "app, main, read");
    cr_assert_eq(apps, 2);
    flame_layout_free(&layout);

    /* Without hotcold nothing is flagged. */
    struct flame_layout plain = {0};
    struct flame_layout_options plain_options = {.before_type = -1};
    flame_layout_build(&plain, profile, &plain_options);
    for (size_t i = 0; i < plain.box_count; i++)
        cr_assert_not(plain.boxes[i].flags & FLAME_BOX_OFFCPU);
    flame_layout_free(&plain);
    profile_destroy(profile);
}

Test(hotcold, marker_absent)
{
    struct profile *profile = profile_create();
    profile_frame_named(profile, "[off-cpu]x", 10, FRAME_UNKNOWN);
    cr_assert_not(offcpu_marker_present(profile));
    profile_intern_cstring(profile, "[off-cpu]"); /* a string, but no frame */
    cr_assert_not(offcpu_marker_present(profile));
    profile_destroy(profile);
}

static void rgb_of(const char *text, int *red, int *green, int *blue)
{
    cr_assert_eq(sscanf(text, "rgb(%d,%d,%d)", red, green, blue), 3, "%s", text);
}

Test(hotcold, colours_warm_and_blue)
{
    struct palette palette = {.kind = PALETTE_HOTCOLD, .mode = PALETTE_BY_NAME, .utf8 = 1};
    struct palette hot = {.kind = PALETTE_HOT, .mode = PALETTE_BY_NAME, .utf8 = 1};
    enum palette_kind kind;
    cr_assert_eq(palette_kind_from_name("hotcold", &kind), 0);
    cr_assert_eq(kind, PALETTE_HOTCOLD);
    const char *names[] = {"main", "read", "schedule", "[off-cpu]", "a_very_long_function_name"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char warm[32], warm_hot[32], cold[32];
        size_t length = strlen(names[i]);
        palette_color(&palette, names[i], length, warm);
        palette_color(&hot, names[i], length, warm_hot);
        cr_assert_str_eq(warm, warm_hot, "on-CPU frames use the hot palette");
        palette_color_off_cpu(&palette, names[i], length, cold);
        int r, g, b;
        rgb_of(warm, &r, &g, &b);
        cr_assert(r >= 205 && r <= 255 && g >= 0 && g <= 230 && b >= 0 && b <= 55, "%s", warm);
        rgb_of(cold, &r, &g, &b);
        cr_assert(r == g && r >= 80 && r <= 140 && b >= 205 && b <= 255, "%s", cold);
    }
}

Test(flamechart, many_threads_many_lanes)
{
    /* 100 threads (the thread table grows past its first 16 slots), each
     * sampled at t and t + 1 s: 100 lanes of 2 rows plus an empty one. */
    struct profile *profile = chart_profile("count");
    char name[16];
    for (int round = 0; round < 2; round++)
        for (int thread = 0; thread < 100; thread++) {
            snprintf(name, sizeof name, "t%d", thread);
            chart_sample(profile, thread * 0.01 + round, name, "p;q", 1);
        }
    struct flame_layout layout = chart_layout(profile);
    cr_assert_eq(layout.lane_count, 100);
    cr_assert_eq(layout.max_depth, 99 * 3 + 2);
    /* the typical interval is 1 s: thread 42's box spans [0.42, 2.42) */
    expect_box(profile, &layout, "q", 42 * 3 + 2, 0.42, 2.42);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, times_for_other_renderers)
{
    /* The same placement as the layout, per timeline entry, for html.c. */
    struct profile *profile = chart_profile("count");
    chart_sample(profile, 0.5, "B", "B;g", 1);
    chart_sample(profile, 0.0, "A", "A;f", 1);
    chart_sample(profile, 1.5, "B", "B;g", 1);
    chart_sample(profile, 1.0, "A", "A;f", 1);
    chart_sample(profile, 2.0, "A", "A;f", 1);
    struct flame_chart_times times;
    cr_assert_eq(flame_chart_times(profile, &times), 0);
    cr_assert_eq(times.count, 5);
    cr_assert_eq(times.lane_count, 2);
    cr_assert_float_eq(times.span, 3, 1e-12);
    const double start[] = {0.5, 0, 1.5, 1, 2}, end[] = {1.5, 1, 2.5, 2, 3};
    const uint32_t lane[] = {1, 0, 1, 0, 0};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_float_eq(times.start[i], start[i], 1e-12);
        cr_assert_float_eq(times.end[i], end[i], 1e-12);
        cr_assert_eq(times.lane[i], lane[i]);
    }
    flame_chart_times_free(&times);
    profile_destroy(profile);

    struct profile *untimed = chart_profile("count");
    chart_sample(untimed, NAN, "t", "a", 1);
    cr_assert_eq(flame_chart_times(untimed, &times), -1);
    profile_destroy(untimed);
}

Test(flamechart, a_pruned_lane_takes_no_room)
{
    /* Thread A's only box lasts 1 s of 100 s: under a 2% minimum it goes,
     * and thread B's band moves down to row 1. */
    struct profile *profile = chart_profile("seconds");
    chart_sample(profile, 0, "A", "a;x", 1);
    chart_sample(profile, 10, "B", "b;y", 90);
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .flamechart = 1,
                                           .min_width_fraction = 0.02};
    flame_layout_build(&layout, profile, &options);
    cr_assert_eq(layout.lane_count, 1);
    cr_assert_eq(layout.max_depth, 2);
    expect_box(profile, &layout, "b", 1, 10, 100);
    expect_box(profile, &layout, "y", 2, 10, 100);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(flamechart, epoch_scale_times_do_not_split_boxes)
{
    /* Times near 1.7e9 s (epoch milliseconds of a trace) carry rounding of
     * about 2e-7 s; consecutive 1.1 ms samples must still make one box. */
    struct profile *profile = chart_profile("milliseconds");
    for (int k = 0; k < 50; k++)
        chart_sample(profile, (1700000000000.0 + 1.1 * k) * 1e-3, "t", "a;b", 1.1);
    struct flame_layout layout = chart_layout(profile);
    cr_assert(layout.timed);
    cr_assert_eq(layout.box_count, 3, "all, a and b once each, not %zu boxes", layout.box_count);
    cr_assert_float_eq(layout.total, 0.055, 1e-6);
    flame_layout_free(&layout);
    profile_destroy(profile);
}
