/* marshal.h — a decoder for Python's marshal serialisation, without Python.
 *
 * cProfile writes its statistics with marshal.dump(); this module turns
 * such bytes into a read-only tree of objects that the pstats reader walks.
 * It follows CPython's Python/marshal.c (the reference): every type code
 * that format versions 0 to 4 write (Python 2.7 and 3.4-3.13), FLAG_REF
 * (0x80) registration and 'r' back-references, and Python 2's interned
 * string table ('t' / 'R'). Code objects are refused with a message: a
 * profile never holds them.
 *
 * The decoded document is a flat array of objects; containers refer to
 * their items through an index array, so a back-reference is just a second
 * mention of the same object index (consumers can use the index as an
 * identity, as Python's `is` would). Strings are not copied: they point
 * into the caller's buffer, which must outlive the document.
 *
 * Hostile input is expected: every length is checked against the bytes
 * left, nesting is limited as CPython limits it, references must name an
 * object already registered (and finished, for frozensets), and every
 * failure reports the byte offset of the offending type code or field.
 */
#ifndef EMBER_MARSHAL_H
#define EMBER_MARSHAL_H

#include <stddef.h>
#include <stdint.h>

enum marshal_type {
    MARSHAL_NONE,
    MARSHAL_BOOL,          /* value.integer is 0 or 1 */
    MARSHAL_INT,           /* value.integer */
    MARSHAL_BIG_INT,       /* an int beyond int64: value.real approximates it */
    MARSHAL_FLOAT,         /* value.real */
    MARSHAL_COMPLEX,       /* value.real is the real part (the imaginary is dropped) */
    MARSHAL_STRING,        /* str: UTF-8 bytes at value.data, length bytes */
    MARSHAL_BYTES,         /* bytes (Python 2's str): same layout */
    MARSHAL_TUPLE,         /* length items from value.first_item */
    MARSHAL_LIST,
    MARSHAL_SET,
    MARSHAL_FROZENSET,
    MARSHAL_DICT,          /* length (key, value) pairs: 2 * length items */
    MARSHAL_ELLIPSIS,
    MARSHAL_STOP_ITERATION,
};

struct marshal_object {
    uint8_t type;    /* enum marshal_type */
    uint32_t length; /* bytes of a string, items of a sequence, pairs of a dict */
    uint64_t offset; /* byte offset of the object's type code in the input */
    union {
        int64_t integer;
        double real;
        uint64_t data;       /* strings: offset of the first byte in the input */
        uint64_t first_item; /* containers: index into marshal_document.items */
    } value;
};

struct marshal_document {
    const unsigned char *input; /* the decoded bytes (not owned) */
    size_t input_length;
    struct marshal_object *objects;
    size_t object_count, object_capacity;
    uint32_t *items; /* object indices of container items, each container contiguous */
    size_t item_count, item_capacity;
    uint32_t root;   /* the top-level object */
    size_t end;      /* offset just past the top-level object */
    int version_hint; /* 2 when Python 2 only codes were seen, else 3 */
    /* Set on failure. */
    char error[160];
    uint64_t error_offset;
};

/* Decodes one object from data[0..length). Returns 0, or -1 with
 * document->error and document->error_offset set. Either way the document
 * must be released with marshal_free(). Trailing bytes after the object are
 * not an error (marshal.load stops there too); document->end says where. */
int marshal_decode(struct marshal_document *document, const void *data, size_t length);
void marshal_free(struct marshal_document *document);

static inline const struct marshal_object *marshal_object_at(const struct marshal_document *document,
                                                            uint32_t index)
{
    return &document->objects[index];
}
/* The index of item i of a tuple, list or set (for a dict: 2i is the key of
 * pair i, 2i+1 its value). */
static inline uint32_t marshal_item(const struct marshal_document *document,
                                    const struct marshal_object *container, size_t i)
{
    return document->items[container->value.first_item + i];
}
/* The bytes of a string or bytes object. */
static inline const char *marshal_string_bytes(const struct marshal_document *document,
                                               const struct marshal_object *string)
{
    return (const char *)document->input + string->value.data;
}
/* A short English name of an object's type ("tuple", "str", ...), for messages. */
const char *marshal_type_name(const struct marshal_object *object);

#endif
