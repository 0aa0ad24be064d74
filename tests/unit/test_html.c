/* test_html.c — unit tests of the HTML viewer's writer: JSON strings safe
 * inside <script>, base64, varints and zigzag, and the embedded data of a
 * small profile decoded back and compared with its preorder by hand. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "model/profile.h"
#include "render/html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *html_script_string(const char *bytes, size_t length)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    html_write_script_string(file, bytes, length);
    fclose(file);
    return buffer;
}

Test(html, script_string_escapes_markup_and_separators)
{
    const char input[] = "a</script>&\"\\\n\t\x01"
                         "\xe2\x80\xa8\xe2\x80\xa9"; /* U+2028, U+2029 */
    char *text = html_script_string(input, sizeof input - 1);
    cr_assert_str_eq(text, "\"a\\u003c/script\\u003e\\u0026\\\"\\\\\\u000a\\u0009\\u0001"
                           "\\u2028\\u2029\"");
    free(text);
}

Test(html, script_string_keeps_utf8_and_replaces_invalid_bytes)
{
    const char input[] = "caf\xc3\xa9 \xef\xbf\xbd \xff\xed\xa0\x80 \xe4\xb8\xad";
    char *text = html_script_string(input, sizeof input - 1);
    /* é and 中 and a real U+FFFD pass as UTF-8; a stray byte and an encoded
     * surrogate become \ufffd, byte by byte */
    cr_assert_str_eq(text, "\"caf\xc3\xa9 \xef\xbf\xbd \\ufffd\\ufffd\\ufffd\\ufffd \xe4\xb8\xad\"");
    free(text);
}

static char *html_base64_of(const unsigned char *bytes, size_t length)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    struct base64_writer writer;
    base64_begin(&writer, file);
    /* one byte at a time: the writer keeps partial groups */
    for (size_t i = 0; i < length; i++)
        base64_put_bytes(&writer, bytes + i, 1);
    base64_finish(&writer);
    fclose(file);
    return buffer;
}

Test(html, base64_rfc4648_vectors)
{
    const char *vectors[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char *text = html_base64_of((const unsigned char *)vectors[i][0], strlen(vectors[i][0]));
        cr_assert_str_eq(text, vectors[i][1], "base64(%s)", vectors[i][0]);
        free(text);
    }
    const unsigned char high[] = {0xff, 0xfe, 0x00};
    char *text = html_base64_of(high, 3);
    cr_assert_str_eq(text, "//4A");
    free(text);
}

Test(html, varints_and_zigzag)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    struct base64_writer writer;
    base64_begin(&writer, file);
    base64_put_varint(&writer, 0);   /* 00 */
    base64_put_varint(&writer, 127); /* 7f */
    base64_put_varint(&writer, 300); /* ac 02 */
    base64_finish(&writer);
    fclose(file);
    /* bytes 00 7f ac 02 */
    cr_assert_str_eq(buffer, "AH+sAg==");
    free(buffer);
    cr_assert_eq(html_zigzag(0), 0);
    cr_assert_eq(html_zigzag(-1), 1);
    cr_assert_eq(html_zigzag(1), 2);
    cr_assert_eq(html_zigzag(-2), 3);
    cr_assert_eq(html_zigzag(4503599627370495LL), 9007199254740990ULL);
}

/* ---- the embedded data, decoded back ------------------------------------ */

static int html_base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes the base64 string value of "key": in json into varints. */
static size_t html_decode_varints(const char *json, const char *key, uint64_t *values,
                                  size_t capacity)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    cr_assert(start, "no %s in the data", key);
    start += strlen(pattern);
    unsigned char bytes[4096];
    size_t byte_count = 0;
    unsigned bits = 0;
    int bit_count = 0;
    for (const char *p = start; *p != '"'; p++) {
        int v = html_base64_value(*p);
        if (v < 0)
            continue; /* '=' padding */
        bits = bits << 6 | (unsigned)v;
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            bytes[byte_count++] = (unsigned char)(bits >> bit_count);
        }
    }
    size_t count = 0, position = 0;
    while (position < byte_count && count < capacity) {
        uint64_t value = 0;
        int shift = 0;
        unsigned char byte;
        do {
            byte = bytes[position++];
            value |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
        } while (byte & 0x80);
        values[count++] = value;
    }
    return count;
}

static char *html_of(const struct profile *profile, const struct html_options *options)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    cr_assert_eq(html_write(file, profile, options), 0);
    fclose(file);
    return buffer;
}

static void html_add_stack(struct profile *profile, const char *folded, double value,
                           double before)
{
    uint32_t leaf = unit_add_stack(profile, folded, 0, value);
    if (profile->sample_type_count > 1)
        profile_add_value(profile, leaf, 1, before);
}

Test(html, data_in_preorder_with_names_by_first_appearance)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    /* added out of order: the writer sorts children by name */
    html_add_stack(profile, "main;zeta", 3, 0);
    html_add_stack(profile, "main;alpha;</script><b>", 5, 0);
    html_add_stack(profile, "main", 2, 0);
    html_add_stack(profile, "main;alpha", 1, 0);
    struct html_options options;
    html_options_init(&options);
    options.title = "T <&> \"x\"";
    char *html = html_of(profile, &options);

    /* preorder: all(0) main(1) alpha(2) </script><b>(3) zeta(2) */
    cr_assert(strstr(html, "\"nodes\":5"));
    cr_assert(strstr(html, "\"names\":[\n\"all\",\"main\",\"alpha\",\"\\u003c/script\\u003e\\u003cb\\u003e\",\"zeta\"]"),
              "%s", html);
    uint64_t values[16];
    cr_assert_eq(html_decode_varints(html, "depth", values, 16), 5);
    uint64_t depths[] = {0, 1, 2, 3, 2};
    cr_assert_arr_eq(values, depths, sizeof depths);
    cr_assert_eq(html_decode_varints(html, "name", values, 16), 5);
    uint64_t names[] = {0, 1, 2, 3, 4};
    cr_assert_arr_eq(values, names, sizeof names);
    /* self values, zigzag: all 0, main 2, alpha 1, leaf 5, zeta 3 */
    cr_assert_eq(html_decode_varints(html, "varint", values, 16), 5);
    uint64_t selves[] = {0, 4, 2, 10, 6};
    cr_assert_arr_eq(values, selves, sizeof selves);
    cr_assert(strstr(html, "\"diff\":null"));
    cr_assert(strstr(html, "\"timeline\":null"));

    /* the markup: exactly two script elements, the title escaped, no network */
    size_t scripts = 0;
    for (const char *p = html; (p = strstr(p, "</script>")); p++)
        scripts++;
    cr_assert_eq(scripts, 2);
    cr_assert(strstr(html, "<title>T &lt;&amp;&gt; \"x\"</title>"));
    cr_assert(strstr(html, "\"title\":\"T \\u003c\\u0026\\u003e \\\"x\\\"\""));
    cr_assert(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
    cr_assert(strstr(html, "window.emberViewer"), "the viewer's script is embedded");
    free(html);
    profile_destroy(profile);
}

Test(html, differential_fractional_and_timeline)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    profile_add_sample_type(profile, "before", "count");
    profile->differential = 1;
    html_add_stack(profile, "a;b", 0.5, 4);
    html_add_stack(profile, "a;c", 2, 1);
    profile_timeline_append(profile, 0, PROFILE_NONE, 3, 2);
    profile_timeline_append(profile, 1, PROFILE_NONE, 2, 0.5);
    char *html = html_of(profile, NULL);
    cr_assert(strstr(html, "<title>Differential Flame Graph</title>"));
    cr_assert(strstr(html, "\"diff\":{\"after\":0,\"before\":1}"));
    /* AFTER has a fraction: doubles; BEFORE is integral: varints */
    cr_assert(strstr(html, "{\"name\":\"samples\",\"unit\":\"count\",\"values\":{\"f64\":\""));
    cr_assert(strstr(html, "{\"name\":\"before\",\"unit\":\"count\",\"values\":{\"varint\":\""));
    /* the timeline names preorder indices: all(0) a(1) b(2) c(3); profile
     * nodes were a=1, b=2, c=3, so the same here */
    uint64_t values[8];
    cr_assert_eq(html_decode_varints(html, "node", values, 8), 2);
    cr_assert_eq(values[0], 3);
    cr_assert_eq(values[1], 2);
    cr_assert(strstr(html, "\"timeline\":{\"count\":2,"));
    free(html);
    profile_destroy(profile);
}

Test(html, palettes)
{
    cr_assert(html_palette_is_known("hot"));
    cr_assert(html_palette_is_known("package"));
    cr_assert_not(html_palette_is_known("java"));
}

/* A timeline with times: per entry its band and start/end in ns from the
 * origin, by flame_layout.h's rules, computed by hand. Thread t1 is
 * sampled at 10.000, .001, .002 and .010 s (typical interval 1 ms: the
 * sample at .002 covers 1 ms, then a gap), t2 once at 10.0005 s (one
 * interval); t1 comes first, so it is band 0. */
Test(html, timeline_times)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    uint32_t t1 = profile_intern_cstring(profile, "t1"), t2 = profile_intern_cstring(profile, "t2");
    uint32_t ab = unit_add_stack(profile, "a;b", 0, 3);
    uint32_t ac = unit_add_stack(profile, "a;c", 0, 1);
    uint32_t x = unit_add_stack(profile, "x", 0, 1);
    profile_timeline_append(profile, 10.0, t1, ab, 1);
    profile_timeline_append(profile, 10.0005, t2, x, 1);
    profile_timeline_append(profile, 10.001, t1, ab, 1);
    profile_timeline_append(profile, 10.002, t1, ac, 1);
    profile_timeline_append(profile, 10.010, t1, ab, 1);
    char *html = html_of(profile, NULL);
    const char *times = strstr(html, "\"times\":{\"origin\":10.000000000,\"span\":11000000,\"bands\":2,");
    cr_assert(times, "%s", html);
    uint64_t values[8];
    /* zigzag varints: 2v */
    uint64_t bands[] = {0, 2, 0, 0, 0};
    uint64_t starts[] = {0, 1000000, 2000000, 4000000, 20000000};
    uint64_t ends[] = {2000000, 3000000, 4000000, 6000000, 22000000};
    const char *band = strstr(times, "\"band\":");
    const char *start = strstr(times, "\"start\":");
    const char *end = strstr(times, "\"end\":");
    cr_assert(band && start && end);
    cr_assert_eq(html_decode_varints(band, "varint", values, 8), 5);
    cr_assert_arr_eq(values, bands, sizeof bands);
    cr_assert_eq(html_decode_varints(start, "varint", values, 8), 5);
    cr_assert_arr_eq(values, starts, sizeof starts);
    cr_assert_eq(html_decode_varints(end, "varint", values, 8), 5);
    cr_assert_arr_eq(values, ends, sizeof ends);
    free(html);
    profile_destroy(profile);

    /* a timeline without times: no placement by time */
    profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    profile_timeline_append(profile, NAN, PROFILE_NONE, unit_add_stack(profile, "a", 0, 1), 1);
    html = html_of(profile, NULL);
    cr_assert(strstr(html, "\"times\":null"), "%s", html);
    free(html);
    profile_destroy(profile);
}
