/* marshal.c — Python marshal decoding; see marshal.h.
 *
 * Hand-written because no C library reads marshal outside CPython itself,
 * and linking libpython to read a profile would mean running Python.
 *
 * Facts from CPython's Python/marshal.c (r_object): a type code is one
 * byte, bit 0x80 (FLAG_REF) asks the reader to append the object to its
 * reference list, and 'r' + int32 names an entry of that list. Tuples,
 * lists, sets and dicts are registered as soon as they are created, before
 * their items are read (so an item may refer back to its container);
 * frozensets and code objects reserve their slot first and fill it when
 * complete, and a reference to a slot still being built is invalid.
 * Scalars register after they are read. None, True, False, Ellipsis and
 * StopIteration never register, whatever the flag says. Integers are
 * little-endian; 'l' longs are a signed int32 digit count then base-2^15
 * digits (least significant first, the top one non-zero).
 */
#include "marshal.h"
#include "../util/memory.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FLAG_REF = 0x80,
    MAX_NESTING = 2000,        /* CPython's MAX_MARSHAL_STACK_DEPTH */
    MAX_REFERENCES = 0x7ffffffe, /* CPython refuses more ("index list too large") */
};

/* Returned by decode_object for TYPE_NULL ('0'), which only ends a dict. */
#define NULL_OBJECT UINT32_MAX
/* A reserved reference slot whose object is not finished yet. */
#define RESERVED_SLOT UINT32_MAX

struct decoder {
    struct marshal_document *document;
    const unsigned char *data;
    size_t length;
    size_t position;
    uint32_t *references;
    size_t reference_count, reference_capacity;
    uint32_t *interned; /* Python 2: strings written with 't', for 'R' */
    size_t interned_count, interned_capacity;
    uint32_t *pending; /* items of the containers being read, innermost last */
    size_t pending_count, pending_capacity;
};

static int fail(struct decoder *decoder, uint64_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct decoder *decoder, uint64_t offset, const char *format, ...)
{
    struct marshal_document *document = decoder->document;
    if (document->error[0])
        return -1; /* keep the first (innermost) message */
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(document->error, sizeof document->error, format, arguments);
    va_end(arguments);
    document->error_offset = offset;
    return -1;
}

static size_t bytes_left(const struct decoder *decoder)
{
    return decoder->length - decoder->position;
}

/* Makes sure count bytes follow; what names them for the message. */
static int need(struct decoder *decoder, size_t count, const char *what)
{
    if (bytes_left(decoder) >= count)
        return 0;
    return fail(decoder, decoder->position, "expected %s (%zu bytes), found %zu bytes before "
                "the end of the input (truncated file?)", what, count, bytes_left(decoder));
}

static uint32_t read_uint32(struct decoder *decoder)
{
    const unsigned char *bytes = decoder->data + decoder->position;
    decoder->position += 4;
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

static uint64_t read_uint64(struct decoder *decoder)
{
    uint64_t low = read_uint32(decoder);
    uint64_t high = read_uint32(decoder);
    return low | high << 32;
}

static double read_binary_double(struct decoder *decoder)
{
    uint64_t bits = read_uint64(decoder);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* A signed 32-bit count that must lie in [0, 2^31 - 1]. */
static int read_size(struct decoder *decoder, const char *what, uint32_t *size)
{
    if (need(decoder, 4, what) < 0)
        return -1;
    size_t at = decoder->position;
    uint32_t raw = read_uint32(decoder);
    if (raw > 0x7fffffffu)
        return fail(decoder, at, "%s is negative (%ld)", what, (long)(int32_t)raw);
    *size = raw;
    return 0;
}

static uint32_t new_object(struct decoder *decoder, enum marshal_type type, uint64_t offset)
{
    struct marshal_document *document = decoder->document;
    GROW(document->objects, document->object_capacity, document->object_count + 1);
    struct marshal_object *object = &document->objects[document->object_count];
    memset(object, 0, sizeof *object);
    object->type = (uint8_t)type;
    object->offset = offset;
    return (uint32_t)document->object_count++;
}

static struct marshal_object *object_at(struct decoder *decoder, uint32_t index)
{
    return &decoder->document->objects[index];
}

/* Appends a reference slot holding object (or RESERVED_SLOT); returns its
 * number, or -1 when the list is full. */
static long add_reference(struct decoder *decoder, uint32_t object, uint64_t offset)
{
    if (decoder->reference_count >= MAX_REFERENCES)
        return fail(decoder, offset, "more than %d back-reference slots", MAX_REFERENCES);
    GROW(decoder->references, decoder->reference_capacity, decoder->reference_count + 1);
    decoder->references[decoder->reference_count] = object;
    return (long)decoder->reference_count++;
}

static void push_pending(struct decoder *decoder, uint32_t object)
{
    GROW(decoder->pending, decoder->pending_capacity, decoder->pending_count + 1);
    decoder->pending[decoder->pending_count++] = object;
}

/* Moves the pending items pushed since mark into the document's item
 * array, as container's items. */
static void finish_container(struct decoder *decoder, uint32_t container, size_t mark,
                             uint32_t length)
{
    struct marshal_document *document = decoder->document;
    size_t count = decoder->pending_count - mark;
    GROW(document->items, document->item_capacity, document->item_count + count);
    if (count)
        memcpy(document->items + document->item_count, decoder->pending + mark,
               count * sizeof *decoder->pending);
    struct marshal_object *object = object_at(decoder, container);
    object->value.first_item = document->item_count;
    object->length = length;
    document->item_count += count;
    decoder->pending_count = mark;
}

static int decode_object(struct decoder *decoder, int depth, uint32_t *result);

/* Reads count items into the pending stack; NULL items are an error. */
static int decode_items(struct decoder *decoder, int depth, uint32_t count, const char *container)
{
    for (uint32_t i = 0; i < count; i++) {
        size_t at = decoder->position;
        uint32_t item;
        if (decode_object(decoder, depth + 1, &item) < 0)
            return -1;
        if (item == NULL_OBJECT)
            return fail(decoder, at, "expected item %u of a %s, found a NULL marker ('0')",
                        i, container);
        push_pending(decoder, item);
    }
    return 0;
}

static int decode_sequence(struct decoder *decoder, int depth, enum marshal_type type,
                           uint64_t offset, int flag, uint32_t count, uint32_t *result)
{
    const char *name = type == MARSHAL_TUPLE ? "tuple"
                       : type == MARSHAL_LIST ? "list"
                       : type == MARSHAL_SET ? "set" : "frozenset";
    /* Every item takes at least one byte: refuse absurd counts before reading. */
    if (count > bytes_left(decoder))
        return fail(decoder, offset, "%s of %u items but only %zu bytes follow", name, count,
                    bytes_left(decoder));
    uint32_t object = new_object(decoder, type, offset);
    long slot = -1;
    if (flag) {
        slot = add_reference(decoder, type == MARSHAL_FROZENSET ? RESERVED_SLOT : object, offset);
        if (slot < 0)
            return -1;
    }
    size_t mark = decoder->pending_count;
    if (decode_items(decoder, depth, count, name) < 0)
        return -1;
    finish_container(decoder, object, mark, count);
    if (slot >= 0)
        decoder->references[slot] = object;
    *result = object;
    return 0;
}

static int decode_dict(struct decoder *decoder, int depth, uint64_t offset, int flag,
                       uint32_t *result)
{
    uint32_t object = new_object(decoder, MARSHAL_DICT, offset);
    if (flag && add_reference(decoder, object, offset) < 0)
        return -1;
    size_t mark = decoder->pending_count;
    uint32_t pairs = 0;
    for (;;) {
        uint32_t key, value;
        if (decode_object(decoder, depth + 1, &key) < 0)
            return -1;
        if (key == NULL_OBJECT)
            break;
        size_t at = decoder->position;
        if (decode_object(decoder, depth + 1, &value) < 0)
            return -1;
        if (value == NULL_OBJECT)
            return fail(decoder, at, "expected the value of a dict entry, found a NULL marker");
        if (pairs == UINT32_MAX)
            return fail(decoder, offset, "dict with more than 2^32 entries");
        push_pending(decoder, key);
        push_pending(decoder, value);
        pairs++;
    }
    finish_container(decoder, object, mark, pairs);
    *result = object;
    return 0;
}

/* 'l': int32 digit count n (its sign is the number's), then |n| base-2^15
 * digits. Values that fit int64 are exact, others become an approximate
 * double (MARSHAL_BIG_INT). */
static int decode_long(struct decoder *decoder, uint64_t offset, uint32_t *result)
{
    if (need(decoder, 4, "the digit count of a long") < 0)
        return -1;
    size_t count_at = decoder->position;
    int32_t signed_count = (int32_t)read_uint32(decoder);
    if (signed_count == INT32_MIN)
        return fail(decoder, count_at, "long digit count out of range");
    uint32_t count = (uint32_t)(signed_count < 0 ? -signed_count : signed_count);
    if ((uint64_t)count * 2 > bytes_left(decoder))
        return fail(decoder, count_at, "long of %u digits but only %zu bytes follow", count,
                    bytes_left(decoder));
    uint64_t magnitude = 0;
    int fits = 1;
    double approximate = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = decoder->position;
        unsigned digit = (unsigned)decoder->data[at] | (unsigned)decoder->data[at + 1] << 8;
        decoder->position += 2;
        if (digit >= 1u << 15)
            return fail(decoder, at, "long digit %u out of range (%u, expected < 32768)", i,
                        digit);
        if (digit == 0 && i == count - 1)
            return fail(decoder, at, "long with a zero top digit (unnormalized)");
        uint64_t shift = 15ull * i;
        if (digit && (shift >= 63 || (uint64_t)digit > (UINT64_C(0x7fffffffffffffff) >> shift)))
            fits = 0;
        else if (digit)
            magnitude |= (uint64_t)digit << shift;
        approximate += ldexp((double)digit, (int)(shift > 2000 ? 2000 : shift));
    }
    if (fits && magnitude > (uint64_t)INT64_MAX)
        fits = 0;
    uint32_t object = new_object(decoder, fits ? MARSHAL_INT : MARSHAL_BIG_INT, offset);
    if (fits)
        object_at(decoder, object)->value.integer =
            signed_count < 0 ? -(int64_t)magnitude : (int64_t)magnitude;
    else
        object_at(decoder, object)->value.real = signed_count < 0 ? -approximate : approximate;
    *result = object;
    return 0;
}

/* 'f' and 'x': a one-byte length then that many ASCII bytes, as repr() wrote. */
static int decode_text_float(struct decoder *decoder, double *value)
{
    if (need(decoder, 1, "the length of a text float") < 0)
        return -1;
    size_t length = decoder->data[decoder->position++];
    if (need(decoder, length, "the digits of a text float") < 0)
        return -1;
    char text[257];
    memcpy(text, decoder->data + decoder->position, length);
    text[length] = '\0';
    char *end;
    *value = strtod(text, &end);
    if (length == 0 || (size_t)(end - text) != length)
        return fail(decoder, decoder->position, "expected a number in a text float, found \"%.40s\"",
                    text);
    decoder->position += length;
    return 0;
}

static int decode_string(struct decoder *decoder, enum marshal_type type, uint64_t offset,
                         uint32_t length, uint32_t *result)
{
    if (need(decoder, length, "the bytes of a string") < 0)
        return -1;
    uint32_t object = new_object(decoder, type, offset);
    object_at(decoder, object)->length = length;
    object_at(decoder, object)->value.data = decoder->position;
    decoder->position += length;
    *result = object;
    return 0;
}

static int decode_object(struct decoder *decoder, int depth, uint32_t *result)
{
    if (depth > MAX_NESTING)
        return fail(decoder, decoder->position, "objects nested deeper than %d levels",
                    MAX_NESTING);
    if (bytes_left(decoder) == 0)
        return fail(decoder, decoder->position, "expected a marshal type code, found the end of "
                                                "the input (truncated file?)");
    uint64_t offset = decoder->position;
    int code = decoder->data[decoder->position++];
    int flag = code & FLAG_REF;
    int type = code & ~FLAG_REF;
    uint32_t object = 0;
    uint32_t size;

    switch (type) {
    case '0':
        *result = NULL_OBJECT;
        return 0;
    case 'N':
        *result = new_object(decoder, MARSHAL_NONE, offset);
        return 0;
    case 'F':
    case 'T':
        object = new_object(decoder, MARSHAL_BOOL, offset);
        object_at(decoder, object)->value.integer = type == 'T';
        *result = object;
        return 0;
    case '.':
        *result = new_object(decoder, MARSHAL_ELLIPSIS, offset);
        return 0;
    case 'S':
        *result = new_object(decoder, MARSHAL_STOP_ITERATION, offset);
        return 0;
    case 'i':
        if (need(decoder, 4, "a 32-bit int") < 0)
            return -1;
        object = new_object(decoder, MARSHAL_INT, offset);
        object_at(decoder, object)->value.integer = (int32_t)read_uint32(decoder);
        break;
    case 'I':
        if (need(decoder, 8, "a 64-bit int") < 0)
            return -1;
        object = new_object(decoder, MARSHAL_INT, offset);
        object_at(decoder, object)->value.integer = (int64_t)read_uint64(decoder);
        break;
    case 'l':
        if (decode_long(decoder, offset, &object) < 0)
            return -1;
        break;
    case 'g':
        if (need(decoder, 8, "a binary float") < 0)
            return -1;
        object = new_object(decoder, MARSHAL_FLOAT, offset);
        object_at(decoder, object)->value.real = read_binary_double(decoder);
        break;
    case 'f': {
        double value;
        if (decode_text_float(decoder, &value) < 0)
            return -1;
        object = new_object(decoder, MARSHAL_FLOAT, offset);
        object_at(decoder, object)->value.real = value;
        break;
    }
    case 'y': {
        if (need(decoder, 16, "a binary complex") < 0)
            return -1;
        double real = read_binary_double(decoder);
        (void)read_binary_double(decoder);
        object = new_object(decoder, MARSHAL_COMPLEX, offset);
        object_at(decoder, object)->value.real = real;
        break;
    }
    case 'x': {
        double real, imaginary;
        if (decode_text_float(decoder, &real) < 0 || decode_text_float(decoder, &imaginary) < 0)
            return -1;
        object = new_object(decoder, MARSHAL_COMPLEX, offset);
        object_at(decoder, object)->value.real = real;
        break;
    }
    case 's':
        if (read_size(decoder, "the length of a bytes object", &size) < 0 ||
            decode_string(decoder, MARSHAL_BYTES, offset, size, &object) < 0)
            return -1;
        break;
    case 't':
    case 'u':
    case 'a':
    case 'A':
        if (read_size(decoder, "the length of a string", &size) < 0 ||
            decode_string(decoder, MARSHAL_STRING, offset, size, &object) < 0)
            return -1;
        if (type == 't') {
            /* Python 2 numbers interned strings for later 'R' codes. */
            GROW(decoder->interned, decoder->interned_capacity, decoder->interned_count + 1);
            decoder->interned[decoder->interned_count++] = object;
        }
        break;
    case 'z':
    case 'Z':
        if (need(decoder, 1, "the length of a short string") < 0)
            return -1;
        size = decoder->data[decoder->position++];
        if (decode_string(decoder, MARSHAL_STRING, offset, size, &object) < 0)
            return -1;
        break;
    case 'R': {
        if (need(decoder, 4, "an interned-string index") < 0)
            return -1;
        uint32_t index = read_uint32(decoder);
        if (index >= decoder->interned_count)
            return fail(decoder, offset, "interned-string reference %u but only %zu strings "
                                         "were interned", index, decoder->interned_count);
        decoder->document->version_hint = 2;
        object = decoder->interned[index];
        break;
    }
    case 'r': {
        if (need(decoder, 4, "a back-reference index") < 0)
            return -1;
        uint32_t index = read_uint32(decoder);
        if (index >= decoder->reference_count)
            return fail(decoder, offset, "invalid back-reference %ld (%zu objects registered)",
                        (long)(int32_t)index, decoder->reference_count);
        if (decoder->references[index] == RESERVED_SLOT)
            return fail(decoder, offset, "invalid back-reference %u to an object still being "
                                         "read", index);
        *result = decoder->references[index];
        return 0; /* FLAG_REF means nothing on a reference */
    }
    case ')':
        if (need(decoder, 1, "the size of a small tuple") < 0)
            return -1;
        size = decoder->data[decoder->position++];
        return decode_sequence(decoder, depth, MARSHAL_TUPLE, offset, flag, size, result);
    case '(':
        if (read_size(decoder, "the size of a tuple", &size) < 0)
            return -1;
        return decode_sequence(decoder, depth, MARSHAL_TUPLE, offset, flag, size, result);
    case '[':
        if (read_size(decoder, "the size of a list", &size) < 0)
            return -1;
        return decode_sequence(decoder, depth, MARSHAL_LIST, offset, flag, size, result);
    case '<':
        if (read_size(decoder, "the size of a set", &size) < 0)
            return -1;
        return decode_sequence(decoder, depth, MARSHAL_SET, offset, flag, size, result);
    case '>':
        if (read_size(decoder, "the size of a frozenset", &size) < 0)
            return -1;
        return decode_sequence(decoder, depth, MARSHAL_FROZENSET, offset, flag, size, result);
    case '{':
        return decode_dict(decoder, depth, offset, flag, result);
    case 'c':
        return fail(decoder, offset, "found a code object, which ember does not decode (a "
                                     "`python -m profile` dump? cProfile's dumps have none)");
    default:
        if (type >= 0x20 && type < 0x7f)
            return fail(decoder, offset, "unknown marshal type code '%c' (0x%02x)", type, code);
        return fail(decoder, offset, "unknown marshal type code 0x%02x", code);
    }
    /* Scalars register once read. */
    if (flag && add_reference(decoder, object, offset) < 0)
        return -1;
    *result = object;
    return 0;
}

int marshal_decode(struct marshal_document *document, const void *data, size_t length)
{
    memset(document, 0, sizeof *document);
    document->input = data;
    document->input_length = length;
    document->version_hint = 3;
    if (length >= UINT32_MAX - 2) {
        snprintf(document->error, sizeof document->error,
                 "input of %zu bytes is too large to decode", length);
        return -1;
    }
    struct decoder decoder = {.document = document, .data = data, .length = length};
    uint32_t root = 0;
    int status = decode_object(&decoder, 1, &root);
    if (status == 0 && root == NULL_OBJECT)
        status = fail(&decoder, 0, "expected an object, found a NULL marker ('0')");
    if (status == 0) {
        document->root = root;
        document->end = decoder.position;
    }
    free(decoder.references);
    free(decoder.interned);
    free(decoder.pending);
    return status;
}

void marshal_free(struct marshal_document *document)
{
    free(document->objects);
    free(document->items);
    document->objects = NULL;
    document->items = NULL;
    document->object_count = document->item_count = 0;
}

const char *marshal_type_name(const struct marshal_object *object)
{
    switch ((enum marshal_type)object->type) {
    case MARSHAL_NONE: return "None";
    case MARSHAL_BOOL: return "bool";
    case MARSHAL_INT: return "int";
    case MARSHAL_BIG_INT: return "int beyond 64 bits";
    case MARSHAL_FLOAT: return "float";
    case MARSHAL_COMPLEX: return "complex";
    case MARSHAL_STRING: return "str";
    case MARSHAL_BYTES: return "bytes";
    case MARSHAL_TUPLE: return "tuple";
    case MARSHAL_LIST: return "list";
    case MARSHAL_SET: return "set";
    case MARSHAL_FROZENSET: return "frozenset";
    case MARSHAL_DICT: return "dict";
    case MARSHAL_ELLIPSIS: return "Ellipsis";
    case MARSHAL_STOP_ITERATION: return "StopIteration";
    }
    return "object";
}
