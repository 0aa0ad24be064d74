/* protobuf.h — the protocol buffers wire format, decoding and encoding by
 * hand (see pprof.c's header for why not protobuf-c).
 *
 * Decoding: a protobuf_reader walks the fields of one message inside a
 * buffer; protobuf_next_field() returns each field's number, wire type and
 * value (varint, fixed) or payload (length-delimited), all bounds-checked.
 * Offsets are absolute in the buffer, so errors name the byte. Nested
 * messages are read with a reader over the payload (protobuf_open_field);
 * nothing recurses, so hostile nesting cannot exhaust the stack. Only wire
 * types 0 (varint), 1 (64-bit), 2 (length-delimited) and 5 (32-bit) exist
 * in proto3; the deprecated groups (3, 4) are refused.
 *
 * Encoding: a protobuf_buffer grows as fields are appended. A nested
 * message is built in its own buffer and appended with its length
 * (protobuf_put_message), which keeps the code simple; pprof's nested
 * messages are small.
 */
#ifndef EMBER_PROTOBUF_H
#define EMBER_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

enum protobuf_wire_type {
    PROTOBUF_VARINT = 0,
    PROTOBUF_FIXED64 = 1,
    PROTOBUF_LENGTH_DELIMITED = 2,
    PROTOBUF_FIXED32 = 5,
};

struct protobuf_error {
    size_t offset;      /* absolute byte offset in the buffer */
    char message[200];  /* what was expected there */
};

struct protobuf_reader {
    const uint8_t *data; /* the whole buffer: offsets count from here */
    size_t position;     /* next byte to read */
    size_t end;          /* end of the current message */
};

struct protobuf_field {
    uint32_t number;
    uint32_t wire_type;
    size_t offset;       /* of the tag */
    uint64_t value;      /* varint or fixed value */
    size_t data_offset;  /* length-delimited: payload offset */
    size_t length;       /* length-delimited: payload length */
};

/* A reader over data[begin..end). */
void protobuf_reader_init(struct protobuf_reader *reader, const void *data, size_t begin,
                          size_t end);
/* A reader over a length-delimited field's payload. */
void protobuf_open_field(struct protobuf_reader *reader, const struct protobuf_reader *parent,
                         const struct protobuf_field *field);
/* Returns 1 with the next field, 0 at the end of the message, -1 on bad
 * input with *error filled. */
int protobuf_next_field(struct protobuf_reader *reader, struct protobuf_field *field,
                        struct protobuf_error *error);
/* Reads one varint at reader->position (for packed repeated fields).
 * Returns 0, or -1 with *error filled. */
int protobuf_read_varint(struct protobuf_reader *reader, uint64_t *value,
                         struct protobuf_error *error);
/* Calls back for each integer of a repeated scalar field that may arrive
 * packed (wire type 2) or one per tag (wire type 0). Returns 0, or -1 with
 * *error filled (a wrong wire type, a varint running past the payload). */
typedef void (*protobuf_integer_callback)(void *context, uint64_t value);
int protobuf_each_integer(const struct protobuf_reader *reader,
                          const struct protobuf_field *field, protobuf_integer_callback callback,
                          void *context, struct protobuf_error *error);
/* Sets *error to "field NAME: expected wire type W, found V" at the field. */
void protobuf_wire_type_error(const struct protobuf_field *field, const char *name,
                              uint32_t expected, struct protobuf_error *error);
void protobuf_set_error(struct protobuf_error *error, size_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Number of varints in data[begin..end), for sizing packed arrays. */
size_t protobuf_count_varints(const uint8_t *data, size_t begin, size_t end);

/* Fast path shared by the functions above and the pprof reader's inner
 * loop: decodes a varint from bytes[*position..end). Returns 0, or -1 when
 * the varint runs past end or is longer than 10 bytes. */
static inline int protobuf_decode_varint(const uint8_t *bytes, size_t *position, size_t end,
                                         uint64_t *value)
{
    size_t at = *position;
    if (at < end && bytes[at] < 0x80) {
        *value = bytes[at];
        *position = at + 1;
        return 0;
    }
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (at >= end)
            return -1;
        uint8_t byte = bytes[at++];
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (byte < 0x80) {
            *value = result;
            *position = at;
            return 0;
        }
    }
    return -1;
}

/* Packed repeated varints: decodes data[begin..end) into values, which
 * must have room for end - begin of them (a varint takes at least one
 * byte); buffer_end is the end of the whole buffer, so that varints at
 * least 10 bytes before it are decoded without a bounds check per byte.
 * Returns how many were decoded, or -1 with *bad_offset set to the start
 * of a varint that runs past end or is longer than 10 bytes. */
ptrdiff_t protobuf_decode_packed_varints(const uint8_t *data, size_t begin, size_t end,
                                         size_t buffer_end, uint64_t *values,
                                         size_t *bad_offset);

/* Encoding. */
struct protobuf_buffer {
    uint8_t *bytes;
    size_t length, capacity;
};

void protobuf_buffer_free(struct protobuf_buffer *buffer);
void protobuf_put_varint(struct protobuf_buffer *buffer, uint64_t value);
void protobuf_put_tag(struct protobuf_buffer *buffer, uint32_t number,
                      enum protobuf_wire_type type);
/* A varint field; zero values are skipped (proto3 default) unless forced. */
void protobuf_put_uint64_field(struct protobuf_buffer *buffer, uint32_t number, uint64_t value);
void protobuf_put_int64_field(struct protobuf_buffer *buffer, uint32_t number, int64_t value);
void protobuf_put_bytes_field(struct protobuf_buffer *buffer, uint32_t number, const void *bytes,
                              size_t length);
/* A packed repeated varint field (nothing when count is 0). */
void protobuf_put_packed_uint64(struct protobuf_buffer *buffer, uint32_t number,
                                const uint64_t *values, size_t count);
void protobuf_put_packed_int64(struct protobuf_buffer *buffer, uint32_t number,
                               const int64_t *values, size_t count);
/* Appends message as a length-delimited field (also when empty). */
void protobuf_put_message(struct protobuf_buffer *buffer, uint32_t number,
                          const struct protobuf_buffer *message);

#endif
