/* test_gperftools.c — unit tests of the gperftools CPU (binary) and heap
 * (text) readers on synthetic profiles: word sizes and byte orders, totals,
 * address adjustments, and hostile input failing with a byte offset or a
 * line number. Real profiles are made in tests/e2e/gperftools_record.sh. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "formats/format.h"
#include "helpers.h"
#include "model/profile.h"
#include "util/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image {
    unsigned char bytes[4096];
    size_t length;
    size_t word;
    int big_endian;
};

static void put_word(struct image *image, uint64_t value)
{
    for (size_t i = 0; i < image->word; i++) {
        size_t shift = image->big_endian ? (image->word - 1 - i) * 8 : i * 8;
        image->bytes[image->length++] = (unsigned char)(value >> shift);
    }
}

static void put_text(struct image *image, const char *text)
{
    memcpy(image->bytes + image->length, text, strlen(text));
    image->length += strlen(text);
}

/* A profile: period 10000 us; records {3 x [0x1000, 0x2005, 0x3005]},
 * {2 x [0x1100, 0x1100 (the duplicated leaf), 0x3005]}; trailer; maps of a
 * file that does not exist (addresses stay unnamed). */
static void make_cpu_profile(struct image *image, size_t word, int big_endian)
{
    memset(image, 0, sizeof *image);
    image->word = word;
    image->big_endian = big_endian;
    uint64_t header[] = {0, 3, 0, 10000, 0};
    for (size_t i = 0; i < 5; i++)
        put_word(image, header[i]);
    uint64_t first[] = {3, 3, 0x1000, 0x2005, 0x3005};
    for (size_t i = 0; i < 5; i++)
        put_word(image, first[i]);
    uint64_t second[] = {2, 3, 0x1100, 0x1100, 0x3005};
    for (size_t i = 0; i < 5; i++)
        put_word(image, second[i]);
    uint64_t trailer[] = {0, 1, 0};
    for (size_t i = 0; i < 3; i++)
        put_word(image, trailer[i]);
    put_text(image, "00001000-00004000 r-xp 00000000 08:02 7 /nonexistent/ember-test-binary\n");
}

struct read_result {
    struct profile *profile;
    struct read_statistics statistics;
    int status;
    const char *format_name;
};

static struct read_result read_bytes(const void *bytes, size_t length, const char *name)
{
    struct read_result result = {profile_create(), {0}, 0, NULL};
    struct input input;
    input_open_memory(&input, bytes, length, name);
    const struct format *format = format_guess(&input);
    result.format_name = format ? format->name : "(none)";
    struct read_options options = {0};
    result.status = format_read_input(&input, format, result.profile, &options, &result.statistics);
    input_close(&input);
    return result;
}

/* The folded text of the sample type named type, malloc'ed. */
static char *folded(const struct profile *profile, const char *type)
{
    long index = profile_resolve_sample_type(profile, type);
    cr_assert_geq(index, 0, "sample type %s", type);
    return unit_folded(profile, (size_t)index);
}

static void check_cpu_profile(size_t word, int big_endian)
{
    struct image image;
    make_cpu_profile(&image, word, big_endian);
    struct read_result result = read_bytes(image.bytes, image.length, "cpu.prof");
    cr_assert_str_eq(result.format_name, "gperftools-cpu");
    cr_assert_eq(result.status, 0);
    char *text = folded(result.profile, "samples");
    /* Callers keep their printed return address; the duplicate leaf is gone. */
    cr_assert_str_eq(text, "0x3005;0x1100 2\n0x3005;0x2005;0x1000 3\n");
    free(text);
    text = folded(result.profile, "cpu");
    cr_assert_str_eq(text, "0x3005;0x1100 20000000\n0x3005;0x2005;0x1000 30000000\n");
    free(text);
    cr_assert_str_eq(profile_string(result.profile,
                                    result.profile->sample_types[result.profile->default_sample_type].type),
                     "cpu");
    cr_assert_eq(result.profile->period, 10000000.0);
    profile_destroy(result.profile);
}

Test(gperftools_cpu, all_word_sizes_and_byte_orders)
{
    check_cpu_profile(8, 0);
    check_cpu_profile(8, 1);
    check_cpu_profile(4, 0);
    check_cpu_profile(4, 1);
}

Test(gperftools_cpu, bad_header_is_not_guessed)
{
    struct image image;
    make_cpu_profile(&image, 8, 0);
    image.bytes[24] = 0; /* period 0 */
    image.bytes[25] = 0;
    struct input input;
    input_open_memory(&input, (const char *)image.bytes, image.length, "cpu.prof");
    const struct format *format = format_guess(&input);
    cr_assert(format == NULL || strcmp(format->name, "gperftools-cpu") != 0);
    input_close(&input);
}

Test(gperftools_cpu, bad_header, .init = cr_redirect_stderr)
{
    struct image image;
    make_cpu_profile(&image, 8, 0);
    image.bytes[24] = 0; /* period 0 */
    image.bytes[25] = 0;
    struct profile *profile = profile_create();
    struct input input;
    input_open_memory(&input, (const char *)image.bytes, image.length, "cpu.prof");
    struct read_statistics statistics = {0};
    cr_assert_eq(format_read_input(&input, format_by_name("gperftools-cpu"), profile, NULL,
                                   &statistics), -1);
    input_close(&input);
    profile_destroy(profile);
    fflush(stderr);
    cr_assert_stderr_eq_str("ember: cpu.prof: byte 0: not a gperftools CPU profile: expected the "
                            "header words 0, 3, 0, PERIOD, 0 in 32- or 64-bit words of either "
                            "byte order\n");
}

Test(gperftools_cpu, depth_past_the_end, .init = cr_redirect_stderr)
{
    struct image image;
    make_cpu_profile(&image, 8, 0);
    /* second record's depth (word 11) becomes huge */
    memset(image.bytes + 11 * 8, 0xff, 8);
    struct read_result result = read_bytes(image.bytes, image.length, "cpu.prof");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    char expected[200];
    snprintf(expected, sizeof expected,
             "ember: cpu.prof: byte 80: record of 18446744073709551615 addresses runs past the "
             "end of the file (%zu bytes)\n", image.length);
    cr_assert_stderr_eq_str(expected);
}

Test(gperftools_cpu, missing_trailer, .init = cr_redirect_stderr)
{
    struct image image;
    make_cpu_profile(&image, 8, 0);
    struct read_result result = read_bytes(image.bytes, 120, "cpu.prof"); /* header + 2 records */
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    cr_assert_stderr_eq_str("ember: cpu.prof: byte 120: the profile ends without its trailer: "
                            "expected a record (COUNT, DEPTH, addresses) or the end marker 0, 1, 0\n");
}

Test(gperftools_heap, exact_profile_four_types)
{
    const char *text = "heap profile:    4:   4096 [   10:   9000] @ heapprofile\n"
                       "     3:     3072 [     5:     5120] @ 0x1010 0x2020\n"
                       "     1:     1024 [     5:     3880] @ 0x1010 0x3030\n"
                       "\nMAPPED_LIBRARIES:\n"
                       "00001000-00004000 r-xp 00000000 08:02 7 /nonexistent/ember-test-binary\n";
    struct read_result result = read_bytes(text, strlen(text), "x.heap");
    cr_assert_str_eq(result.format_name, "gperftools-heap");
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile->sample_type_count, 4);
    cr_assert_str_eq(profile_string(profile, profile->sample_types[profile->default_sample_type].type),
                     "inuse_space");
    char *folded_text = folded(profile, "inuse_space");
    cr_assert_str_eq(folded_text, "0x2020;0x1010 3072\n0x3030;0x1010 1024\n");
    free(folded_text);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "alloc_space")), 9000);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "alloc_objects")), 10);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "inuse_objects")), 4);
    profile_destroy(profile);
}

Test(gperftools_heap, sampled_profile_is_scaled)
{
    const char *text = "heap profile: 1: 524288 [ 1: 524288] @ heap_v2/524288\n"
                       "1: 524288 [ 1: 524288] @ 0x1010\n";
    struct read_result result = read_bytes(text, strlen(text), "x.heap");
    cr_assert_eq(result.status, 0);
    /* scale = 1 / (1 - e^-1) = 1.5819767... */
    double space = profile_grand_total(result.profile,
                                       (size_t)profile_find_sample_type(result.profile, "inuse_space"));
    cr_assert_float_eq(space, 524288 * 1.5819767068693265, 1e-3);
    profile_destroy(result.profile);
}

Test(gperftools_heap, malformed_lines_name_the_line, .init = cr_redirect_stderr)
{
    const char *text = "heap profile: 1: 8 [ 1: 8] @ heapprofile\n"
                       "1: 8 [ 1: 8] @ 0x1010\n"
                       "1: 8 [ 1: 8] @ 0x10zz\n";
    struct read_result result = read_bytes(text, strlen(text), "x.heap");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    const char *bad[] = {
        "heap profile: 1: 8 @ heapprofile\n",
        "heap profile: 1: 8 [ 1: 8] @ heapz\n",
        "heap profile: 1: 8 [ 1: 8] @ heapprofile\n1: 8 [ -1: 8] @ 0x1\n",
        "heap profile: 1: 8 [ 1: 8] @ heapprofile\n1: 8 [ 1: 8] 0x1\n",
        "heap profile: 1: 8 [ 1: 8] @ heapprofile\n1: 8 [ 1: 8] @ 0x\n",
        "heap profile: 1: 8 [ 1: 8] @ heapprofile\n1: 8 [ 1: 8] @ 0x11111111111111111\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct profile *profile = profile_create();
        struct input input;
        input_open_memory(&input, bad[i], strlen(bad[i]), "x.heap");
        struct read_statistics statistics = {0};
        cr_assert_eq(format_read_input(&input, format_by_name("gperftools-heap"), profile, NULL,
                                       &statistics), -1, "refused: %s", bad[i]);
        input_close(&input);
        profile_destroy(profile);
    }
    fflush(stderr);
    FILE *captured = cr_get_redirected_stderr();
    char first[256] = "";
    cr_assert_not_null(fgets(first, sizeof first, captured));
    cr_assert_str_eq(first, "ember: x.heap:3: bad address at column 20\n");
}
