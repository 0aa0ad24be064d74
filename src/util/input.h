/* input.h — buffered reading of a profile file or standard input.
 *
 * Readers never see file descriptors: they get lines (for text formats) or
 * the whole content (for binary formats) from an input. The first bytes can
 * be peeked without consuming them, which is how format sniffing works on
 * pipes. The buffer is fixed-size for line reading, so memory does not grow
 * with the input; a single line longer than the buffer makes the buffer grow.
 */
#ifndef EMBER_INPUT_H
#define EMBER_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
    int fd;
    int owns_fd;
    const char *path;       /* as given by the user; "-" shows as "<stdin>" */
    char *buffer;
    size_t capacity;
    size_t start;           /* first unconsumed byte */
    size_t end;             /* one past the last valid byte */
    int at_eof;
    int failed;             /* a read error happened (already reported) */
    uint64_t line_number;   /* number of the line last returned */
};

/* Opens path ("-" or NULL for standard input). On failure prints
 * "ember: PATH: reason" and returns -1. Directories are refused. */
int input_open(struct input *input, const char *path);
/* Reads from memory instead of a file (fuzzers, unit tests); the bytes are
 * copied. name is used in messages. Never fails. */
void input_open_memory(struct input *input, const char *data, size_t length, const char *name);
void input_close(struct input *input);
/* Name to use in messages. */
const char *input_name(const struct input *input);
/* Makes up to want bytes available without consuming them; returns how many
 * are available (fewer at end of input). *data points to them. */
size_t input_peek(struct input *input, size_t want, const char **data);
/* Returns 1 and the next line (without '\n'; a trailing '\r' is kept for
 * the reader to decide), 0 at end of input, -1 on a read error. The line
 * stays valid until the next call. */
int input_next_line(struct input *input, const char **line, size_t *length);
/* Reads everything left into a malloc'ed buffer (NUL-terminated, owned by
 * the caller). Returns 0, or -1 on error (reported). */
int input_read_all(struct input *input, char **data, size_t *length);
/* Hands out the next block of bytes ending at a line boundary (or the last
 * partial line at EOF); for readers that split lines themselves. Returns
 * 1 with data, 0 at end, -1 on error. */
int input_next_block(struct input *input, const char **data, size_t *length);

#endif
