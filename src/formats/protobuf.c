/* protobuf.c — protocol buffers wire format; see protobuf.h. */
#include "protobuf.h"
#include "../util/memory.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void protobuf_set_error(struct protobuf_error *error, size_t offset, const char *format, ...)
{
    error->offset = offset;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof error->message, format, arguments);
    va_end(arguments);
}

void protobuf_reader_init(struct protobuf_reader *reader, const void *data, size_t begin,
                          size_t end)
{
    reader->data = data;
    reader->position = begin;
    reader->end = end;
}

void protobuf_open_field(struct protobuf_reader *reader, const struct protobuf_reader *parent,
                         const struct protobuf_field *field)
{
    protobuf_reader_init(reader, parent->data, field->data_offset,
                         field->data_offset + field->length);
}

int protobuf_read_varint(struct protobuf_reader *reader, uint64_t *value,
                         struct protobuf_error *error)
{
    size_t start = reader->position;
    if (protobuf_decode_varint(reader->data, &reader->position, reader->end, value) == 0)
        return 0;
    size_t available = reader->end - start;
    if (available >= 10)
        protobuf_set_error(error, start, "bad varint (more than 10 bytes)");
    else
        protobuf_set_error(error, start, "varint runs past the end of its message (%zu bytes "
                                         "left)", available);
    return -1;
}

static const char *wire_type_name(uint32_t type)
{
    switch (type) {
    case PROTOBUF_VARINT: return "varint";
    case PROTOBUF_FIXED64: return "64-bit";
    case PROTOBUF_LENGTH_DELIMITED: return "length-delimited";
    case 3: return "start-group";
    case 4: return "end-group";
    case PROTOBUF_FIXED32: return "32-bit";
    default: return "invalid";
    }
}

int protobuf_next_field(struct protobuf_reader *reader, struct protobuf_field *field,
                        struct protobuf_error *error)
{
    if (reader->position >= reader->end)
        return 0;
    size_t offset = reader->position;
    uint64_t tag;
    if (protobuf_read_varint(reader, &tag, error) < 0)
        return -1;
    uint64_t number = tag >> 3;
    field->wire_type = (uint32_t)(tag & 7);
    field->offset = offset;
    if (number == 0 || number > 0x1fffffff) {
        protobuf_set_error(error, offset, "bad field tag %#llx (field number %llu is out of "
                                          "range 1..536870911)",
                           (unsigned long long)tag, (unsigned long long)number);
        return -1;
    }
    field->number = (uint32_t)number;
    switch (field->wire_type) {
    case PROTOBUF_VARINT:
        if (protobuf_read_varint(reader, &field->value, error) < 0)
            return -1;
        return 1;
    case PROTOBUF_FIXED64:
    case PROTOBUF_FIXED32: {
        size_t size = field->wire_type == PROTOBUF_FIXED64 ? 8 : 4;
        if (reader->end - reader->position < size) {
            protobuf_set_error(error, reader->position,
                               "field %u: %zu-byte value runs past the end of its message",
                               field->number, size);
            return -1;
        }
        uint64_t value = 0;
        for (size_t i = 0; i < size; i++)
            value |= (uint64_t)reader->data[reader->position + i] << (8 * i);
        field->value = value;
        reader->position += size;
        return 1;
    }
    case PROTOBUF_LENGTH_DELIMITED: {
        uint64_t length;
        size_t length_offset = reader->position;
        if (protobuf_read_varint(reader, &length, error) < 0)
            return -1;
        if (length > reader->end - reader->position) {
            protobuf_set_error(error, length_offset,
                               "field %u: length %llu runs past the end of its message (%zu "
                               "bytes left)",
                               field->number, (unsigned long long)length,
                               reader->end - reader->position);
            return -1;
        }
        field->data_offset = reader->position;
        field->length = (size_t)length;
        reader->position += (size_t)length;
        return 1;
    }
    default:
        protobuf_set_error(error, offset, "field %u has wire type %u (%s), which proto3 does not "
                                          "use",
                           field->number, field->wire_type, wire_type_name(field->wire_type));
        return -1;
    }
}

void protobuf_wire_type_error(const struct protobuf_field *field, const char *name,
                              uint32_t expected, struct protobuf_error *error)
{
    protobuf_set_error(error, field->offset, "field %u (%s): expected wire type %s, found %s",
                       field->number, name, wire_type_name(expected),
                       wire_type_name(field->wire_type));
}

int protobuf_each_integer(const struct protobuf_reader *reader,
                          const struct protobuf_field *field, protobuf_integer_callback callback,
                          void *context, struct protobuf_error *error)
{
    if (field->wire_type == PROTOBUF_VARINT) {
        callback(context, field->value);
        return 0;
    }
    if (field->wire_type != PROTOBUF_LENGTH_DELIMITED) {
        protobuf_wire_type_error(field, "repeated integer", PROTOBUF_VARINT, error);
        return -1;
    }
    struct protobuf_reader packed;
    protobuf_open_field(&packed, reader, field);
    while (packed.position < packed.end) {
        uint64_t value;
        if (protobuf_read_varint(&packed, &value, error) < 0)
            return -1;
        callback(context, value);
    }
    return 0;
}

size_t protobuf_count_varints(const uint8_t *data, size_t begin, size_t end)
{
    size_t count = 0;
    for (size_t i = begin; i < end; i++)
        count += data[i] < 0x80;
    return count;
}

/* A varint from bytes[0..) when at least 10 bytes are readable there: no
 * bounds check per byte. Returns its length, or 0 when it is longer than 10
 * bytes. */
static inline size_t decode_varint_unchecked(const uint8_t *bytes, uint64_t *value)
{
    uint64_t result = bytes[0] & 0x7f;
    if (bytes[0] < 0x80) {
        *value = result;
        return 1;
    }
    for (size_t i = 1; i < 10; i++) {
        result |= (uint64_t)(bytes[i] & 0x7f) << (7 * i);
        if (bytes[i] < 0x80) {
            *value = result;
            return i + 1;
        }
    }
    return 0;
}

ptrdiff_t protobuf_decode_packed_varints(const uint8_t *data, size_t begin, size_t end,
                                         size_t buffer_end, uint64_t *values,
                                         size_t *bad_offset)
{
    size_t position = begin, count = 0;
    size_t unchecked_end = buffer_end >= 10 ? buffer_end - 9 : 0;
    if (unchecked_end > end)
        unchecked_end = end;
    while (position < unchecked_end) {
        size_t length = decode_varint_unchecked(data + position, &values[count]);
        if (length == 0 || position + length > end) {
            *bad_offset = position;
            return -1;
        }
        position += length;
        count++;
    }
    while (position < end) {
        size_t start = position;
        if (protobuf_decode_varint(data, &position, end, &values[count]) < 0) {
            *bad_offset = start;
            return -1;
        }
        count++;
    }
    return (ptrdiff_t)count;
}

/* Encoding. */

void protobuf_buffer_free(struct protobuf_buffer *buffer)
{
    free(buffer->bytes);
    buffer->bytes = NULL;
    buffer->length = buffer->capacity = 0;
}

static void reserve(struct protobuf_buffer *buffer, size_t more)
{
    if (buffer->capacity - buffer->length < more)
        GROW(buffer->bytes, buffer->capacity, buffer->length + more);
}

void protobuf_put_varint(struct protobuf_buffer *buffer, uint64_t value)
{
    reserve(buffer, 10);
    uint8_t *out = buffer->bytes + buffer->length;
    size_t length = 0;
    while (value >= 0x80) {
        out[length++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[length++] = (uint8_t)value;
    buffer->length += length;
}

void protobuf_put_tag(struct protobuf_buffer *buffer, uint32_t number,
                      enum protobuf_wire_type type)
{
    protobuf_put_varint(buffer, ((uint64_t)number << 3) | (uint64_t)type);
}

void protobuf_put_uint64_field(struct protobuf_buffer *buffer, uint32_t number, uint64_t value)
{
    if (value == 0)
        return;
    protobuf_put_tag(buffer, number, PROTOBUF_VARINT);
    protobuf_put_varint(buffer, value);
}

void protobuf_put_int64_field(struct protobuf_buffer *buffer, uint32_t number, int64_t value)
{
    protobuf_put_uint64_field(buffer, number, (uint64_t)value);
}

void protobuf_put_bytes_field(struct protobuf_buffer *buffer, uint32_t number, const void *bytes,
                              size_t length)
{
    protobuf_put_tag(buffer, number, PROTOBUF_LENGTH_DELIMITED);
    protobuf_put_varint(buffer, length);
    reserve(buffer, length);
    if (length)
        memcpy(buffer->bytes + buffer->length, bytes, length);
    buffer->length += length;
}

static size_t varint_size(uint64_t value)
{
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

void protobuf_put_packed_uint64(struct protobuf_buffer *buffer, uint32_t number,
                                const uint64_t *values, size_t count)
{
    if (count == 0)
        return;
    size_t payload = 0;
    for (size_t i = 0; i < count; i++)
        payload += varint_size(values[i]);
    protobuf_put_tag(buffer, number, PROTOBUF_LENGTH_DELIMITED);
    protobuf_put_varint(buffer, payload);
    reserve(buffer, payload);
    for (size_t i = 0; i < count; i++)
        protobuf_put_varint(buffer, values[i]);
}

void protobuf_put_packed_int64(struct protobuf_buffer *buffer, uint32_t number,
                               const int64_t *values, size_t count)
{
    if (count == 0)
        return;
    size_t payload = 0;
    for (size_t i = 0; i < count; i++)
        payload += varint_size((uint64_t)values[i]);
    protobuf_put_tag(buffer, number, PROTOBUF_LENGTH_DELIMITED);
    protobuf_put_varint(buffer, payload);
    for (size_t i = 0; i < count; i++)
        protobuf_put_varint(buffer, (uint64_t)values[i]);
}

void protobuf_put_message(struct protobuf_buffer *buffer, uint32_t number,
                          const struct protobuf_buffer *message)
{
    protobuf_put_bytes_field(buffer, number, message->bytes, message->length);
}
