/* test_pprof.c — unit tests of the protobuf wire decoder/encoder, the gzip
 * helper, and the pprof reader's mapping of profile.proto to the model
 * (inlined lines, labels, label frames, sample types, unsymbolized
 * locations, metadata), its errors, and the writer's round trip. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "formats/format.h"
#include "formats/protobuf.h"
#include "helpers.h"
#include "model/profile.h"
#include "util/gzip.h"
#include "util/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- wire decoder ---- */

Test(protobuf, varints_of_every_length)
{
    const uint64_t values[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX,
                               (uint64_t)-1 /* a negative int64: ten bytes */};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct protobuf_buffer buffer = {0};
        protobuf_put_varint(&buffer, values[i]);
        size_t position = 0;
        uint64_t decoded;
        cr_assert_eq(protobuf_decode_varint(buffer.bytes, &position, buffer.length, &decoded), 0);
        cr_assert_eq(decoded, values[i]);
        cr_assert_eq(position, buffer.length);
        /* Cut off: the last byte missing. */
        position = 0;
        cr_assert_eq(protobuf_decode_varint(buffer.bytes, &position, buffer.length - 1, &decoded),
                     -1);
        protobuf_buffer_free(&buffer);
    }
    cr_assert_eq(((struct protobuf_buffer){0}).length, 0);
}

Test(protobuf, eleven_byte_varint_is_refused)
{
    uint8_t bytes[11];
    memset(bytes, 0x80, sizeof bytes);
    bytes[10] = 0x01;
    struct protobuf_reader reader;
    protobuf_reader_init(&reader, bytes, 0, sizeof bytes);
    struct protobuf_error error;
    uint64_t value;
    cr_assert_eq(protobuf_read_varint(&reader, &value, &error), -1);
    cr_assert_eq(error.offset, 0);
    cr_assert(strstr(error.message, "more than 10 bytes"), "%s", error.message);
}

Test(protobuf, fields_of_every_wire_type)
{
    struct protobuf_buffer buffer = {0};
    protobuf_put_uint64_field(&buffer, 1, 150);
    protobuf_put_bytes_field(&buffer, 2, "abc", 3);
    protobuf_put_tag(&buffer, 3, PROTOBUF_FIXED64);
    for (int i = 0; i < 8; i++)
        protobuf_put_varint(&buffer, (uint64_t)(i + 1) & 0x7f);
    protobuf_put_tag(&buffer, 4, PROTOBUF_FIXED32);
    for (int i = 0; i < 4; i++)
        protobuf_put_varint(&buffer, 0);
    uint64_t packed[] = {1, 300, 70000};
    protobuf_put_packed_uint64(&buffer, 5, packed, 3);

    struct protobuf_reader reader;
    protobuf_reader_init(&reader, buffer.bytes, 0, buffer.length);
    struct protobuf_field field;
    struct protobuf_error error;
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert(field.number == 1 && field.wire_type == PROTOBUF_VARINT && field.value == 150);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert(field.number == 2 && field.length == 3);
    cr_assert_eq(memcmp(buffer.bytes + field.data_offset, "abc", 3), 0);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert(field.number == 3 && field.value == 0x0807060504030201ULL);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert(field.number == 4 && field.value == 0);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert_eq(field.number, 5);
    struct protobuf_reader packed_reader;
    protobuf_open_field(&packed_reader, &reader, &field);
    for (size_t i = 0; i < 3; i++) {
        uint64_t value;
        cr_assert_eq(protobuf_read_varint(&packed_reader, &value, &error), 0);
        cr_assert_eq(value, packed[i]);
    }
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 0);
    protobuf_buffer_free(&buffer);
}

Test(protobuf, length_past_the_end_names_its_offset)
{
    /* field 2, length-delimited, length 5, but 2 bytes follow */
    const uint8_t bytes[] = {0x08, 0x01, 0x12, 0x05, 'a', 'b'};
    struct protobuf_reader reader;
    protobuf_reader_init(&reader, bytes, 0, sizeof bytes);
    struct protobuf_field field;
    struct protobuf_error error;
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), 1);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), -1);
    cr_assert_eq(error.offset, 3);
    cr_assert(strstr(error.message, "length 5 runs past the end"), "%s", error.message);
}

Test(protobuf, groups_and_field_zero_are_refused)
{
    const uint8_t group[] = {0x0b}; /* field 1, start-group */
    const uint8_t zero[] = {0x00, 0x01};
    const uint8_t fixed_cut[] = {0x09, 1, 2, 3}; /* 64-bit with 3 bytes */
    struct protobuf_reader reader;
    struct protobuf_field field;
    struct protobuf_error error;
    protobuf_reader_init(&reader, group, 0, sizeof group);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), -1);
    cr_assert(strstr(error.message, "start-group"), "%s", error.message);
    protobuf_reader_init(&reader, zero, 0, sizeof zero);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), -1);
    cr_assert(strstr(error.message, "field number 0"), "%s", error.message);
    protobuf_reader_init(&reader, fixed_cut, 0, sizeof fixed_cut);
    cr_assert_eq(protobuf_next_field(&reader, &field, &error), -1);
    cr_assert_eq(error.offset, 1);
}

static void collect(void *context, uint64_t value)
{
    struct protobuf_buffer *out = context;
    protobuf_put_varint(out, value);
}

Test(protobuf, repeated_integers_packed_or_not)
{
    struct protobuf_buffer buffer = {0}, seen = {0};
    protobuf_put_uint64_field(&buffer, 1, 7);
    uint64_t packed[] = {8, 9};
    protobuf_put_packed_uint64(&buffer, 1, packed, 2);
    struct protobuf_reader reader;
    protobuf_reader_init(&reader, buffer.bytes, 0, buffer.length);
    struct protobuf_field field;
    struct protobuf_error error;
    while (protobuf_next_field(&reader, &field, &error) > 0)
        cr_assert_eq(protobuf_each_integer(&reader, &field, collect, &seen, &error), 0);
    cr_assert_eq(seen.length, 3);
    cr_assert(seen.bytes[0] == 7 && seen.bytes[1] == 8 && seen.bytes[2] == 9);
    protobuf_buffer_free(&buffer);
    protobuf_buffer_free(&seen);
}

/* ---- gzip ---- */

Test(gzip, round_trip_concatenated_members_and_errors)
{
    const char *text = "hello, hello, hello, profile";
    char *compressed, *plain;
    size_t compressed_length, plain_length;
    struct gzip_error error;
    cr_assert_eq(gzip_deflate(text, strlen(text), 1, &compressed, &compressed_length, &error), 0);
    cr_assert(gzip_has_magic(compressed, compressed_length));
    cr_assert_eq(gzip_inflate(compressed, compressed_length, 1 << 20, &plain, &plain_length,
                              &error), 0);
    cr_assert_eq(plain_length, strlen(text));
    cr_assert_eq(memcmp(plain, text, plain_length), 0);
    free(plain);

    /* Two members decompress to the two texts, as gunzip does. */
    char *twice = malloc(compressed_length * 2);
    memcpy(twice, compressed, compressed_length);
    memcpy(twice + compressed_length, compressed, compressed_length);
    cr_assert_eq(gzip_inflate(twice, compressed_length * 2, 1 << 20, &plain, &plain_length,
                              &error), 0);
    cr_assert_eq(plain_length, 2 * strlen(text));
    free(plain);

    /* Truncated: the end is missing. */
    cr_assert_eq(gzip_inflate(compressed, compressed_length - 5, 1 << 20, &plain, &plain_length,
                              &error), -1);
    cr_assert(strstr(error.message, "truncated"), "%s", error.message);
    cr_assert_eq(error.offset, compressed_length - 5);

    /* Corrupt: a flipped byte in the deflate data or the checksum. */
    twice[compressed_length - 6] ^= 0xff;
    cr_assert_eq(gzip_inflate(twice, compressed_length, 1 << 20, &plain, &plain_length, &error),
                 -1);
    cr_assert(strstr(error.message, "corrupt gzip data"), "%s", error.message);

    /* Refused above the limit. */
    cr_assert_eq(gzip_inflate(compressed, compressed_length, 4, &plain, &plain_length, &error),
                 -1);
    cr_assert(strstr(error.message, "more than 4 bytes"), "%s", error.message);

    /* Not gzip at all. */
    cr_assert_eq(gzip_inflate("plain", 5, 1 << 20, &plain, &plain_length, &error), -1);
    cr_assert(strstr(error.message, "1f 8b"), "%s", error.message);

    /* The prefix decoder used by probes. */
    char prefix[8];
    cr_assert_eq(gzip_inflate_prefix(compressed, compressed_length, prefix, sizeof prefix), 8);
    cr_assert_eq(memcmp(prefix, text, 8), 0);
    free(twice);
    free(compressed);
}

/* ---- building pprof messages for the reader ---- */

struct builder {
    struct protobuf_buffer message;
    const char *strings[64];
    size_t string_count;
};

static uint64_t string_of(struct builder *builder, const char *string)
{
    if (!string || !*string)
        return 0;
    for (size_t i = 1; i < builder->string_count; i++)
        if (strcmp(builder->strings[i], string) == 0)
            return i;
    builder->strings[builder->string_count] = string;
    return builder->string_count++;
}

static void builder_init(struct builder *builder)
{
    memset(builder, 0, sizeof *builder);
    builder->strings[0] = "";
    builder->string_count = 1;
}

static void put_value_type(struct builder *builder, uint32_t field, const char *type,
                           const char *unit)
{
    struct protobuf_buffer value_type = {0};
    protobuf_put_uint64_field(&value_type, 1, string_of(builder, type));
    protobuf_put_uint64_field(&value_type, 2, string_of(builder, unit));
    protobuf_put_message(&builder->message, field, &value_type);
    protobuf_buffer_free(&value_type);
}

static void put_function(struct builder *builder, uint64_t id, const char *name, const char *file,
                         int64_t start_line)
{
    struct protobuf_buffer function = {0};
    protobuf_put_uint64_field(&function, 1, id);
    protobuf_put_uint64_field(&function, 2, string_of(builder, name));
    protobuf_put_uint64_field(&function, 4, string_of(builder, file));
    protobuf_put_int64_field(&function, 5, start_line);
    protobuf_put_message(&builder->message, 5, &function);
    protobuf_buffer_free(&function);
}

/* lines: function ids, innermost first, with line numbers. */
static void put_location(struct builder *builder, uint64_t id, uint64_t mapping_id,
                         uint64_t address, const uint64_t *function_ids, size_t line_count)
{
    struct protobuf_buffer location = {0}, line = {0};
    protobuf_put_uint64_field(&location, 1, id);
    protobuf_put_uint64_field(&location, 2, mapping_id);
    protobuf_put_uint64_field(&location, 3, address);
    for (size_t i = 0; i < line_count; i++) {
        line.length = 0;
        protobuf_put_uint64_field(&line, 1, function_ids[i]);
        protobuf_put_int64_field(&line, 2, (int64_t)(10 + i));
        protobuf_put_message(&location, 4, &line);
    }
    protobuf_put_message(&builder->message, 4, &location);
    protobuf_buffer_free(&location);
    protobuf_buffer_free(&line);
}

struct test_label {
    const char *key, *string;
    int64_t number;
    const char *unit;
};

/* locations leaf first; unpacked when packed is 0 (Go writes one tag per
 * element for short arrays). */
static void put_sample(struct builder *builder, const uint64_t *locations, size_t location_count,
                       const int64_t *values, size_t value_count, const struct test_label *labels,
                       size_t label_count, int packed)
{
    struct protobuf_buffer sample = {0}, label = {0};
    if (packed) {
        protobuf_put_packed_uint64(&sample, 1, locations, location_count);
        protobuf_put_packed_int64(&sample, 2, values, value_count);
    } else {
        for (size_t i = 0; i < location_count; i++) {
            protobuf_put_tag(&sample, 1, PROTOBUF_VARINT);
            protobuf_put_varint(&sample, locations[i]);
        }
        for (size_t i = 0; i < value_count; i++) {
            protobuf_put_tag(&sample, 2, PROTOBUF_VARINT);
            protobuf_put_varint(&sample, (uint64_t)values[i]);
        }
    }
    for (size_t i = 0; i < label_count; i++) {
        label.length = 0;
        protobuf_put_uint64_field(&label, 1, string_of(builder, labels[i].key));
        protobuf_put_uint64_field(&label, 2, string_of(builder, labels[i].string));
        protobuf_put_int64_field(&label, 3, labels[i].number);
        protobuf_put_uint64_field(&label, 4, string_of(builder, labels[i].unit));
        protobuf_put_message(&sample, 3, &label);
    }
    protobuf_put_message(&builder->message, 2, &sample);
    protobuf_buffer_free(&sample);
    protobuf_buffer_free(&label);
}

/* Appends the string table (last, as Go does). */
static void builder_finish(struct builder *builder)
{
    for (size_t i = 0; i < builder->string_count; i++)
        protobuf_put_bytes_field(&builder->message, 6, builder->strings[i],
                                 strlen(builder->strings[i]));
}

/* Reads pprof bytes (options NULL: none). */
static struct unit_read_result read_pprof(const void *bytes, size_t length,
                                          const struct read_options *options)
{
    return unit_read("pprof", bytes, length, "test.pb", options);
}

static const char *label_value(const struct profile *profile, const char *key)
{
    for (size_t i = 0; i < profile->label_count; i++)
        if (strcmp(profile_string(profile, profile->labels[i].key), key) == 0)
            return profile_string(profile, profile->labels[i].value);
    return NULL;
}

/* A Go-like CPU profile: main -> work -> (hash with inlined mix), and
 * main -> idle; two sample types; a common label and a varying one. */
static void build_go_profile(struct builder *builder, int with_default)
{
    builder_init(builder);
    put_value_type(builder, 1, "samples", "count");
    put_value_type(builder, 1, "cpu", "nanoseconds");
    put_function(builder, 1, "runtime.main", "/go/src/runtime/proc.go", 144);
    put_function(builder, 2, "main.work", "/src/main.go", 20);
    put_function(builder, 3, "main.hash", "/src/main.go", 30);
    put_function(builder, 4, "main.mix", "/src/main.go", 40);
    put_function(builder, 5, "main.idle", "/src/main.go", 50);
    uint64_t main_function[] = {1}, work[] = {2}, hash_with_mix[] = {4, 3}, idle[] = {5};
    put_location(builder, 1, 0, 0x1000, main_function, 1);
    put_location(builder, 2, 0, 0x2000, work, 1);
    put_location(builder, 3, 0, 0x3000, hash_with_mix, 2);
    put_location(builder, 4, 0, 0x4000, idle, 1);
    uint64_t stack_hash[] = {3, 2, 1}, stack_idle[] = {4, 1};
    int64_t values_a[] = {3, 30000000}, values_b[] = {2, 20000000};
    struct test_label labels_a[] = {{"phase", "compute", 0, NULL}, {"user", "alice", 0, NULL},
                                    {"bytes", NULL, 512, "bytes"}};
    struct test_label labels_b[] = {{"phase", "compute", 0, NULL}, {"user", "bob", 0, NULL}};
    put_sample(builder, stack_hash, 3, values_a, 2, labels_a, 3, 1);
    put_sample(builder, stack_idle, 2, values_b, 2, labels_b, 2, 0);
    protobuf_put_int64_field(&builder->message, 9, 1700000000000000000LL);
    protobuf_put_int64_field(&builder->message, 10, 2000000000LL);
    put_value_type(builder, 11, "cpu", "nanoseconds");
    protobuf_put_int64_field(&builder->message, 12, 10000000);
    protobuf_put_uint64_field(&builder->message, 13, string_of(builder, "made by a test"));
    if (with_default)
        protobuf_put_uint64_field(&builder->message, 14, string_of(builder, "samples"));
    builder_finish(builder);
}

Test(pprof, maps_functions_inlined_lines_and_sample_types)
{
    struct builder builder;
    build_go_profile(&builder, 0);
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(result.statistics.samples, 2);
    cr_assert_eq(profile->sample_type_count, 2);
    cr_assert_str_eq(profile_string(profile, profile->sample_types[1].type), "cpu");
    cr_assert_str_eq(profile_string(profile, profile->sample_types[1].unit), "nanoseconds");
    cr_assert_eq(profile->default_sample_type, 1, "no default_sample_type: the last type");

    /* Inlined: main.mix (line[0], innermost) is below main.hash. */
    char *cpu = unit_folded(profile, 1);
    cr_assert_str_eq(cpu, "runtime.main;main.idle 20000000\n"
                          "runtime.main;main.work;main.hash;main.mix 30000000\n");
    free(cpu);
    char *samples = unit_folded(profile, 0);
    cr_assert_str_eq(samples, "runtime.main;main.idle 2\n"
                              "runtime.main;main.work;main.hash;main.mix 3\n");
    free(samples);

    /* Frames: file and the function's start line, kind Go. */
    for (uint32_t frame = 0; frame < profile->frame_count; frame++) {
        if (strcmp(profile_frame_name(profile, frame), "main.hash") != 0)
            continue;
        cr_assert_str_eq(profile_string(profile, profile->frames[frame].file), "/src/main.go");
        cr_assert_eq(profile->frames[frame].line, 30);
        cr_assert_eq(profile->frames[frame].kind, FRAME_GO);
    }

    /* Metadata. */
    cr_assert_eq(profile->period, 10000000);
    cr_assert_str_eq(profile_string(profile, profile->period_type), "cpu");
    cr_assert_float_eq(profile->start_time, 1700000000.0, 1e-3);
    cr_assert_float_eq(profile->end_time, 1700000002.0, 1e-3);
    cr_assert_str_eq(label_value(profile, "phase"), "compute");
    cr_assert_null(label_value(profile, "user"), "user differs between samples");
    cr_assert_str_eq(label_value(profile, "pprof::comment"), "made by a test");
    profile_destroy(profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, default_sample_type_and_resolution_by_name)
{
    struct builder builder;
    build_go_profile(&builder, 1);
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(result.status, 0);
    cr_assert_eq(result.profile->default_sample_type, 0);
    cr_assert_eq(profile_resolve_sample_type(result.profile, NULL), 0);
    cr_assert_eq(profile_resolve_sample_type(result.profile, "cpu"), 1);
    cr_assert_eq(profile_resolve_sample_type(result.profile, "alloc_space"), -1);
    profile_destroy(result.profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, label_frames_are_roots)
{
    struct builder builder;
    build_go_profile(&builder, 0);
    const char *keys[] = {"user", "bytes"};
    struct read_options options = {.label_frame_keys = keys, .label_frame_key_count = 2};
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, &options);
    cr_assert_eq(result.status, 0);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text,
                     "user=alice;bytes=512 bytes;runtime.main;main.work;main.hash;main.mix 3\n"
                     "user=bob;runtime.main;main.idle 2\n");
    free(text);
    profile_destroy(result.profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, gzip_is_sniffed_and_read)
{
    struct builder builder;
    build_go_profile(&builder, 0);
    char *compressed;
    size_t compressed_length;
    struct gzip_error error;
    cr_assert_eq(gzip_deflate(builder.message.bytes, builder.message.length, 6, &compressed,
                              &compressed_length, &error), 0);
    const struct format *pprof = format_by_name("pprof");
    cr_assert_geq(pprof->probe(compressed, compressed_length), 90);
    cr_assert_geq(pprof->probe((const char *)builder.message.bytes, builder.message.length), 80);
    cr_assert_eq(pprof->probe("main;foo 1\nmain;bar 2\n", 22), 0);
    cr_assert_eq(pprof->probe("\x1f\x8b", 2), 0);

    struct input input;
    input_open_memory(&input, compressed, compressed_length, "test.pb.gz");
    cr_assert_eq(format_guess(&input), pprof);
    input_close(&input);
    struct unit_read_result result = read_pprof(compressed, compressed_length, NULL);
    cr_assert_eq(result.status, 0);
    cr_assert_eq(result.statistics.samples, 2);
    profile_destroy(result.profile);
    free(compressed);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, unsymbolized_locations_are_named_by_module_or_address)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    struct protobuf_buffer mapping = {0};
    protobuf_put_uint64_field(&mapping, 1, 7);
    protobuf_put_uint64_field(&mapping, 2, 0x400000);
    protobuf_put_uint64_field(&mapping, 3, 0x500000);
    protobuf_put_uint64_field(&mapping, 4, 0x1000);
    protobuf_put_uint64_field(&mapping, 5, string_of(&builder, "/usr/lib/libdemo.so"));
    protobuf_put_message(&builder.message, 3, &mapping);
    protobuf_buffer_free(&mapping);
    put_function(&builder, 1, "caller", NULL, 0);
    uint64_t caller[] = {1};
    put_location(&builder, 1, 7, 0x400abc, NULL, 0);
    put_location(&builder, 2, 0, 0xdeadbeef, NULL, 0);
    put_location(&builder, 3, 0, 0x10, caller, 1);
    uint64_t stack[] = {1, 2, 3};
    int64_t one[] = {1};
    put_sample(&builder, stack, 3, one, 1, NULL, 0, 1);
    builder_finish(&builder);
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(result.status, 0);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "caller;0xdeadbeef;libdemo.so+0x1abc 1\n");
    free(text);
    for (uint32_t frame = 0; frame < result.profile->frame_count; frame++)
        cr_assert_eq(result.profile->frames[frame].kind, FRAME_NATIVE, "not a Go profile");
    profile_destroy(result.profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, writer_round_trip_keeps_types_frames_labels_and_metadata)
{
    struct builder builder;
    build_go_profile(&builder, 0);
    struct unit_read_result first = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(first.status, 0);
    for (int compressed = 0; compressed < 2; compressed++) {
        size_t length;
        char *bytes = unit_write(compressed ? "pprof" : "pprof-uncompressed", first.profile, 0,
                                  &length);
        cr_assert_eq(gzip_has_magic(bytes, length), compressed);
        struct unit_read_result second = read_pprof(bytes, length, NULL);
        cr_assert_eq(second.status, 0);
        struct profile *profile = second.profile;
        cr_assert_eq(profile->sample_type_count, 2);
        cr_assert_eq(profile->default_sample_type, 0, "the type chosen for writing");
        for (size_t type = 0; type < 2; type++) {
            char *before = unit_folded(first.profile, type), *after = unit_folded(profile, type);
            cr_assert_str_eq(after, before);
            free(before);
            free(after);
        }
        for (uint32_t frame = 0; frame < profile->frame_count; frame++)
            if (strcmp(profile_frame_name(profile, frame), "main.idle") == 0) {
                cr_assert_str_eq(profile_string(profile, profile->frames[frame].file),
                                 "/src/main.go");
                cr_assert_eq(profile->frames[frame].line, 50);
                cr_assert_eq(profile->frames[frame].kind, FRAME_GO);
            }
        cr_assert_eq(profile->period, 10000000);
        cr_assert_str_eq(profile_string(profile, profile->period_type), "cpu");
        cr_assert_float_eq(profile->start_time, first.profile->start_time, 1e-6);
        cr_assert_float_eq(profile->end_time, first.profile->end_time, 1e-6);
        cr_assert_str_eq(label_value(profile, "phase"), "compute");
        cr_assert_str_eq(label_value(profile, "pprof::comment"), "made by a test");
        profile_destroy(profile);
        free(bytes);
    }
    profile_destroy(first.profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, writes_a_folded_profile)
{
    struct profile *source = unit_read_folded("a;b;c 5\na;b 2\nx 1\n", NULL);
    size_t length;
    char *bytes = unit_write("pprof", source, 0, &length);
    struct unit_read_result back = read_pprof(bytes, length, NULL);
    cr_assert_eq(back.status, 0);
    char *folded = unit_folded(back.profile, 0);
    cr_assert_str_eq(folded, "a;b 2\na;b;c 5\nx 1\n");
    cr_assert_str_eq(profile_string(back.profile, back.profile->sample_types[0].type), "samples");
    free(folded);
    free(bytes);
    profile_destroy(back.profile);
    profile_destroy(source);
}

/* ---- errors ---- */

/* Reads bytes, expects failure, and returns what was printed. */
static char *read_failure(const void *bytes, size_t length)
{
    struct unit_read_result result = read_pprof(bytes, length, NULL);
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    static char message[1024];
    size_t got = fread(message, 1, sizeof message - 1, cr_get_redirected_stderr());
    message[got] = '\0';
    return message;
}

Test(pprof_errors, string_index_out_of_range, .init = cr_redirect_stderr)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    struct protobuf_buffer function = {0};
    protobuf_put_uint64_field(&function, 1, 1);
    protobuf_put_uint64_field(&function, 2, 99);
    size_t function_offset = builder.message.length;
    protobuf_put_message(&builder.message, 5, &function);
    protobuf_buffer_free(&function);
    builder_finish(&builder);
    char *message = read_failure(builder.message.bytes, builder.message.length);
    char expected[200];
    snprintf(expected, sizeof expected,
             "ember: test.pb: byte %zu: Function.name: string index 99 is out of range (the "
             "string table has 3 strings)\n",
             function_offset + 4);
    cr_assert_str_eq(message, expected);
    protobuf_buffer_free(&builder.message);
}

Test(pprof_errors, missing_location_and_function_ids, .init = cr_redirect_stderr)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    uint64_t missing_function[] = {42};
    put_location(&builder, 1, 0, 0, missing_function, 1);
    builder_finish(&builder);
    char *message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "location 1 names function id 42, which does not exist"), "%s",
              message);
    protobuf_buffer_free(&builder.message);

    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    uint64_t stack[] = {5};
    int64_t one[] = {1};
    put_sample(&builder, stack, 1, one, 1, NULL, 0, 1);
    builder_finish(&builder);
    message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "sample names location id 5, which does not exist"), "%s", message);
    protobuf_buffer_free(&builder.message);
}

Test(pprof_errors, duplicate_and_zero_ids, .init = cr_redirect_stderr)
{
    struct builder builder;
    builder_init(&builder);
    put_function(&builder, 3, "a", NULL, 0);
    put_function(&builder, 3, "b", NULL, 0);
    builder_finish(&builder);
    char *message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "function id 3 appears twice"), "%s", message);
    protobuf_buffer_free(&builder.message);

    builder_init(&builder);
    put_location(&builder, 0, 0, 0x10, NULL, 0);
    builder_finish(&builder);
    message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "location has id 0"), "%s", message);
    protobuf_buffer_free(&builder.message);

    /* Sparse huge ids use the hashed index, duplicates still found. */
    builder_init(&builder);
    put_function(&builder, 1ULL << 60, "a", NULL, 0);
    put_function(&builder, 5, "b", NULL, 0);
    put_function(&builder, 1ULL << 60, "c", NULL, 0);
    builder_finish(&builder);
    message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "function id 1152921504606846976 appears twice"), "%s", message);
    protobuf_buffer_free(&builder.message);
}

Test(pprof_errors, value_count_and_string_table_rules, .init = cr_redirect_stderr)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    put_value_type(&builder, 1, "cpu", "nanoseconds");
    int64_t one[] = {1};
    put_sample(&builder, NULL, 0, one, 1, NULL, 0, 1);
    builder_finish(&builder);
    char *message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert(strstr(message, "sample has 1 values, but the profile has 2 sample types"), "%s",
              message);
    protobuf_buffer_free(&builder.message);

    builder_init(&builder);
    protobuf_put_bytes_field(&builder.message, 6, "x", 1);
    message = read_failure(builder.message.bytes, builder.message.length);
    cr_assert_str_eq(message, "ember: test.pb: byte 2: string_table[0] must be the empty string "
                              "(it has 1 bytes)\n");
    protobuf_buffer_free(&builder.message);
}

Test(pprof_errors, wire_errors_and_gzip_offsets, .init = cr_redirect_stderr)
{
    /* sample_type given as a varint */
    const uint8_t wrong_type[] = {0x08, 0x01};
    char *message = read_failure(wrong_type, sizeof wrong_type);
    cr_assert_str_eq(message, "ember: test.pb: byte 0: field 1 (sample_type): expected wire type "
                              "length-delimited, found varint\n");
    /* a sample whose length runs past the end */
    const uint8_t past_end[] = {0x12, 0x7f, 0x08};
    message = read_failure(past_end, sizeof past_end);
    cr_assert_str_eq(message, "ember: test.pb: byte 1: field 2: length 127 runs past the end of "
                              "its message (1 bytes left)\n");
    /* a bad varint inside a packed location list, gzipped: the offset is in
     * the decompressed protobuf */
    const uint8_t bad_packed[] = {0x12, 0x03, 0x0a, 0x01, 0x80};
    char *compressed;
    size_t compressed_length;
    struct gzip_error error;
    cr_assert_eq(gzip_deflate(bad_packed, sizeof bad_packed, 6, &compressed, &compressed_length,
                              &error), 0);
    message = read_failure(compressed, compressed_length);
    cr_assert_str_eq(message, "ember: test.pb: byte 4 of the gunzipped protobuf: "
                              "Sample.location_id: packed varint runs past the end of the field\n");
    /* truncated gzip */
    message = read_failure(compressed, compressed_length - 3);
    char expected[160];
    snprintf(expected, sizeof expected,
             "ember: test.pb: byte %zu: gzip data ends early (truncated file?)\n",
             compressed_length - 3);
    cr_assert_str_eq(message, expected);
    free(compressed);
}

Test(pprof, huge_counts_and_negative_values)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "delta", "count");
    put_function(&builder, 1, "f", NULL, 0);
    uint64_t f[] = {1};
    put_location(&builder, 1, 0, 0, f, 1);
    uint64_t stack[] = {1};
    int64_t huge[] = {INT64_MAX}, negative[] = {-5};
    put_sample(&builder, stack, 1, huge, 1, NULL, 0, 1);
    put_sample(&builder, stack, 1, negative, 1, NULL, 0, 0);
    builder_finish(&builder);
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(result.status, 0);
    cr_assert_float_eq(profile_grand_total(result.profile, 0), (double)INT64_MAX - 5, 1e6);
    size_t length;
    char *bytes = unit_write("pprof-uncompressed", result.profile, 0, &length);
    struct unit_read_result back = read_pprof(bytes, length, NULL);
    cr_assert_eq(back.status, 0);
    cr_assert_gt(profile_grand_total(back.profile, 0), 9e18);
    free(bytes);
    profile_destroy(back.profile);
    profile_destroy(result.profile);
    protobuf_buffer_free(&builder.message);
}

Test(pprof, drop_frames_prunes_as_pprof_does)
{
    struct builder builder;
    builder_init(&builder);
    put_value_type(&builder, 1, "samples", "count");
    put_function(&builder, 1, "main", NULL, 0);
    put_function(&builder, 2, "alloc", NULL, 0);
    put_function(&builder, 3, "malloc(unsigned long)", NULL, 0);
    put_function(&builder, 4, "internal", NULL, 0);
    put_function(&builder, 5, "wrapper", NULL, 0);
    put_function(&builder, 6, "free", NULL, 0);
    uint64_t f1[] = {1}, f2[] = {2}, f3[] = {3}, f4[] = {4}, inlined[] = {3, 5}, f6[] = {6};
    put_location(&builder, 1, 0, 0, f1, 1);
    put_location(&builder, 2, 0, 0, f2, 1);
    put_location(&builder, 3, 0, 0, f3, 1);
    put_location(&builder, 4, 0, 0, f4, 1);
    put_location(&builder, 5, 0, 0, inlined, 2); /* malloc inlined into wrapper */
    put_location(&builder, 6, 0, 0, f6, 1);
    uint64_t below_malloc[] = {4, 3, 2, 1}, inlined_malloc[] = {5, 1}, malloc_root[] = {2, 3},
             kept_free[] = {6, 2, 1};
    int64_t one[] = {1}, two[] = {2}, four[] = {4}, eight[] = {8};
    put_sample(&builder, below_malloc, 4, one, 1, NULL, 0, 1);
    put_sample(&builder, inlined_malloc, 2, two, 1, NULL, 0, 1);
    put_sample(&builder, malloc_root, 2, four, 1, NULL, 0, 1);
    put_sample(&builder, kept_free, 3, eight, 1, NULL, 0, 1);
    protobuf_put_uint64_field(&builder.message, 7, string_of(&builder, "malloc|free"));
    protobuf_put_uint64_field(&builder.message, 8, string_of(&builder, "fr.e"));
    builder_finish(&builder);
    struct unit_read_result result = read_pprof(builder.message.bytes, builder.message.length, NULL);
    cr_assert_eq(result.status, 0);
    char *text = unit_folded(result.profile, 0);
    cr_assert_str_eq(text, "main;alloc 1\n"
                           "main;alloc;free 8\n"
                           "main;wrapper 2\n"
                           "malloc(unsigned long);alloc 4\n");
    free(text);
    cr_assert_str_eq(label_value(result.profile, "pprof::drop_frames"), "malloc|free");
    profile_destroy(result.profile);
    protobuf_buffer_free(&builder.message);
}
