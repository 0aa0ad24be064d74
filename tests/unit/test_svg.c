/* test_svg.c — unit tests of the SVG renderer's parts: escaping, perl's
 * random numbers and palettes, the flow layout (split names, pruning,
 * differential deltas) and the embedded script. */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "helpers.h"
#include "model/reverse.h"
#include "render/escape.h"
#include "render/flame_layout.h"
#include "render/palette.h"
#include "render/svg.h"
#include "render/svg_script.h"

#include <stdlib.h>
#include <string.h>

static char *escaped(const char *bytes, size_t length, enum escape_context context, int utf8)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    escape_write(file, bytes, length, context, utf8);
    fclose(file);
    return buffer;
}

Test(escape, markup_and_quotes)
{
    char *text = escaped("a<b>&\"c", 7, ESCAPE_TEXT, 1);
    cr_assert_str_eq(text, "a&lt;b&gt;&amp;\"c");
    free(text);
    char *attribute = escaped("a<b>&\"c\t", 8, ESCAPE_ATTRIBUTE, 1);
    cr_assert_str_eq(attribute, "a&lt;b&gt;&amp;&quot;c&#9;");
    free(attribute);
}

Test(escape, control_bytes_and_invalid_utf8)
{
    char *text = escaped("a\001b\xff" "c\xc3\xa9\xed\xa0\x80", 10, ESCAPE_TEXT, 1);
    cr_assert_str_eq(text, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    free(text);
    /* Without UTF-8 (a single-byte encoding) high bytes pass, controls do not. */
    char *latin = escaped("caf\xe9\002", 5, ESCAPE_TEXT, 0);
    cr_assert_str_eq(latin, "caf\xe9?");
    free(latin);
}

Test(escape, characters)
{
    const char *name = "caf\xc3\xa9\xe4\xb8\xad!";
    cr_assert_eq(escape_character_count(name, strlen(name), 1), 6);
    cr_assert_eq(escape_character_offset(name, strlen(name), 4, 1), 5);
    cr_assert_eq(escape_character_count(name, strlen(name), 0), strlen(name));
}

Test(escape, colors)
{
    cr_assert(escape_is_safe_color("#a0b1c2"));
    cr_assert(escape_is_safe_color("rgb(230,0,230)"));
    cr_assert(escape_is_safe_color("black"));
    cr_assert_not(escape_is_safe_color("red\" onload=\"x"));
    cr_assert_not(escape_is_safe_color("#<scri"));
    cr_assert_not(escape_is_safe_color("rgb(1,2,3);}"));
}

Test(palette, perl_random_matches_perl)
{
    /* perl -e 'srand(5); printf "%.17g", rand(1)' */
    struct perl_random random;
    perl_random_seed(&random, 5);
    double first = perl_random_next(&random);
    cr_assert_float_eq(first, 0.52483957943423221, 1e-15);
    perl_random_seed(&random, 0);
    double second = perl_random_next(&random);
    cr_assert_float_eq(second, 0.17082803610628972, 1e-15);
}

Test(palette, flamegraph_pl_default_colours)
{
    /* Colours flamegraph.pl draws for these names with the hot palette. */
    struct palette palette = {.kind = PALETTE_HOT, .mode = PALETTE_BY_NAME, .utf8 = 1};
    char color[32];
    palette_color(&palette, "main", 4, color);
    cr_assert_str_eq(color, "rgb(243,179,42)");
    palette_color(&palette, "foo.isra", 8, color);
    cr_assert_str_eq(color, "rgb(239,157,37)");
    palette_color_scale(5, 10, 0, color);
    cr_assert_str_eq(color, "rgb(255,105,105)");
    palette_color_scale(5, 10, 1, color);
    cr_assert_str_eq(color, "rgb(105,105,255)");
}

Test(palette, multi_palette_rules)
{
    struct palette palette = {.kind = PALETTE_JAVA, .mode = PALETTE_BY_NAME, .utf8 = 1};
    char jit[32], java[32], kernel[32];
    palette_color(&palette, "x_[j]", 5, jit);
    palette_color(&palette, "Ljava/lang/Thread.run", 21, java);
    palette_color(&palette, "sys_read_[k]", 12, kernel);
    /* green has g >= 200, orange has b == 0 */
    int r, g, b;
    cr_assert_eq(sscanf(jit, "rgb(%d,%d,%d)", &r, &g, &b), 3);
    cr_assert_geq(g, 200);
    cr_assert_eq(sscanf(java, "rgb(%d,%d,%d)", &r, &g, &b), 3);
    cr_assert_geq(g, 200);
    cr_assert_eq(sscanf(kernel, "rgb(%d,%d,%d)", &r, &g, &b), 3);
    cr_assert_eq(b, 0);
    enum palette_kind kind;
    cr_assert_eq(palette_kind_from_name("python", &kind), 0);
    cr_assert_eq(kind, PALETTE_PYTHON);
    cr_assert_eq(palette_kind_from_name("nosuch", &kind), -1);
}

/* Folded text as a profile that keeps its samples' order (the timeline). */
static struct profile *read_folded_text(const char *text)
{
    struct read_options options = {.keep_timeline = 1};
    return unit_read_folded(text, &options);
}

static size_t count_boxes_named(const struct profile *profile, const struct flame_layout *layout,
                                const char *name)
{
    size_t count = 0;
    for (size_t i = 0; i < layout->box_count; i++)
        if (layout->boxes[i].name != FLAME_NAME_ROOT &&
            strcmp(profile_string(profile, layout->boxes[i].name), name) == 0)
            count++;
    return count;
}

Test(layout, split_names_like_flamegraph_pl)
{
    /* Sorted lines: "x;foo 1" < "x;foo.isra 1" < "x;foo;bar 1": foo is drawn twice. */
    struct profile *profile = read_folded_text("x;foo;bar 1\nx;foo 1\nx;foo.isra 1\n");
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .min_width = 0};
    flame_layout_build(&layout, profile, &options);
    cr_assert_eq(count_boxes_named(profile, &layout, "foo"), 2);
    cr_assert_eq(count_boxes_named(profile, &layout, "x"), 1);
    cr_assert_float_eq(layout.total, 3, 1e-9);
    cr_assert_eq(layout.max_depth, 3);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(layout, prunes_narrow_boxes)
{
    struct profile *profile = read_folded_text("a;b 100\na;c 1\n");
    struct flame_layout layout = {0};
    struct flame_layout_options options = {.before_type = -1, .min_width = 2};
    flame_layout_build(&layout, profile, &options);
    cr_assert_eq(count_boxes_named(profile, &layout, "c"), 0);
    cr_assert_eq(count_boxes_named(profile, &layout, "b"), 1);
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(layout, differential_delta_on_leaf)
{
    struct profile *profile = read_folded_text("a;b 1 4\na 2 1\n");
    struct flame_layout layout = {0};
    struct flame_layout_options options = {
        .before_type = profile_find_sample_type(profile, "before"), .min_width = 0};
    flame_layout_build(&layout, profile, &options);
    cr_assert_float_eq(layout.max_delta, 3, 1e-9);
    for (size_t i = 0; i < layout.box_count; i++) {
        const struct flame_box *box = &layout.boxes[i];
        cr_assert(box->flags & FLAME_BOX_HAS_DELTA);
        if (box->name != FLAME_NAME_ROOT && strcmp(profile_string(profile, box->name), "b") == 0)
            cr_assert_float_eq(box->delta, 3, 1e-9);
    }
    flame_layout_free(&layout);
    profile_destroy(profile);
}

Test(layout, reverse_profile)
{
    struct profile *profile = read_folded_text("a;b;c 2\na;d 1\n");
    struct profile *reversed = profile_reverse(profile);
    uint32_t c = profile_frame_named(reversed, "c", 1, FRAME_UNKNOWN);
    uint32_t b = profile_frame_named(reversed, "b", 1, FRAME_UNKNOWN);
    uint32_t a = profile_frame_named(reversed, "a", 1, FRAME_UNKNOWN);
    uint32_t node = profile_find_child(reversed, PROFILE_ROOT, c);
    cr_assert_neq(node, PROFILE_NONE);
    node = profile_find_child(reversed, node, b);
    node = profile_find_child(reversed, node, a);
    cr_assert_neq(node, PROFILE_NONE);
    cr_assert_float_eq(profile_self_value(reversed, node, 0), 2, 1e-9);
    cr_assert_eq(reversed->timeline_count, 2);
    profile_destroy(reversed);
    profile_destroy(profile);
}

Test(svg, script_is_constant_and_cdata_safe)
{
    cr_assert_null(strstr(svg_script, "]]>"));
    cr_assert_null(strstr(svg_script, "</script"));
    cr_assert_not_null(strstr(svg_script, "getElementById(\"frames\")"));
}

Test(svg, writes_and_reports_empty_profiles)
{
    struct profile *profile = read_folded_text("a;b 3\n");
    struct svg_options options;
    svg_options_init(&options);
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    cr_assert_eq(svg_write(file, profile, &options), 0);
    fclose(file);
    cr_assert_not_null(strstr(buffer, "<title>b (3 samples, 100.00%)</title>"));
    cr_assert_not_null(strstr(buffer, "<g id=\"frames\""));
    free(buffer);
    profile_destroy(profile);

    struct profile *empty = read_folded_text("junk\n");
    buffer = NULL;
    file = open_memstream(&buffer, &size);
    cr_assert_eq(svg_write(file, empty, &options), -1);
    fclose(file);
    cr_assert_not_null(strstr(buffer, "ERROR: No valid input"));
    free(buffer);
    profile_destroy(empty);
}
