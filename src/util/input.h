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
    /* Set by a caller that needs only the content of the profile read from
     * this input, not the order of its string, frame and node ids (the
     * flame graph, which orders everything by name): a reader may then
     * parse a large input on several threads and merge the parts. */
    int any_id_order;
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
/* Bytes left to read when the input is a regular file (what is buffered
 * plus the rest of the file), or 0 when unknown (pipes, memory). */
uint64_t input_remaining_size(const struct input *input);
/* Maps what is left of a regular file into memory instead of reading it
 * (no copy, no fresh pages to fault in). Returns 1 with *data and *length
 * and the whole input consumed (release with input_unmap(*mapping,
 * *mapping_length)), or 0 when the input is not a regular
 * file or cannot be mapped; nothing is consumed then. */
int input_map_rest(struct input *input, const char **data, size_t *length, void **mapping,
                   size_t *mapping_length);
void input_unmap(void *mapping, size_t mapping_length);
/* Gives back the pages of [from, to) of a mapping from input_map_rest, so
 * that memory does not grow with the input as a reader goes through it.
 * The page holding from goes too (else one page per call would stay): the
 * mapping is private and read-only, so a page touched again is simply
 * mapped again from the page cache. */
void input_release_mapped(const char *from, const char *to);
/* Reads everything left into a malloc'ed buffer (NUL-terminated, owned by
 * the caller). Returns 0, or -1 on error (reported). */
int input_read_all(struct input *input, char **data, size_t *length);
/* Hands out the next block of bytes ending at a line boundary (or the last
 * partial line at EOF); for readers that split lines themselves. Returns
 * 1 with data, 0 at end, -1 on error. */
int input_next_block(struct input *input, const char **data, size_t *length);

#endif
