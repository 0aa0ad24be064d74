/* stack_text.c — frame text cache and shared-prefix reuse for one-line
 * stack formats; see stack_text.h. */
#include "stack_text.h"
#include "../model/profile.h"
#include "../util/memory.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>

void frame_cache_init(struct frame_cache *cache)
{
    memset(cache, 0, sizeof *cache);
    arena_init(&cache->arena);
    intern_init(&cache->texts, &cache->arena);
}

void frame_cache_free(struct frame_cache *cache)
{
    intern_free(&cache->texts);
    arena_free(&cache->arena);
    free(cache->frames);
    memset(cache, 0, sizeof *cache);
}

uint32_t frame_cache_find(struct frame_cache *cache, const char *text, size_t length,
                          uint32_t *text_id)
{
    size_t before = cache->texts.count;
    uint32_t id = intern_bytes(&cache->texts, text, length);
    *text_id = id;
    if (cache->texts.count == before)
        return cache->frames[id];
    if (id >= cache->frame_capacity)
        GROW(cache->frames, cache->frame_capacity, (size_t)id + 1);
    cache->frames[id] = UINT32_MAX;
    return UINT32_MAX;
}

void frame_cache_store(struct frame_cache *cache, uint32_t text_id, uint32_t frame)
{
    cache->frames[text_id] = frame;
}

void previous_stack_free(struct previous_stack *previous)
{
    free(previous->text);
    free(previous->nodes);
    free(previous->ends);
    memset(previous, 0, sizeof *previous);
}

/* Sorted folded lines share long prefixes (hundreds of bytes): compared
 * 16 bytes at a time where SSE2 is there (every x86-64), else 8. */
size_t stack_common_prefix(const char *a, size_t length_a, const char *b, size_t length_b)
{
    size_t limit = length_a < length_b ? length_a : length_b;
    size_t i = 0;
#ifdef __SSE2__
    while (i + 16 <= limit) {
        __m128i block_a = _mm_loadu_si128((const __m128i *)(const void *)(a + i));
        __m128i block_b = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        unsigned differ = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(block_a, block_b)) ^ 0xFFFFu;
        if (differ)
            return i + (size_t)__builtin_ctz(differ);
        i += 16;
    }
#endif
    while (i + 8 <= limit) {
        uint64_t word_a, word_b;
        memcpy(&word_a, a + i, 8);
        memcpy(&word_b, b + i, 8);
        if (word_a != word_b)
            return i + (size_t)(__builtin_ctzll(word_a ^ word_b) / 8);
        i += 8;
    }
    while (i < limit && a[i] == b[i])
        i++;
    return i;
}

size_t previous_stack_shared(const struct previous_stack *previous, const char *stack,
                             size_t length, char separator, uint32_t *node, size_t *offset)
{
    *node = PROFILE_ROOT;
    *offset = 0;
    if (previous->depth == 0 || length == 0)
        return 0;
    size_t common = stack_common_prefix(stack, length, previous->text, previous->length);
    size_t shared = 0;
    while (shared < previous->depth) {
        size_t end = previous->ends[shared];
        /* The frame is shared when the common prefix covers it and the
         * current line's frame ends at the same place. */
        if (end < common || (end == common && (common == length || stack[common] == separator)))
            shared++;
        else
            break;
    }
    if (shared) {
        *node = previous->nodes[shared - 1];
        size_t end = previous->ends[shared - 1];
        *offset = end < length ? end + 1 : length;
    }
    return shared;
}

void previous_stack_record(struct previous_stack *previous, size_t index, uint32_t node,
                           size_t end)
{
    if (index >= previous->frame_capacity) {
        size_t capacity = previous->frame_capacity;
        GROW(previous->nodes, capacity, index + 1);
        previous->ends = xrealloc(previous->ends, capacity * sizeof *previous->ends);
        previous->frame_capacity = capacity;
    }
    previous->nodes[index] = node;
    previous->ends[index] = end;
}

void previous_stack_keep(struct previous_stack *previous, const char *stack, size_t length,
                         size_t depth)
{
    if (length > previous->capacity) {
        previous->capacity = length * 2;
        previous->text = xrealloc(previous->text, previous->capacity);
    }
    if (length)
        memcpy(previous->text, stack, length);
    previous->length = length;
    previous->depth = depth;
}
