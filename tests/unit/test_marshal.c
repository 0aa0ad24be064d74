/* test_marshal.c — unit tests of the Python marshal decoder and of the
 * pstats reader's call-tree estimate.
 *
 * The byte strings below were made with CPython 3.11's marshal.dumps()
 * (the generating expressions are in the comments) so the decoder is
 * checked against the real encoder: refs (FLAG_REF and 'r'), versions 0, 2
 * and 4 (text and binary floats, long and short strings, small tuples).
 *
 *   K = ('k',)
 *   SCALARS = (1, -5, 2**40, -(2**70), 1.5, 'h\u00e9llo', b'by', None, True, False,
 *              [1], {'a': 1}, frozenset(), {3}, (K, K), 2**62, 3+4j, ..., 'x'*300)
 *
 *   GRAPH = {A: (1, 1, 0.5, 10.0, {}),
 *            B: (1, 1, 1.0, 4.0, {A: (1, 1, 1.0, 4.0)}),
 *            C: (1, 1, 1.0, 5.0, {A: (1, 1, 1.0, 5.0)}),
 *            L: (2, 2, 4.0, 6.0, {B: (1, 1, 2.0, 3.0), C: (1, 1, 2.0, 3.0)}),
 *            M: (2, 2, 2.0, 2.0, {L: (2, 2, 2.0, 2.0)}),
 *            R: (1, 3, 0.5, 1.0, {C: (1, 1, 0.5, 1.0), R: (2, 1, 0.3, 0.7)}),
 *            X: (1, 2, 0.1, 0.4, {Y: (1, 1, 0.05, 0.3)}),
 *            Y: (1, 1, 0.3, 0.35, {X: (1, 1, 0.3, 0.35)}),
 *            P: (1, 1, 1.0, 2.0, {}),
 *            Q: (3, 3, 1.0, 1.0, {P: 3})}
 *   with A = ('a.py', 1, 'a'), B = ('b.py', 2, 'b'), C = ('c.py', 3, 'c'),
 *   L = ('l.py', 4, 'leaf'), M = ('m.py', 6, 'm'), R = ('r.py', 5, 'rec'),
 *   X = ('x.py', 7, 'x'), Y = ('y.py', 8, 'y'), P = ('p.py', 9, 'p'),
 *   Q = ('q.py', 10, 'q').
 */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "formats/marshal.h"
#include "formats/pstats.h"
#include "helpers.h"
#include "model/profile.h"
#include "util/input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* marshal.dumps(SCALARS, 4) */
static const char scalars_v4[] =
    "\xa9\x13\xe9\x01\x00\x00\x00\xe9\xfb\xff\xff\xff\xec\x03\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x04\x6c\xfb\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x04\xe7\x00\x00\x00\x00\x00\x00\xf8\x3f\xf5\x06\x00\x00\x00\x68\xc3"
    "\xa9\x6c\x6c\x6f\xf3\x02\x00\x00\x00\x62\x79\x4e\x54\x46\x5b\x01\x00\x00"
    "\x00\x72\x01\x00\x00\x00\x7b\xda\x01\x61\x72\x01\x00\x00\x00\x30\x3e\x00"
    "\x00\x00\x00\x3c\x01\x00\x00\x00\xe9\x03\x00\x00\x00\x29\x02\xa9\x01\xda"
    "\x01\x6b\x72\x09\x00\x00\x00\xec\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x04\x00\xf9\x00\x00\x00\x00\x00\x00\x08\x40\x00\x00\x00\x00\x00"
    "\x00\x10\x40\x2e\xc1\x2c\x01\x00\x00\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78";
/* marshal.dumps(SCALARS, 2) */
static const char scalars_v2[] =
    "\x28\x13\x00\x00\x00\x69\x01\x00\x00\x00\x69\xfb\xff\xff\xff\x6c\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x04\x6c\xfb\xff\xff\xff\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x04\x67\x00\x00\x00\x00\x00\x00\xf8\x3f\x75\x06\x00\x00"
    "\x00\x68\xc3\xa9\x6c\x6c\x6f\x73\x02\x00\x00\x00\x62\x79\x4e\x54\x46\x5b"
    "\x01\x00\x00\x00\x69\x01\x00\x00\x00\x7b\x75\x01\x00\x00\x00\x61\x69\x01"
    "\x00\x00\x00\x30\x3e\x00\x00\x00\x00\x3c\x01\x00\x00\x00\x69\x03\x00\x00"
    "\x00\x28\x02\x00\x00\x00\x28\x01\x00\x00\x00\x75\x01\x00\x00\x00\x6b\x28"
    "\x01\x00\x00\x00\x75\x01\x00\x00\x00\x6b\x6c\x05\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x04\x00\x79\x00\x00\x00\x00\x00\x00\x08\x40\x00\x00"
    "\x00\x00\x00\x00\x10\x40\x2e\x75\x2c\x01\x00\x00\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78";
/* marshal.dumps(SCALARS, 0) */
static const char scalars_v0[] =
    "\x28\x13\x00\x00\x00\x69\x01\x00\x00\x00\x69\xfb\xff\xff\xff\x6c\x03\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x04\x6c\xfb\xff\xff\xff\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x04\x66\x03\x31\x2e\x35\x75\x06\x00\x00\x00\x68\xc3\xa9"
    "\x6c\x6c\x6f\x73\x02\x00\x00\x00\x62\x79\x4e\x54\x46\x5b\x01\x00\x00\x00"
    "\x69\x01\x00\x00\x00\x7b\x75\x01\x00\x00\x00\x61\x69\x01\x00\x00\x00\x30"
    "\x3e\x00\x00\x00\x00\x3c\x01\x00\x00\x00\x69\x03\x00\x00\x00\x28\x02\x00"
    "\x00\x00\x28\x01\x00\x00\x00\x75\x01\x00\x00\x00\x6b\x28\x01\x00\x00\x00"
    "\x75\x01\x00\x00\x00\x6b\x6c\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x04\x00\x78\x01\x33\x01\x34\x2e\x75\x2c\x01\x00\x00\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78"
    "\x78\x78\x78\x78\x78\x78\x78\x78";
/* marshal.dumps(GRAPH) (see the comment above test graph_tree) */
static const char graph[] =
    "\xfb\xa9\x03\xfa\x04\x61\x2e\x70\x79\xe9\x01\x00\x00\x00\xda\x01\x61\x29"
    "\x05\x72\x03\x00\x00\x00\x72\x03\x00\x00\x00\xe7\x00\x00\x00\x00\x00\x00"
    "\xe0\x3f\xe7\x00\x00\x00\x00\x00\x00\x24\x40\x7b\x30\xa9\x03\xfa\x04\x62"
    "\x2e\x70\x79\xe9\x02\x00\x00\x00\xda\x01\x62\x29\x05\x72\x03\x00\x00\x00"
    "\x72\x03\x00\x00\x00\xe7\x00\x00\x00\x00\x00\x00\xf0\x3f\xe7\x00\x00\x00"
    "\x00\x00\x00\x10\x40\x7b\x72\x01\x00\x00\x00\xa9\x04\x72\x03\x00\x00\x00"
    "\x72\x03\x00\x00\x00\x72\x0b\x00\x00\x00\x72\x0c\x00\x00\x00\x30\xa9\x03"
    "\xfa\x04\x63\x2e\x70\x79\xe9\x03\x00\x00\x00\xda\x01\x63\x29\x05\x72\x03"
    "\x00\x00\x00\x72\x03\x00\x00\x00\x72\x0b\x00\x00\x00\xe7\x00\x00\x00\x00"
    "\x00\x00\x14\x40\x7b\x72\x01\x00\x00\x00\xa9\x04\x72\x03\x00\x00\x00\x72"
    "\x03\x00\x00\x00\x72\x0b\x00\x00\x00\x72\x12\x00\x00\x00\x30\xa9\x03\xfa"
    "\x04\x6c\x2e\x70\x79\xe9\x04\x00\x00\x00\xda\x04\x6c\x65\x61\x66\x29\x05"
    "\x72\x09\x00\x00\x00\x72\x09\x00\x00\x00\x72\x0c\x00\x00\x00\xe7\x00\x00"
    "\x00\x00\x00\x00\x18\x40\x7b\x72\x07\x00\x00\x00\xa9\x04\x72\x03\x00\x00"
    "\x00\x72\x03\x00\x00\x00\xe7\x00\x00\x00\x00\x00\x00\x00\x40\xe7\x00\x00"
    "\x00\x00\x00\x00\x08\x40\x72\x0e\x00\x00\x00\x72\x19\x00\x00\x00\x30\xa9"
    "\x03\xfa\x04\x6d\x2e\x70\x79\xe9\x06\x00\x00\x00\xda\x01\x6d\x29\x05\x72"
    "\x09\x00\x00\x00\x72\x09\x00\x00\x00\x72\x1a\x00\x00\x00\x72\x1a\x00\x00"
    "\x00\x7b\x72\x14\x00\x00\x00\xa9\x04\x72\x09\x00\x00\x00\x72\x09\x00\x00"
    "\x00\x72\x1a\x00\x00\x00\x72\x1a\x00\x00\x00\x30\xa9\x03\xfa\x04\x72\x2e"
    "\x70\x79\xe9\x05\x00\x00\x00\xda\x03\x72\x65\x63\x29\x05\x72\x03\x00\x00"
    "\x00\x72\x10\x00\x00\x00\x72\x05\x00\x00\x00\x72\x0b\x00\x00\x00\x7b\x72"
    "\x0e\x00\x00\x00\xa9\x04\x72\x03\x00\x00\x00\x72\x03\x00\x00\x00\x72\x05"
    "\x00\x00\x00\x72\x0b\x00\x00\x00\x72\x21\x00\x00\x00\xa9\x04\x72\x09\x00"
    "\x00\x00\x72\x03\x00\x00\x00\xe7\x33\x33\x33\x33\x33\x33\xd3\x3f\xe7\x66"
    "\x66\x66\x66\x66\x66\xe6\x3f\x30\xa9\x03\xfa\x04\x78\x2e\x70\x79\xe9\x07"
    "\x00\x00\x00\xda\x01\x78\x29\x05\x72\x03\x00\x00\x00\x72\x09\x00\x00\x00"
    "\xe7\x9a\x99\x99\x99\x99\x99\xb9\x3f\xe7\x9a\x99\x99\x99\x99\x99\xd9\x3f"
    "\x7b\xa9\x03\xfa\x04\x79\x2e\x70\x79\xe9\x08\x00\x00\x00\xda\x01\x79\xa9"
    "\x04\x72\x03\x00\x00\x00\x72\x03\x00\x00\x00\xe7\x9a\x99\x99\x99\x99\x99"
    "\xa9\x3f\x72\x27\x00\x00\x00\x30\x72\x2f\x00\x00\x00\x29\x05\x72\x03\x00"
    "\x00\x00\x72\x03\x00\x00\x00\x72\x27\x00\x00\x00\xe7\x66\x66\x66\x66\x66"
    "\x66\xd6\x3f\x7b\x72\x29\x00\x00\x00\xa9\x04\x72\x03\x00\x00\x00\x72\x03"
    "\x00\x00\x00\x72\x27\x00\x00\x00\x72\x35\x00\x00\x00\x30\xa9\x03\xfa\x04"
    "\x70\x2e\x70\x79\xe9\x09\x00\x00\x00\xda\x01\x70\x29\x05\x72\x03\x00\x00"
    "\x00\x72\x03\x00\x00\x00\x72\x0b\x00\x00\x00\x72\x1a\x00\x00\x00\x7b\x30"
    "\xa9\x03\xfa\x04\x71\x2e\x70\x79\xe9\x0a\x00\x00\x00\xda\x01\x71\x29\x05"
    "\x72\x10\x00\x00\x00\x72\x10\x00\x00\x00\x72\x0b\x00\x00\x00\x72\x0b\x00"
    "\x00\x00\x7b\x72\x37\x00\x00\x00\x72\x10\x00\x00\x00\x30\x30";

static const struct marshal_object *item(const struct marshal_document *document,
                                         const struct marshal_object *container, size_t i)
{
    return marshal_object_at(document, marshal_item(document, container, i));
}

static void expect_string(const struct marshal_document *document,
                          const struct marshal_object *object, const char *text)
{
    cr_assert(object->type == MARSHAL_STRING || object->type == MARSHAL_BYTES);
    cr_assert_eq(object->length, strlen(text));
    cr_assert_eq(memcmp(marshal_string_bytes(document, object), text, strlen(text)), 0);
}

/* Checks the decoded SCALARS tuple; refs says whether K is shared. */
static void check_scalars(const char *bytes, size_t size, int shared_key)
{
    struct marshal_document document;
    cr_assert_eq(marshal_decode(&document, bytes, size), 0, "%s", document.error);
    cr_assert_eq(document.end, size);
    const struct marshal_object *root = marshal_object_at(&document, document.root);
    cr_assert_eq(root->type, MARSHAL_TUPLE);
    cr_assert_eq(root->length, 19);
    cr_assert_eq(item(&document, root, 0)->type, MARSHAL_INT);
    cr_assert_eq(item(&document, root, 0)->value.integer, 1);
    cr_assert_eq(item(&document, root, 1)->value.integer, -5);
    cr_assert_eq(item(&document, root, 2)->type, MARSHAL_INT);
    cr_assert_eq(item(&document, root, 2)->value.integer, INT64_C(1) << 40);
    cr_assert_eq(item(&document, root, 3)->type, MARSHAL_BIG_INT);
    cr_assert_float_eq(item(&document, root, 3)->value.real, -ldexp(1, 70), 1e6);
    cr_assert_eq(item(&document, root, 4)->type, MARSHAL_FLOAT);
    cr_assert_eq(item(&document, root, 4)->value.real, 1.5);
    expect_string(&document, item(&document, root, 5), "h\xc3\xa9llo");
    cr_assert_eq(item(&document, root, 6)->type, MARSHAL_BYTES);
    expect_string(&document, item(&document, root, 6), "by");
    cr_assert_eq(item(&document, root, 7)->type, MARSHAL_NONE);
    cr_assert_eq(item(&document, root, 8)->type, MARSHAL_BOOL);
    cr_assert_eq(item(&document, root, 8)->value.integer, 1);
    cr_assert_eq(item(&document, root, 9)->value.integer, 0);
    const struct marshal_object *list = item(&document, root, 10);
    cr_assert_eq(list->type, MARSHAL_LIST);
    cr_assert_eq(list->length, 1);
    cr_assert_eq(item(&document, list, 0)->value.integer, 1);
    const struct marshal_object *dict = item(&document, root, 11);
    cr_assert_eq(dict->type, MARSHAL_DICT);
    cr_assert_eq(dict->length, 1);
    expect_string(&document, item(&document, dict, 0), "a");
    cr_assert_eq(item(&document, dict, 1)->value.integer, 1);
    cr_assert_eq(item(&document, root, 12)->type, MARSHAL_FROZENSET);
    cr_assert_eq(item(&document, root, 12)->length, 0);
    const struct marshal_object *set = item(&document, root, 13);
    cr_assert_eq(set->type, MARSHAL_SET);
    cr_assert_eq(item(&document, set, 0)->value.integer, 3);
    const struct marshal_object *pair = item(&document, root, 14);
    cr_assert_eq(pair->length, 2);
    expect_string(&document, item(&document, item(&document, pair, 0), 0), "k");
    if (shared_key)
        cr_assert_eq(marshal_item(&document, pair, 0), marshal_item(&document, pair, 1),
                     "the second K is a back-reference to the first");
    else
        cr_assert_neq(marshal_item(&document, pair, 0), marshal_item(&document, pair, 1));
    cr_assert_eq(item(&document, root, 15)->value.integer, INT64_C(1) << 62);
    cr_assert_eq(item(&document, root, 16)->type, MARSHAL_COMPLEX);
    cr_assert_eq(item(&document, root, 16)->value.real, 3.0);
    cr_assert_eq(item(&document, root, 17)->type, MARSHAL_ELLIPSIS);
    cr_assert_eq(item(&document, root, 18)->length, 300);
    marshal_free(&document);
}

Test(marshal, version_4_with_references)
{
    check_scalars(scalars_v4, sizeof scalars_v4 - 1, 1);
}

Test(marshal, version_2_binary_floats_no_references)
{
    check_scalars(scalars_v2, sizeof scalars_v2 - 1, 0);
}

Test(marshal, version_0_text_floats)
{
    check_scalars(scalars_v0, sizeof scalars_v0 - 1, 0);
}

Test(marshal, every_truncation_fails_cleanly)
{
    size_t size = sizeof scalars_v4 - 1;
    for (size_t length = 0; length < size; length++) {
        struct marshal_document document;
        /* A copy of exactly length bytes, so reading past it is an ASan error. */
        char *copy = malloc(length ? length : 1);
        memcpy(copy, scalars_v4, length);
        cr_assert_eq(marshal_decode(&document, copy, length), -1, "prefix of %zu bytes", length);
        cr_assert(document.error[0]);
        cr_assert_leq(document.error_offset, length);
        marshal_free(&document);
        free(copy);
    }
}

/* Decodes bytes and expects failure at offset with message containing text. */
static void expect_error(const char *bytes, size_t size, uint64_t offset, const char *text)
{
    struct marshal_document document;
    cr_assert_eq(marshal_decode(&document, bytes, size), -1, "expected '%s'", text);
    cr_assert(strstr(document.error, text), "message '%s' lacks '%s'", document.error, text);
    cr_assert_eq(document.error_offset, offset, "'%s' at %llu, expected %llu", document.error,
                 (unsigned long long)document.error_offset, (unsigned long long)offset);
    marshal_free(&document);
}

#define EXPECT_ERROR(literal, offset, text) expect_error(literal, sizeof literal - 1, offset, text)

Test(marshal, hostile_inputs)
{
    EXPECT_ERROR("r\x05\x00\x00\x00", 0, "invalid back-reference 5");
    EXPECT_ERROR(")\x02\xe9\x01\x00\x00\x00r\x01\x00\x00\x00", 7, "invalid back-reference 1");
    EXPECT_ERROR("\xbe\x01\x00\x00\x00r\x00\x00\x00\x00", 5, "still being read");
    EXPECT_ERROR("?", 0, "unknown marshal type code '?'");
    EXPECT_ERROR("\x01", 0, "unknown marshal type code 0x01");
    EXPECT_ERROR("c\x00\x00\x00\x00", 0, "code object");
    EXPECT_ERROR("(\xff\xff\xff\x7f", 0, "tuple of 2147483647 items but only 0 bytes follow");
    EXPECT_ERROR("(\xff\xff\xff\xff", 1, "negative");
    EXPECT_ERROR("u\xff\xff\xff\x7f" "abc", 5, "truncated");
    EXPECT_ERROR("[\x00\x00\x00\x10N", 0, "list of 268435456 items");
    EXPECT_ERROR("l\x01\x00\x00\x00\x00\x00", 5, "unnormalized");
    EXPECT_ERROR("l\x01\x00\x00\x00\x00\x80", 5, "out of range");
    EXPECT_ERROR("l\xff\xff\xff\x7f\x01\x00", 1, "long of 2147483647 digits");
    EXPECT_ERROR(")\x01" "0", 2, "NULL marker");
    EXPECT_ERROR("{N0", 2, "NULL marker");
    EXPECT_ERROR("0", 0, "NULL marker");
    EXPECT_ERROR("f\x03" "1x5", 2, "text float");
    EXPECT_ERROR("R\x00\x00\x00\x00", 0, "interned-string reference 0");
    EXPECT_ERROR("", 0, "end of the input");
}

Test(marshal, self_reference_and_python2_interned_strings)
{
    /* A tuple whose item refers back to the tuple itself is legal marshal. */
    static const char cyclic[] = "\xa9\x01r\x00\x00\x00\x00";
    struct marshal_document document;
    cr_assert_eq(marshal_decode(&document, cyclic, sizeof cyclic - 1), 0, "%s", document.error);
    const struct marshal_object *root = marshal_object_at(&document, document.root);
    cr_assert_eq(marshal_item(&document, root, 0), document.root);
    marshal_free(&document);

    /* Python 2: 't' strings are numbered for 'R'. */
    static const char interned[] = "(\x02\x00\x00\x00t\x01\x00\x00\x00" "aR\x00\x00\x00\x00";
    cr_assert_eq(marshal_decode(&document, interned, sizeof interned - 1), 0, "%s", document.error);
    root = marshal_object_at(&document, document.root);
    cr_assert_eq(marshal_item(&document, root, 0), marshal_item(&document, root, 1));
    marshal_free(&document);
}

Test(marshal, nesting_is_limited)
{
    size_t depth = 3000;
    char *bytes = malloc(depth * 2 + 1);
    for (size_t i = 0; i < depth; i++) {
        bytes[2 * i] = ')';
        bytes[2 * i + 1] = 1;
    }
    bytes[depth * 2] = 'N';
    struct marshal_document document;
    cr_assert_eq(marshal_decode(&document, bytes, depth * 2 + 1), -1);
    cr_assert(strstr(document.error, "nested deeper"));
    marshal_free(&document);
    free(bytes);
}

/* Reads pstats bytes and returns the folded text of one sample type. */
static char *graph_folded(const char *bytes, size_t size, size_t type)
{
    struct unit_read_result result = unit_read(NULL, bytes, size, "graph.prof", NULL);
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile->sample_type_count, 2);
    cr_assert_str_eq(profile_string(profile, profile->sample_types[0].type), "time");
    cr_assert_str_eq(profile_string(profile, profile->sample_types[0].unit), "nanoseconds");
    cr_assert_str_eq(profile_string(profile, profile->sample_types[1].type), "calls");
    char *text = unit_folded(profile, type);
    profile_destroy(profile);
    return text;
}

/* The tree of GRAPH, by the rules in pstats.c:
 *  - a is a root, its callees b and c have one caller: exact edge times;
 *  - leaf has two callers, so under each its callee m gets a share of the
 *    frame's time left after leaf's own (3 - 2 = 1 of m's edge of 2);
 *  - rec's edge to itself is recursion: not followed;
 *  - x and y only call each other: x (larger cumtime) is made a root, and
 *    y's edge back to x is recursion;
 *  - q's edge from p is the profile module's bare call count (3 of q's 3
 *    calls): q's whole times. */
Test(pstats, graph_tree)
{
    char *time = graph_folded(graph, sizeof graph - 1, 0);
    cr_assert_str_eq(time,
                     "a 1000000000\n"
                     "a;b 1000000000\n"
                     "a;b;leaf 2000000000\n"
                     "a;b;leaf;m 1000000000\n"
                     "a;c 1000000000\n"
                     "a;c;leaf 2000000000\n"
                     "a;c;leaf;m 1000000000\n"
                     "a;c;rec 1000000000\n"
                     "p 1000000000\n"
                     "p;q 1000000000\n"
                     "x 50000000\n"
                     "x;y 350000000\n");
    free(time);
    char *calls = graph_folded(graph, sizeof graph - 1, 1);
    cr_assert_str_eq(calls,
                     "a 1\n"
                     "a;b 1\n"
                     "a;b;leaf 1\n"
                     "a;b;leaf;m 1\n"
                     "a;c 1\n"
                     "a;c;leaf 1\n"
                     "a;c;leaf;m 1\n"
                     "a;c;rec 1\n"
                     "p 1\n"
                     "p;q 3\n"
                     "x 2\n"
                     "x;y 1\n");
    free(calls);
}

Test(pstats, probe)
{
    cr_assert_eq(pstats_probe(graph, sizeof graph - 1), 90);
    cr_assert_eq(pstats_probe("{\"a\": 1}", 8), 0);
    cr_assert_eq(pstats_probe("a;b 1\n", 6), 0);
}

/* Loads a statistics dict and expects a message naming offset and text. */
static void expect_pstats_error(const char *bytes, size_t size, const char *text)
{
    struct input input;
    input_open_memory(&input, bytes, size, "bad.prof");
    struct pstats stats;
    char *message = NULL;
    size_t length = 0;
    FILE *saved = stderr;
    stderr = open_memstream(&message, &length);
    int status = pstats_load(&stats, &input);
    fclose(stderr);
    stderr = saved;
    input_close(&input);
    cr_assert_eq(status, -1, "expected failure with '%s'", text);
    cr_assert(strstr(message, text), "message '%s' lacks '%s'", message, text);
    cr_assert(strstr(message, "ember: bad.prof: byte "), "message '%s'", message);
    free(message);
}

#define EXPECT_PSTATS_ERROR(literal, text) expect_pstats_error(literal, sizeof literal - 1, text)

Test(pstats, wrong_types)
{
    EXPECT_PSTATS_ERROR("[\x00\x00\x00\x00", "expected the statistics dict, found a list");
    EXPECT_PSTATS_ERROR("{0", "empty");
    /* key not a 3-tuple */
    EXPECT_PSTATS_ERROR("{)\x02NN" "N0", "(filename, line, function) tuple");
    /* line is a str */
    EXPECT_PSTATS_ERROR("{)\x03z\x01" "az\x01" "1z\x01" "fN0", "line number int");
    /* value not a 5-tuple */
    EXPECT_PSTATS_ERROR("{)\x03z\x01" "ai\x01\x00\x00\x00z\x01" "fN0",
                        "(primitive calls, calls, tottime, cumtime, callers)");
    /* tottime is a str */
    EXPECT_PSTATS_ERROR("{)\x03z\x01" "ai\x01\x00\x00\x00z\x01" "f)\x05i\x01\x00\x00\x00"
                        "i\x01\x00\x00\x00z\x01" "xg\x00\x00\x00\x00\x00\x00\x00\x00{00",
                        "tottime (a number)");
    /* callers value a string */
    EXPECT_PSTATS_ERROR("{)\x03z\x01" "ai\x01\x00\x00\x00z\x01" "f)\x05i\x01\x00\x00\x00"
                        "i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00g\x00\x00\x00\x00\x00"
                        "\x00\x00\x00{)\x03z\x01" "bi\x02\x00\x00\x00z\x01" "gz\x01" "s00",
                        "caller's (calls, primitive calls, tottime, cumtime) tuple");
}
