/* key_sort.c — stable radix sort of (key, value) pairs; see key_sort.h. */
#include "key_sort.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

enum { DIGIT_BITS = 11, DIGIT_VALUES = 1 << DIGIT_BITS, INSERTION_LIMIT = 32 };

static void insertion_sort(struct key_sort_item *items, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        struct key_sort_item item = items[i];
        size_t j = i;
        while (j > 0 && items[j - 1].key > item.key) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = item;
    }
}

void key_sort(struct key_sort_item *items, size_t count)
{
    if (count < 2)
        return;
    uint64_t low = items[0].key, high = low;
    int sorted = 1;
    for (size_t i = 1; i < count; i++) {
        uint64_t key = items[i].key;
        sorted &= items[i - 1].key <= key;
        if (key < low)
            low = key;
        if (key > high)
            high = key;
    }
    if (sorted)
        return;
    if (count <= INSERTION_LIMIT) {
        insertion_sort(items, count);
        return;
    }
    uint64_t range = high - low;
    struct key_sort_item *scratch = xmalloc(count * sizeof *scratch);
    struct key_sort_item *from = items, *to = scratch;
    size_t counts[DIGIT_VALUES];
    for (unsigned shift = 0; shift < 64 && (range >> shift) != 0; shift += DIGIT_BITS) {
        memset(counts, 0, sizeof counts);
        for (size_t i = 0; i < count; i++)
            counts[((from[i].key - low) >> shift) & (DIGIT_VALUES - 1)]++;
        if (counts[((from[0].key - low) >> shift) & (DIGIT_VALUES - 1)] == count)
            continue; /* every key has this digit: the pass would change nothing */
        size_t total = 0;
        for (size_t digit = 0; digit < DIGIT_VALUES; digit++) {
            size_t here = counts[digit];
            counts[digit] = total;
            total += here;
        }
        for (size_t i = 0; i < count; i++)
            to[counts[((from[i].key - low) >> shift) & (DIGIT_VALUES - 1)]++] = from[i];
        struct key_sort_item *swap = from;
        from = to;
        to = swap;
    }
    if (from != items)
        memcpy(items, from, count * sizeof *items);
    free(scratch);
}
