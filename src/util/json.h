/* json.h — a small pull parser for JSON profile readers, and a JSON string
 * writer for profile writers.
 *
 * Reading
 * -------
 * The reader drives the parser: it asks what the next value is, opens an
 * object and walks its keys, opens an array and walks its elements, reads
 * numbers and strings, and skips what it does not need. Nothing is built in
 * memory: a 500 MB .cpuprofile is read with no more memory than the profile
 * it becomes. The whole document is in one NUL-terminated buffer (from
 * input_read_all), so a reader may remember the offset of a value
 * (json_offset) and come back to it later with a second parser
 * (json_parser_at) — that is how readers cope with keys in any order, and
 * how two arrays (speedscope's samples and weights) are walked side by side.
 *
 * Strict RFC 8259 grammar. Strings must be valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are refused); escapes are
 * decoded, a \u escape of a lone surrogate becomes U+FFFD. Containers may
 * nest JSON_MAX_DEPTH deep. Numbers are doubles; one whose magnitude does
 * not fit a double is an error.
 *
 * Errors: the first error is kept with the byte offset it happened at and
 * every later call returns -1; json_report() prints
 * "ember: NAME: byte OFFSET: MESSAGE". Readers use json_fail()/json_fail_at()
 * for errors of meaning (a wrong type, an index out of range) so that every
 * message has the same shape.
 *
 * Why hand-written: Debian's libjansson and libjson-c build a tree of
 * allocated values for the whole document (a hash table per object, an
 * allocation per number) before a reader can look at it. Measured with
 * bench/json.sh on files made from the corpus: libjansson's json_loadb()
 * alone takes 4.6 s and 1.4 GB for a 134 MB .cpuprofile, where this parser
 * tokenizes it in 0.23 s (~590 MB/s) and the chrome reader builds the whole
 * Profile in 1.0 s; details in src/util/json.c's header.
 *
 * Writing
 * -------
 * json_write_string() writes bytes as a quoted JSON string: '"' and '\\'
 * escaped, control bytes as \n, \t, ... or \u00XX, and invalid UTF-8
 * replaced, byte by byte, with U+FFFD, so ember's output is always valid
 * JSON whatever names a profile holds. json_write_number() writes a finite
 * double as a JSON number (integers exactly).
 */
#ifndef EMBER_JSON_H
#define EMBER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 1000

enum json_type {
    JSON_INVALID = 0,
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json_parser {
    const char *data; /* NUL-terminated */
    size_t length;
    size_t position;
    const char *name; /* input name for messages */
    unsigned depth;
    /* Per open container: 1 once its first member was read. */
    unsigned char started[JSON_MAX_DEPTH];
    /* Decoded strings that held escapes live here until the next string. */
    char *scratch;
    size_t scratch_capacity;
    /* The first error. */
    int failed;
    size_t error_offset;
    char error[200];
};

/* data must stay alive and be NUL-terminated at data[length]. */
void json_init(struct json_parser *parser, const char *data, size_t length, const char *name);
/* A second parser over the same document, positioned at offset (an offset
 * json_offset() returned before a value). */
void json_parser_at(struct json_parser *parser, const struct json_parser *other, size_t offset);
void json_free(struct json_parser *parser);
/* Moves this parser to offset (outside any container), keeping its error. */
void json_seek(struct json_parser *parser, size_t offset);

/* The type of the next value (after skipping whitespace), or JSON_INVALID
 * after an error (recorded) at end of input or on an unexpected byte. */
enum json_type json_peek(struct json_parser *parser);
/* Offset of the next value, after whitespace. */
size_t json_offset(struct json_parser *parser);
const char *json_type_name(enum json_type type);

/* Objects: json_begin_object, then json_next_key until it returns 0 (the
 * closing brace was consumed); after each key the caller reads or skips the
 * value. Returns 1 with a key, 0 at the end, -1 on error. The key stays
 * valid until the next string is read. */
int json_begin_object(struct json_parser *parser);
int json_next_key(struct json_parser *parser, const char **key, size_t *length);
/* Arrays: json_begin_array, then json_next_element until it returns 0; after
 * each 1 the caller reads or skips one element. */
int json_begin_array(struct json_parser *parser);
int json_next_element(struct json_parser *parser);

/* Two arrays of one length walked side by side (chrome's samples and
 * timeDeltas, speedscope's samples and weights), each with its own parser;
 * the second is optional (offset 0: absent, as if it always had an element).
 * json_pair_begin opens both at their offsets (json_offset values of parent)
 * and begins the arrays; json_pair_next steps both, returning 1 when both
 * have an element, 0 when both ended, -1 on an error (recorded, e.g.
 * "samples and weights differ in length (3 weights)"); json_pair_end moves
 * their error into parent and frees them. -1/0/1 as json_next_element. */
struct json_pair {
    struct json_parser first, second;
    int has_second;
    const char *first_name, *second_name; /* for the length message */
    size_t index;                         /* elements stepped over so far */
};
int json_pair_begin(struct json_pair *pair, const struct json_parser *parent, size_t first_offset,
                    size_t second_offset, const char *first_name, const char *second_name);
int json_pair_next(struct json_pair *pair);
void json_pair_end(struct json_pair *pair, struct json_parser *parent);

/* Scalars: 0 on success, -1 (error recorded, e.g. "expected a number") on a
 * value of another type. */
int json_read_number(struct json_parser *parser, double *value);
/* A number that must be an integer within [minimum, maximum]. what names
 * the value in the message. */
int json_read_integer(struct json_parser *parser, int64_t minimum, int64_t maximum,
                      const char *what, int64_t *value);
/* The string stays valid until the next string is read by this parser; it is
 * not NUL-terminated when it points into the document. */
int json_read_string(struct json_parser *parser, const char **string, size_t *length);
int json_read_boolean(struct json_parser *parser, int *value);
/* Skips one value of any type. */
int json_skip(struct json_parser *parser);
/* After the top-level value: only whitespace may follow. */
int json_end(struct json_parser *parser);

/* Records an error of meaning at the next value's offset (or at offset);
 * returns -1. Only the first error is kept. */
int json_fail(struct json_parser *parser, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
int json_fail_at(struct json_parser *parser, size_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies other's error into parser (when other failed and parser did not). */
void json_take_error(struct json_parser *parser, const struct json_parser *other);
/* Prints "ember: NAME: byte OFFSET: MESSAGE" to stderr. */
void json_report(const struct json_parser *parser);

static inline int json_key_is(const char *key, size_t length, const char *literal)
{
    size_t i = 0;
    for (; i < length; i++)
        if (literal[i] != key[i] || literal[i] == '\0')
            return 0;
    return literal[i] == '\0';
}

/* Writing. */
void json_write_string(FILE *file, const char *bytes, size_t length);
void json_write_cstring(FILE *file, const char *string);
void json_write_number(FILE *file, double value);

#endif
