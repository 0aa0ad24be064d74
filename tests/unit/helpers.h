/* helpers.h — helpers shared by the unit tests (every .c file of tests/unit
 * is compiled into one binary; helpers.c holds no Test()): a profile read from
 * bytes or folded text, a profile written as text, a stack added from its
 * folded form "a;b;c", a node's stack in that form.
 *
 * A library call that must succeed is checked with Criterion's asserts, so
 * its failure fails the running test; unit_read() returns the reader's
 * status instead, for tests of errors. Ownership: the caller destroys the
 * profiles (profile_destroy) and frees the strings (free) returned. */
#ifndef EMBER_TESTS_UNIT_HELPERS_H
#define EMBER_TESTS_UNIT_HELPERS_H

#include "formats/format.h"
#include "model/profile.h"

#include <stddef.h>
#include <stdint.h>

struct unit_read_result {
    struct profile *profile; /* the caller's, even when status is not 0 */
    struct read_statistics statistics;
    int status;              /* format_read_input's */
};

/* Reads length bytes as an input named name, with the format format_name
 * (NULL: guessed from the bytes, then the name) and options (NULL: none). */
struct unit_read_result unit_read(const char *format_name, const void *bytes, size_t length,
                                  const char *name, const struct read_options *options);

/* Reads folded text (options NULL: none), which must read without error. */
struct profile *unit_read_folded(const char *text, const struct read_options *options);

/* The profile's sample type `type` written by the writer of format_name,
 * malloc'ed and NUL-terminated; *length gets its length unless length is
 * NULL (binary formats may hold NUL bytes). */
char *unit_write(const char *format_name, const struct profile *profile, size_t type,
                 size_t *length);

/* unit_write("folded", profile, type, NULL). */
char *unit_folded(const struct profile *profile, size_t type);

/* Adds value to sample type `type` of the stack "a;b;c" (root first, at most
 * 64 frames); returns the stack's node. */
uint32_t unit_add_stack(struct profile *profile, const char *stack, size_t type, double value);

/* node's stack from the root as "a;b;c" into buffer (cut to size - 1). */
void unit_stack_text(const struct profile *profile, uint32_t node, char *buffer, size_t size);

#endif
