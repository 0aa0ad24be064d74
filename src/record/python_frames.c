/* python_frames.c — Python frames of the profile, cached by the reader's
 * string pointers; see python_frames.h. */
#include "python_frames.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <stdio.h>
#include <string.h>

struct python_frame_slot {
    const char *file, *function; /* NULL file: empty slot */
    uint32_t line;
    uint32_t frame;
};

static const char unknown_name[] = "<unknown>";

void python_frame_cache_init(struct python_frame_cache *cache, struct profile *profile)
{
    cache->profile = profile;
    cache->slot_mask = 1023;
    cache->slots = xcalloc(cache->slot_mask + 1, sizeof *cache->slots);
    cache->used = 0;
}

void python_frame_cache_free(struct python_frame_cache *cache)
{
    free(cache->slots);
    cache->slots = NULL;
}

void python_frame_cache_clear(struct python_frame_cache *cache)
{
    memset(cache->slots, 0, (cache->slot_mask + 1) * sizeof *cache->slots);
    cache->used = 0;
}

static size_t slot_of(const struct python_frame_cache *cache, const char *file,
                      const char *function, uint32_t line)
{
    uint64_t key = hash_mix64((uint64_t)(uintptr_t)file * 31 + (uint64_t)(uintptr_t)function) ^
                   hash_mix64(line);
    size_t position = key & cache->slot_mask;
    while (cache->slots[position].file &&
           !(cache->slots[position].file == file && cache->slots[position].function == function &&
             cache->slots[position].line == line))
        position = (position + 1) & cache->slot_mask;
    return position;
}

static void grow(struct python_frame_cache *cache)
{
    struct python_frame_slot *old = cache->slots;
    size_t old_count = cache->slot_mask + 1;
    cache->slot_mask = old_count * 2 - 1;
    cache->slots = xcalloc(cache->slot_mask + 1, sizeof *cache->slots);
    for (size_t i = 0; i < old_count; i++)
        if (old[i].file)
            cache->slots[slot_of(cache, old[i].file, old[i].function, old[i].line)] = old[i];
    free(old);
}

uint32_t python_frame_cache_get(struct python_frame_cache *cache, const char *file,
                                const char *function, uint32_t line)
{
    if (!file)
        file = unknown_name;
    if (!function)
        function = unknown_name;
    size_t position = slot_of(cache, file, function, line);
    struct python_frame_slot *slot = &cache->slots[position];
    if (slot->file)
        return slot->frame;
    struct profile *profile = cache->profile;
    size_t file_length = strlen(file), function_length = strlen(function);
    size_t capacity = file_length + function_length + 16;
    char small[512];
    char *name = capacity <= sizeof small ? small : xmalloc(capacity);
    int length = snprintf(name, capacity, "%s:%s:%u", file, function, line);
    uint32_t frame = profile_frame(profile, profile_intern(profile, name, (size_t)length),
                                   profile_intern(profile, file, file_length), line,
                                   FRAME_PYTHON);
    if (name != small)
        free(name);
    slot->file = file;
    slot->function = function;
    slot->line = line;
    slot->frame = frame;
    if (++cache->used * 2 > cache->slot_mask)
        grow(cache);
    return frame;
}
