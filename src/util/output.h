/* output.h — writing a result file atomically.
 *
 * A writer never leaves a half-written file behind: output_open() creates a
 * temporary file next to the destination, output_commit() flushes, checks
 * for write errors and renames it into place; output_abort() removes it.
 * There is no fsync: the promise is that nobody sees a partial file, which
 * the rename gives, not durability across a power cut.
 * "-" (or NULL) means standard output, where commit only flushes. An
 * existing path that is not a regular file (/dev/null, /dev/stdout, a FIFO)
 * is written in place, since there is nothing to replace atomically.
 */
#ifndef EMBER_OUTPUT_H
#define EMBER_OUTPUT_H

#include <stdio.h>

struct output {
    FILE *file;
    char *final_path;     /* NULL for standard output */
    char *temporary_path; /* NULL for standard output, devices and pipes */
    char *buffer;         /* stdio buffer we own */
};

/* Returns 0, or -1 after printing "ember: PATH: reason". */
int output_open(struct output *output, const char *path);
/* Returns 0, or -1 (reported) when writing failed; the temporary file is
 * removed on failure. */
int output_commit(struct output *output);
void output_abort(struct output *output);
const char *output_name(const struct output *output);

#endif
