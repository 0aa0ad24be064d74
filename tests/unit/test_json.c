/* test_json.c — unit tests of util/json (the pull parser and the string
 * writer) and of the JSON formats built on it: speedscope (in and out),
 * chrome (.cpuprofile and trace events) and flamebearer (out). */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "helpers.h"
#include "model/profile.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parser ------------------------------------------------------------- */

static void parser_on(struct json_parser *parser, const char *text)
{
    json_init(parser, text, strlen(text), "test.json");
}

Test(json, walks_objects_arrays_and_scalars)
{
    struct json_parser parser;
    parser_on(&parser, " {\"a\": [1, -2.5e1, 0], \"b\": \"x\", \"c\": true, \"d\": null, \"e\": {}} ");
    cr_assert_eq(json_begin_object(&parser), 0);
    const char *key, *string;
    size_t length;
    cr_assert_eq(json_next_key(&parser, &key, &length), 1);
    cr_assert(json_key_is(key, length, "a"));
    cr_assert_eq(json_begin_array(&parser), 0);
    double values[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(json_next_element(&parser), 1);
        cr_assert_eq(json_read_number(&parser, &values[i]), 0);
    }
    cr_assert_eq(json_next_element(&parser), 0);
    cr_assert_eq(values[0], 1);
    cr_assert_eq(values[1], -25);
    cr_assert_eq(values[2], 0);
    cr_assert_eq(json_next_key(&parser, &key, &length), 1);
    cr_assert(json_key_is(key, length, "b"));
    cr_assert_eq(json_read_string(&parser, &string, &length), 0);
    cr_assert_eq(length, 1);
    cr_assert_eq(string[0], 'x');
    cr_assert_eq(json_next_key(&parser, &key, &length), 1);
    int boolean = 0;
    cr_assert_eq(json_read_boolean(&parser, &boolean), 0);
    cr_assert_eq(boolean, 1);
    cr_assert_eq(json_next_key(&parser, &key, &length), 1);
    cr_assert_eq(json_peek(&parser), JSON_NULL);
    cr_assert_eq(json_skip(&parser), 0);
    cr_assert_eq(json_next_key(&parser, &key, &length), 1);
    cr_assert_eq(json_skip(&parser), 0);
    cr_assert_eq(json_next_key(&parser, &key, &length), 0);
    cr_assert_eq(json_end(&parser), 0);
    json_free(&parser);
}

Test(json, decodes_escapes_and_surrogate_pairs)
{
    struct json_parser parser;
    parser_on(&parser, "\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\\ud800x\"");
    const char *string;
    size_t length;
    cr_assert_eq(json_read_string(&parser, &string, &length), 0);
    const char expected[] = "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx";
    cr_assert_eq(length, sizeof expected - 1);
    cr_assert_eq(memcmp(string, expected, length), 0);
    json_free(&parser);
}

Test(json, skips_nested_values)
{
    struct json_parser parser;
    parser_on(&parser, "[{\"a\":[[],[{}],{\"b\":[1,\"]\",{\"c\":null}]}]}, 7]");
    cr_assert_eq(json_begin_array(&parser), 0);
    cr_assert_eq(json_next_element(&parser), 1);
    cr_assert_eq(json_skip(&parser), 0);
    cr_assert_eq(json_next_element(&parser), 1);
    double value;
    cr_assert_eq(json_read_number(&parser, &value), 0);
    cr_assert_eq(value, 7);
    cr_assert_eq(json_next_element(&parser), 0);
    cr_assert_eq(json_end(&parser), 0);
    json_free(&parser);
}

/* Parses text by skipping one value; returns the error offset or -1 when it parsed. */
static long error_offset(const char *text, size_t length, char *message, size_t size)
{
    struct json_parser parser;
    json_init(&parser, text, length, "bad.json");
    int status = json_skip(&parser);
    if (status == 0)
        status = json_end(&parser);
    long offset = status < 0 ? (long)parser.error_offset : -1;
    if (message)
        snprintf(message, size, "%s", parser.error);
    json_free(&parser);
    return offset;
}

Test(json, reports_errors_with_their_byte_offset)
{
    static const struct {
        const char *text;
        long offset;
        const char *message_part;
    } cases[] = {
        {"[1, 2", 5, "end of input"},
        {"[1 2]", 3, "expected ','"},
        {"{\"a\" 1}", 5, "':'"},
        {"{\"a\":1,}", 7, "string key"},
        {"[1,]", 3, "unexpected ']'"},
        {"\"abc", 0, "unterminated"},
        {"\"a\x01\"", 2, "control byte"},
        {"\"a\xff\"", 2, "invalid UTF-8"},
        {"\"\xc0\xaf\"", 1, "invalid UTF-8"},      /* overlong '/' */
        {"\"\xed\xa0\x80\"", 1, "invalid UTF-8"},  /* an encoded surrogate */
        {"\"\\x\"", 1, "invalid escape"},
        {"\"\\u12g4\"", 1, "\\u escape"},
        {"01", 1, "after the end"},
        {"-", 0, "digit"},
        {"1.", 2, "after '.'"},
        {"1e+", 3, "exponent"},
        {"1e999", 0, "too large"},
        {"tru", 0, "literal"},
        {"[1] x", 4, "after the end"},
        {"", 0, "end of input"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char message[200];
        long offset = error_offset(cases[i].text, strlen(cases[i].text), message, sizeof message);
        cr_expect_eq(offset, cases[i].offset, "%s: offset %ld, expected %ld (%s)", cases[i].text,
                     offset, cases[i].offset, message);
        cr_expect(strstr(message, cases[i].message_part) != NULL, "%s: message '%s' lacks '%s'",
                  cases[i].text, message, cases[i].message_part);
    }
}

Test(json, refuses_deep_nesting_and_a_nul_byte)
{
    size_t depth = JSON_MAX_DEPTH + 5;
    char *text = malloc(2 * depth + 1);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    char message[200];
    cr_assert_eq(error_offset(text, 2 * depth, message, sizeof message), JSON_MAX_DEPTH);
    cr_assert(strstr(message, "nested deeper") != NULL, "%s", message);
    /* exactly the limit is fine */
    memset(text, '[', JSON_MAX_DEPTH);
    memset(text + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    text[2 * JSON_MAX_DEPTH] = '\0';
    cr_assert_eq(error_offset(text, 2 * JSON_MAX_DEPTH, NULL, 0), -1);
    free(text);
    const char with_nul[] = "[1,\0 2]";
    cr_assert_eq(error_offset(with_nul, sizeof with_nul - 1, message, sizeof message), 3);
}

Test(json, integer_ranges_are_checked)
{
    struct json_parser parser;
    parser_on(&parser, "[3, 2.5, 99]");
    int64_t value;
    cr_assert_eq(json_begin_array(&parser), 0);
    cr_assert_eq(json_next_element(&parser), 1);
    cr_assert_eq(json_read_integer(&parser, 0, 10, "index", &value), 0);
    cr_assert_eq(value, 3);
    cr_assert_eq(json_next_element(&parser), 1);
    cr_assert_eq(json_read_integer(&parser, 0, 10, "index", &value), -1);
    cr_assert(strstr(parser.error, "integer") != NULL, "%s", parser.error);
    cr_assert_eq(parser.error_offset, 4);
    json_free(&parser);
    parser_on(&parser, "99");
    cr_assert_eq(json_read_integer(&parser, 0, 10, "index", &value), -1);
    cr_assert(strstr(parser.error, "out of range") != NULL, "%s", parser.error);
    json_free(&parser);
}

/* ---- writer ------------------------------------------------------------- */

static char *written(const char *bytes, size_t length)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    json_write_string(file, bytes, length);
    fclose(file);
    return text;
}

Test(json, writer_escapes_quotes_controls_markup_and_bad_utf8)
{
    const char input[] = "a\"b\\c\n\x01<x>&\xc3\xa9\xff\xe2\x82z";
    char *text = written(input, sizeof input - 1);
    cr_assert_str_eq(text, "\"a\\\"b\\\\c\\n\\u0001\\u003cx\\u003e\\u0026\xc3\xa9\\ufffd\\ufffd\\ufffdz\"");
    /* and the parser reads it back as valid UTF-8 */
    struct json_parser parser;
    parser_on(&parser, text);
    const char *string;
    size_t length;
    cr_assert_eq(json_read_string(&parser, &string, &length), 0);
    cr_assert_eq(memcmp(string, "a\"b\\c\n\x01<x>&\xc3\xa9", 13), 0);
    json_free(&parser);
    free(text);
}

Test(json, numbers_are_written_exactly)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    json_write_number(file, 42);
    fputc(' ', file);
    json_write_number(file, 0.1);
    fputc(' ', file);
    json_write_number(file, 1.0 / 3);
    fputc(' ', file);
    json_write_number(file, 1e300);
    fclose(file);
    cr_assert_str_eq(text, "42 0.1 0.33333333333333331 1e+300");
    free(text);
}

/* ---- formats ------------------------------------------------------------ */

/* Reads text, named test.json, with format's reader (NULL: the guessed one). */
static struct unit_read_result read_as(const char *format, const char *text)
{
    return unit_read(format, text, strlen(text), "test.json", NULL);
}

Test(speedscope, reads_sampled_and_evented_profiles_with_root_frames)
{
    const char *text =
        "{\"profiles\":[{\"type\":\"sampled\",\"name\":\"one\",\"unit\":\"nanoseconds\","
        "\"startValue\":0,\"endValue\":30,\"weights\":[10,0,20],\"samples\":[[0,1],[0],[0,2]]},"
        "{\"type\":\"evented\",\"name\":\"two\",\"unit\":\"nanoseconds\",\"startValue\":0,"
        "\"endValue\":10,\"events\":[{\"type\":\"O\",\"frame\":0,\"at\":0},"
        "{\"type\":\"O\",\"frame\":1,\"at\":2},{\"at\":7,\"type\":\"C\",\"frame\":1},"
        "{\"type\":\"C\",\"frame\":0,\"at\":10}]}],"
        "\"shared\":{\"frames\":[{\"name\":\"main\",\"file\":\"m.c\",\"line\":3},{\"name\":\"f\"},"
        "{\"name\":\"g\"}]},"
        "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"}";
    struct unit_read_result result = read_as(NULL, text);
    cr_assert_eq(result.status, 0);
    char *folded = unit_folded(result.profile, 0);
    cr_assert_str_eq(folded, "one;main;f 10\none;main;g 20\ntwo;main 5\ntwo;main;f 5\n");
    cr_assert_str_eq(profile_string(result.profile, result.profile->sample_types[0].unit),
                     "nanoseconds");
    free(folded);
    profile_destroy(result.profile);
}

Test(speedscope, refuses_bad_indexes_weights_and_nesting)
{
    static const char *const bad[] = {
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
        "[{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[1]],\"weights\":[1]}]}",
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
        "[{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0]],\"weights\":[-1]}]}",
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
        "[{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0],[0]],\"weights\":[1]}]}",
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
        "\"profiles\":[{\"type\":\"evented\",\"unit\":\"none\",\"events\":[{\"type\":\"O\","
        "\"frame\":0,\"at\":0},{\"type\":\"C\",\"frame\":1,\"at\":1}]}]}",
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
        "[{\"type\":\"evented\",\"unit\":\"none\",\"events\":[{\"type\":\"O\",\"frame\":0,"
        "\"at\":5},{\"type\":\"C\",\"frame\":0,\"at\":1}]}]}",
        "{\"$schema\":\"speedscope\",\"shared\":{\"frames\":[{\"name\":7}]},\"profiles\":[]}",
        "{\"shared\":{\"frames\":[]},\"profiles\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct unit_read_result result = read_as("speedscope", bad[i]);
        cr_expect_eq(result.status, -1, "case %zu was accepted", i);
        profile_destroy(result.profile);
    }
}

Test(speedscope, writes_shared_frames_weights_and_unit)
{
    struct unit_read_result result = read_as("folded", "main;f 3\nmain;g 4\n");
    cr_assert_eq(result.status, 0);
    char *text = unit_write("speedscope", result.profile, 0, NULL);
    cr_assert(strstr(text, "\"exporter\":\"ember\"") != NULL);
    cr_assert(strstr(text, "\"unit\":\"none\"") != NULL);
    cr_assert(strstr(text, "\"weights\":[3,4]") != NULL, "%s", text);
    cr_assert(strstr(text, "\"endValue\":7") != NULL, "%s", text);
    struct unit_read_result again = read_as(NULL, text);
    cr_assert_eq(again.status, 0);
    char *folded = unit_folded(again.profile, 0);
    cr_assert_str_eq(folded, "main;f 3\nmain;g 4\n");
    free(folded);
    free(text);
    profile_destroy(again.profile);
    profile_destroy(result.profile);
}

Test(chrome, cpuprofile_weighs_samples_by_the_time_to_the_next)
{
    /* root(1) -> a(2) -> b(3); root -> (garbage collector)(4); root -> (idle)(5) */
    const char *text =
        "{\"startTime\":1000,\"endTime\":1100,\"nodes\":["
        "{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\",\"lineNumber\":-1},"
        "\"children\":[2,4,5]},"
        "{\"id\":2,\"callFrame\":{\"functionName\":\"a\",\"url\":\"file:///a.js\","
        "\"lineNumber\":9,\"columnNumber\":2},\"children\":[3]},"
        "{\"id\":3,\"callFrame\":{\"functionName\":\"\",\"url\":\"file:///a.js\",\"lineNumber\":1}},"
        "{\"id\":4,\"callFrame\":{\"functionName\":\"(garbage collector)\",\"url\":\"\"}},"
        "{\"id\":5,\"callFrame\":{\"functionName\":\"(idle)\",\"url\":\"\"}}],"
        "\"samples\":[3,4,4,2,5],\"timeDeltas\":[10,20,5,-3,15]}";
    struct unit_read_result result = read_as(NULL, text);
    cr_assert_eq(result.status, 0);
    /* times: 1010 1030 1035 1035 1050; end 1100 */
    char *time = unit_folded(result.profile, 0);
    cr_assert_str_eq(time, "(idle) 50\na 15\na;(anonymous) 20\na;(anonymous);(garbage collector) 5\n");
    char *count = unit_folded(result.profile, 1);
    cr_assert_str_eq(count, "(idle) 1\na 1\na;(anonymous) 1\na;(anonymous);(garbage collector) 2\n");
    cr_assert_eq(result.statistics.samples, 5);
    /* frame a: file and 1-based line */
    const struct frame *frame = &result.profile->frames[result.profile->nodes[1].frame];
    cr_assert_str_eq(profile_string(result.profile, frame->name), "a");
    cr_assert_str_eq(profile_string(result.profile, frame->file), "file:///a.js");
    cr_assert_eq(frame->line, 10);
    free(time);
    free(count);
    profile_destroy(result.profile);
}

Test(chrome, cpuprofile_refuses_cycles_unknown_ids_and_wrong_types)
{
    static const char *const bad[] = {
        "{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"a\"},\"parent\":2},"
        "{\"id\":2,\"callFrame\":{\"functionName\":\"b\"},\"parent\":1}],\"samples\":[1],"
        "\"timeDeltas\":[1]}",
        "{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\"}}],\"samples\":[9],"
        "\"timeDeltas\":[1]}",
        "{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\"},\"children\":[7]}],"
        "\"samples\":[1],\"timeDeltas\":[1]}",
        "{\"nodes\":[{\"id\":\"1\",\"callFrame\":{}}],\"samples\":[1],\"timeDeltas\":[1]}",
        "{\"nodes\":[{\"id\":1,\"callFrame\":{}},{\"id\":1,\"callFrame\":{}}],\"samples\":[1]}",
        "{\"nodes\":[{\"id\":1,\"callFrame\":{}}],\"samples\":[1,1],\"timeDeltas\":[1]}",
        "{\"nodes\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct unit_read_result result = read_as("chrome", bad[i]);
        cr_expect_eq(result.status, -1, "case %zu was accepted", i);
        profile_destroy(result.profile);
    }
}

Test(chrome, trace_events_give_self_time_per_thread)
{
    /* Thread 1: X outer [0,100) with X inner [0,40) and B/E [60,70); the
     * events are out of order. Thread 2 (named): B at 5, never closed,
     * stops at its last event (an E of nothing at 25 is skipped). */
    const char *text =
        "[{\"ph\":\"X\",\"name\":\"inner\",\"pid\":1,\"tid\":1,\"ts\":0,\"dur\":40},"
        "{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":70},"
        "{\"ph\":\"X\",\"name\":\"outer\",\"pid\":1,\"tid\":1,\"ts\":0,\"dur\":100},"
        "{\"ph\":\"B\",\"name\":\"be\",\"pid\":1,\"tid\":1,\"ts\":60},"
        "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":2,\"args\":{\"name\":\"worker\"}},"
        "{\"ph\":\"B\",\"name\":\"w\",\"pid\":1,\"tid\":2,\"ts\":5},"
        "{\"ph\":\"i\",\"name\":\"instant\",\"pid\":1,\"tid\":2,\"ts\":6},"
        "{\"ph\":\"X\",\"name\":\"w2\",\"pid\":1,\"tid\":2,\"ts\":10,\"dur\":5},"
        "{\"ph\":\"E\",\"pid\":1,\"tid\":2,\"ts\":25},{\"ph\":\"E\",\"pid\":1,\"tid\":2,\"ts\":26}]";
    struct unit_read_result result = read_as(NULL, text);
    cr_assert_eq(result.status, 0);
    char *folded = unit_folded(result.profile, 0);
    cr_assert_str_eq(folded,
                     "pid 1, tid 1;outer 50\npid 1, tid 1;outer;be 10\npid 1, tid 1;outer;inner 40\n"
                     "worker (pid 1, tid 2);w 15\nworker (pid 1, tid 2);w;w2 5\n");
    cr_assert_eq(result.statistics.skipped_lines, 1);
    free(folded);
    profile_destroy(result.profile);
}

/* Decodes a single-format flamebearer back to folded lines "a;b self". */
Test(flamebearer, levels_decode_back_to_the_stacks)
{
    struct unit_read_result result = read_as("folded", "a;b;c 5\na;b 2\na;d 3\ne 1\na;b;c;x 4\n");
    cr_assert_eq(result.status, 0);
    char *text = unit_write("flamebearer", result.profile, 0, NULL);
    cr_assert(strstr(text, "\"numTicks\":15") != NULL, "%s", text);
    cr_assert(strstr(text, "\"maxSelf\":5") != NULL, "%s", text);
    cr_assert(strstr(text, "[0,15,0,0],\n[0,14,0,1,0,1,1,2],\n[0,11,2,3,0,3,3,4],\n[2,9,5,5],\n[7,4,4,6]") != NULL,
              "%s", text);
    free(text);
    profile_destroy(result.profile);
}
