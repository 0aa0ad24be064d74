/* intern.h — string interning: each distinct byte string gets a dense
 * 32-bit id, stored once.
 *
 * Names from profiles repeat enormously (a frame name appears in every sample
 * that passes through it), so the model keeps ids, never copies. Strings may
 * contain any bytes, including NUL; each stored copy is also NUL-terminated
 * for convenience. Lookup is one hash plus, on a hit, one memcmp. The slot
 * keeps the string's length next to the hash so a probe that does not match
 * never touches the string or the length array.
 */
#ifndef EMBER_INTERN_H
#define EMBER_INTERN_H

#include "arena.h"

#include <stddef.h>
#include <stdint.h>

struct intern_slot {
    uint64_t hash;
    uint32_t id;     /* UINT32_MAX when empty */
    uint32_t length; /* of the string, to reject false matches cheaply */
};

struct intern_table {
    struct arena *arena;        /* where the string bytes live (not owned) */
    struct intern_slot *slots;  /* open addressing, power-of-two size */
    size_t slot_mask;
    const char **strings;       /* id -> bytes (NUL-terminated copy) */
    uint32_t *lengths;          /* id -> length */
    size_t count;
    size_t capacity;
};

void intern_init(struct intern_table *table, struct arena *arena);
void intern_free(struct intern_table *table);
/* Returns the id of the string, adding it if new. */
uint32_t intern_bytes(struct intern_table *table, const char *bytes, size_t length);
/* Same, with a hash the caller already computed with hash_bytes(). */
uint32_t intern_bytes_hashed(struct intern_table *table, const char *bytes, size_t length,
                             uint64_t hash);
/* Returns the id, or UINT32_MAX when the string was never interned. */
uint32_t intern_find(const struct intern_table *table, const char *bytes, size_t length);

static inline const char *intern_string(const struct intern_table *table, uint32_t id)
{
    return table->strings[id];
}

static inline uint32_t intern_length(const struct intern_table *table, uint32_t id)
{
    return table->lengths[id];
}

#endif
