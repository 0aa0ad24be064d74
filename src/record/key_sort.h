/* key_sort.h — a stable sort of (key, value) pairs by their 64-bit key, for
 * the session's records (by time) and the symbol tables (by start).
 *
 * Design: an LSD radix sort on key - smallest key, 11 bits a pass, with as
 * many passes as the keys' range needs (a perf.data spanning seconds needs
 * three, a library's symbols two) and none for a digit every key shares;
 * input already in order costs one pass to notice, short input an
 * insertion sort. Stable: pairs with equal keys keep their order, so a
 * caller gets (key, position) order without a tie-break field.
 *
 * Ownership: sorts in place; the scratch copy is the sort's own.
 */
#ifndef EMBER_KEY_SORT_H
#define EMBER_KEY_SORT_H

#include <stddef.h>
#include <stdint.h>

struct key_sort_item {
    uint64_t key;
    uint64_t value;
};

void key_sort(struct key_sort_item *items, size_t count);

#endif
