/* gzip.h — gzip (RFC 1952) compression and decompression of whole buffers,
 * with zlib.
 *
 * Readers of compressed formats (pprof's .pb.gz, and any other) call
 * gzip_inflate() on the bytes they read and get the decompressed bytes, or a
 * message saying what is wrong and at which byte of the compressed input
 * (truncated stream, bad header, corrupt data, bad checksum). Several gzip
 * members one after the other (what `cat a.gz b.gz` makes) decompress to
 * the concatenation of their contents, as gunzip does.
 *
 * gzip_inflate_prefix() decompresses only the first bytes it can from a
 * possibly cut-off buffer, for format probes that see the first 64 KiB.
 */
#ifndef EMBER_GZIP_H
#define EMBER_GZIP_H

#include <stddef.h>

struct gzip_error {
    size_t offset;      /* byte of the compressed input where the problem is */
    char message[160];  /* what was expected, without the file name */
};

/* 1 when data starts with gzip's magic bytes 1f 8b. */
int gzip_has_magic(const void *data, size_t length);

/* Decompresses all of data into a malloc'ed buffer (NUL-terminated for
 * convenience, owned by the caller). Decompressed output larger than
 * max_output bytes is refused (a bound for hostile input). Returns 0, or -1
 * with *error filled and nothing allocated. */
int gzip_inflate(const void *data, size_t length, size_t max_output, char **output,
                 size_t *output_length, struct gzip_error *error);

/* Decompresses as much of data (a gzip stream, maybe cut off) as fits into
 * output[0..capacity). Returns the number of bytes produced (0 when the
 * header is not gzip or the data is corrupt from the start). */
size_t gzip_inflate_prefix(const void *data, size_t length, char *output, size_t capacity);

/* Compresses data into one gzip member in a malloc'ed buffer (owned by the
 * caller). level: 1 (fast) to 9 (small); Go's runtime writes level 1. Returns
 * 0, or -1 with *error filled. */
int gzip_deflate(const void *data, size_t length, int level, char **output, size_t *output_length,
                 struct gzip_error *error);

#endif
