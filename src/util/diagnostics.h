/* diagnostics.h — the messages readers print about a malformed input, one
 * line on standard error each:
 *
 *     ember: FILE:LINE: MESSAGE          text formats, by line number
 *     ember: FILE: byte OFFSET: MESSAGE  binary and JSON formats, by offset
 *
 * FILE is the input's name (input_name: "<stdin>" for standard input).
 */
#ifndef EMBER_DIAGNOSTICS_H
#define EMBER_DIAGNOSTICS_H

#include <stdint.h>

struct input;

/* "ember: FILE:LINE: MESSAGE", LINE given (where an entry began, say). */
void report_at_line(const struct input *input, uint64_t line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The same at the line the input returned last. */
void report_at_current_line(const struct input *input, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* "ember: NAME: byte OFFSET: MESSAGE". */
void report_at_offset(const char *name, uint64_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
