/* intern.c — string interning with open addressing; see intern.h.
 *
 * The table stores the full 64-bit hash next to the id so that probing
 * compares integers and touches the string bytes only on a likely match.
 * It doubles when more than half full.
 */
#include "intern.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <string.h>

static void allocate_slots(struct intern_table *table, size_t slot_count)
{
    table->slots = xmalloc(slot_count * sizeof *table->slots);
    for (size_t i = 0; i < slot_count; i++)
        table->slots[i].id = UINT32_MAX;
    table->slot_mask = slot_count - 1;
}

void intern_init(struct intern_table *table, struct arena *arena)
{
    memset(table, 0, sizeof *table);
    table->arena = arena;
    allocate_slots(table, 1024);
}

void intern_free(struct intern_table *table)
{
    free(table->slots);
    free(table->strings);
    free(table->lengths);
    memset(table, 0, sizeof *table);
}

static void rehash(struct intern_table *table)
{
    struct intern_slot *old_slots = table->slots;
    size_t old_count = table->slot_mask + 1;
    allocate_slots(table, old_count * 2);
    for (size_t i = 0; i < old_count; i++) {
        if (old_slots[i].id == UINT32_MAX)
            continue;
        size_t position = old_slots[i].hash & table->slot_mask;
        while (table->slots[position].id != UINT32_MAX)
            position = (position + 1) & table->slot_mask;
        table->slots[position] = old_slots[i];
    }
    free(old_slots);
}

static size_t find_slot(const struct intern_table *table, const char *bytes, size_t length,
                        uint64_t hash)
{
    size_t position = hash & table->slot_mask;
    for (;;) {
        const struct intern_slot *slot = &table->slots[position];
        if (slot->id == UINT32_MAX)
            return position;
        if (slot->hash == hash && slot->length == length &&
            memcmp(table->strings[slot->id], bytes, length) == 0)
            return position;
        position = (position + 1) & table->slot_mask;
    }
}

uint32_t intern_bytes_hashed(struct intern_table *table, const char *bytes, size_t length,
                             uint64_t hash)
{
    size_t position = find_slot(table, bytes, length, hash);
    if (table->slots[position].id != UINT32_MAX)
        return table->slots[position].id;
    if (length > UINT32_MAX)
        length = UINT32_MAX;
    uint32_t id = (uint32_t)table->count;
    if (table->count == table->capacity) {
        GROW(table->strings, table->capacity, table->count + 1);
        table->lengths = xrealloc(table->lengths, table->capacity * sizeof *table->lengths);
    }
    table->strings[id] = arena_strndup(table->arena, bytes, length);
    table->lengths[id] = (uint32_t)length;
    table->count++;
    table->slots[position].hash = hash;
    table->slots[position].id = id;
    table->slots[position].length = (uint32_t)length;
    if (table->count * 2 > table->slot_mask + 1)
        rehash(table);
    return id;
}

uint32_t intern_bytes(struct intern_table *table, const char *bytes, size_t length)
{
    return intern_bytes_hashed(table, bytes, length, hash_bytes(bytes, length));
}

uint32_t intern_find(const struct intern_table *table, const char *bytes, size_t length)
{
    size_t position = find_slot(table, bytes, length, hash_bytes(bytes, length));
    return table->slots[position].id;
}
