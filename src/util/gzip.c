/* gzip.c — whole-buffer gzip with zlib; see gzip.h.
 *
 * zlib counts in 32-bit unsigned ints, so buffers are fed to it in chunks of
 * at most UINT_MAX bytes; everything else is plain zlib usage.
 */
#include "gzip.h"
#include "memory.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

enum { GZIP_WINDOW_BITS = 16 + MAX_WBITS }; /* 16 + : gzip wrapper, not zlib's */

static void set_error(struct gzip_error *error, size_t offset, const char *message)
{
    if (!error)
        return;
    error->offset = offset;
    snprintf(error->message, sizeof error->message, "%s", message);
}

int gzip_has_magic(const void *data, size_t length)
{
    const unsigned char *bytes = data;
    return length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

static uInt chunk(size_t remaining)
{
    return remaining > UINT_MAX ? UINT_MAX : (uInt)remaining;
}

/* Feeds more input to the stream when it has none; returns how much of the
 * buffer has been handed over so far. */
static void refill_input(z_stream *stream, const unsigned char *bytes, size_t length,
                         size_t *handed)
{
    if (stream->avail_in == 0 && *handed < length) {
        stream->next_in = (Bytef *)(uintptr_t)(bytes + *handed);
        stream->avail_in = chunk(length - *handed);
        *handed += stream->avail_in;
    }
}

static size_t input_offset(const z_stream *stream, size_t handed)
{
    return handed - stream->avail_in;
}

static int only_zero_bytes(const unsigned char *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (bytes[i] != 0)
            return 0;
    return 1;
}

int gzip_inflate(const void *data, size_t length, size_t max_output, char **output,
                 size_t *output_length, struct gzip_error *error)
{
    const unsigned char *bytes = data;
    if (!gzip_has_magic(data, length)) {
        set_error(error, 0, length < 2 ? "gzip data ends before its header (truncated)"
                                       : "not gzip data (expected the magic bytes 1f 8b)");
        return -1;
    }
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, GZIP_WINDOW_BITS) != Z_OK) {
        set_error(error, 0, "zlib could not start decompressing");
        return -1;
    }
    size_t capacity = length < SIZE_MAX / 4 ? length * 4 + 4096 : length;
    if (capacity > max_output)
        capacity = max_output;
    char *buffer = xmalloc(capacity + 1);
    size_t produced = 0, handed = 0;
    int status = 0;
    for (;;) {
        refill_input(&stream, bytes, length, &handed);
        if (produced == capacity) {
            if (capacity >= max_output) {
                char message[160];
                snprintf(message, sizeof message,
                         "gzip data decompresses to more than %zu bytes (refused)", max_output);
                set_error(error, input_offset(&stream, handed), message);
                status = -1;
                break;
            }
            capacity = capacity > max_output / 2 ? max_output : capacity * 2;
            buffer = xrealloc(buffer, capacity + 1);
        }
        stream.next_out = (Bytef *)(buffer + produced);
        stream.avail_out = chunk(capacity - produced);
        uInt before = stream.avail_out;
        int result = inflate(&stream, Z_NO_FLUSH);
        produced += before - stream.avail_out;
        if (result == Z_STREAM_END) {
            size_t offset = input_offset(&stream, handed);
            if (offset == length)
                break;
            if (gzip_has_magic(bytes + offset, length - offset)) {
                /* Another member follows (concatenated .gz files). */
                inflateReset(&stream);
                continue;
            }
            if (only_zero_bytes(bytes + offset, length - offset))
                break; /* padding, which gunzip also ignores */
            set_error(error, offset, "data after the end of the gzip stream (expected another "
                                     "gzip member or the end of the file)");
            status = -1;
            break;
        }
        if (result == Z_OK)
            continue;
        if (result == Z_BUF_ERROR) {
            if (stream.avail_out == 0)
                continue; /* output full: grow and go on */
            if (handed == length && stream.avail_in == 0) {
                set_error(error, length, "gzip data ends early (truncated file?)");
                status = -1;
                break;
            }
            continue;
        }
        if (result == Z_MEM_ERROR) {
            set_error(error, input_offset(&stream, handed), "out of memory while decompressing");
        } else {
            char message[160];
            snprintf(message, sizeof message, "corrupt gzip data (%s)",
                     stream.msg ? stream.msg : "zlib error");
            set_error(error, input_offset(&stream, handed), message);
        }
        status = -1;
        break;
    }
    inflateEnd(&stream);
    if (status < 0) {
        free(buffer);
        return -1;
    }
    buffer[produced] = '\0';
    *output = buffer;
    *output_length = produced;
    return 0;
}

size_t gzip_inflate_prefix(const void *data, size_t length, char *output, size_t capacity)
{
    if (!gzip_has_magic(data, length) || capacity == 0)
        return 0;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, GZIP_WINDOW_BITS) != Z_OK)
        return 0;
    stream.next_in = (Bytef *)(uintptr_t)data;
    stream.avail_in = chunk(length);
    stream.next_out = (Bytef *)output;
    stream.avail_out = chunk(capacity);
    (void)inflate(&stream, Z_SYNC_FLUSH);
    size_t produced = (size_t)(stream.next_out - (Bytef *)output);
    inflateEnd(&stream);
    return produced;
}

int gzip_deflate(const void *data, size_t length, int level, char **output, size_t *output_length,
                 struct gzip_error *error)
{
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, level, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        set_error(error, 0, "zlib could not start compressing");
        return -1;
    }
    size_t capacity = deflateBound(&stream, length) + 64;
    char *buffer = xmalloc(capacity);
    const unsigned char *bytes = data;
    size_t handed = 0, produced = 0;
    int result;
    do {
        refill_input(&stream, bytes, length, &handed);
        if (produced == capacity) {
            capacity *= 2;
            buffer = xrealloc(buffer, capacity);
        }
        stream.next_out = (Bytef *)(buffer + produced);
        stream.avail_out = chunk(capacity - produced);
        uInt before = stream.avail_out;
        result = deflate(&stream, handed == length ? Z_FINISH : Z_NO_FLUSH);
        produced += before - stream.avail_out;
    } while (result == Z_OK || result == Z_BUF_ERROR);
    deflateEnd(&stream);
    if (result != Z_STREAM_END) {
        free(buffer);
        set_error(error, handed, "zlib failed while compressing");
        return -1;
    }
    *output = buffer;
    *output_length = produced;
    return 0;
}
