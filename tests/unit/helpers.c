/* helpers.c — helpers shared by the unit tests; see helpers.h. No Test()
 * here: these run inside the tests that call them. */
#include "helpers.h"

#include <criterion/criterion.h>

#include "util/input.h"

#include <stdio.h>
#include <string.h>

struct unit_read_result unit_read(const char *format_name, const void *bytes, size_t length,
                                  const char *name, const struct read_options *options)
{
    const struct format *format = NULL;
    if (format_name) {
        format = format_by_name(format_name);
        cr_assert_not_null(format, "format %s is registered", format_name);
    }
    struct read_options none = {0};
    struct unit_read_result result = {profile_create(), {0}, 0};
    struct input input;
    input_open_memory(&input, bytes, length, name);
    result.status = format_read_input(&input, format, result.profile, options ? options : &none,
                                      &result.statistics);
    input_close(&input);
    return result;
}

struct profile *unit_read_folded(const char *text, const struct read_options *options)
{
    struct unit_read_result result = unit_read("folded", text, strlen(text), "test.folded", options);
    cr_assert_eq(result.status, 0, "folded text reads: %s", text);
    return result.profile;
}

char *unit_write(const char *format_name, const struct profile *profile, size_t type,
                 size_t *length)
{
    const struct format *format = format_by_name(format_name);
    cr_assert_not_null(format, "format %s is registered", format_name);
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    cr_assert_not_null(file);
    struct write_options options = {.sample_type = type};
    cr_assert_eq(format->write(file, profile, &options), 0, "the %s writer succeeds", format_name);
    fclose(file);
    if (length)
        *length = size;
    return text;
}

char *unit_folded(const struct profile *profile, size_t type)
{
    return unit_write("folded", profile, type, NULL);
}

uint32_t unit_add_stack(struct profile *profile, const char *stack, size_t type, double value)
{
    uint32_t frames[64];
    size_t depth = 0;
    const char *begin = stack;
    for (const char *p = stack;; p++) {
        if (*p == ';' || *p == '\0') {
            cr_assert_lt(depth, sizeof frames / sizeof frames[0], "stack too deep: %s", stack);
            frames[depth++] = profile_frame_named(profile, begin, (size_t)(p - begin), FRAME_UNKNOWN);
            begin = p + 1;
            if (*p == '\0')
                break;
        }
    }
    uint32_t node = profile_add_stack(profile, frames, depth);
    profile_add_value(profile, node, type, value);
    return node;
}

void unit_stack_text(const struct profile *profile, uint32_t node, char *buffer, size_t size)
{
    uint32_t path[64];
    size_t depth = profile_root_path(profile, node, path);
    buffer[0] = '\0';
    for (size_t i = 0; i < depth; i++) {
        if (i)
            strncat(buffer, ";", size - strlen(buffer) - 1);
        strncat(buffer, profile_frame_name(profile, path[i]), size - strlen(buffer) - 1);
    }
}
