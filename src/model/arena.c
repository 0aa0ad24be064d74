/* arena.c — bump allocator; see arena.h. */
#include "arena.h"
#include "../util/memory.h"

#include <string.h>

struct arena_chunk {
    struct arena_chunk *previous;
    size_t used;
    size_t capacity;
    /* data follows, aligned to max_align_t by the struct layout below */
    _Alignas(16) unsigned char data[];
};

enum { ARENA_FIRST_CHUNK = 64 * 1024, ARENA_MAX_CHUNK = 16 * 1024 * 1024 };

void arena_init(struct arena *arena)
{
    arena->current = NULL;
    arena->next_chunk_size = ARENA_FIRST_CHUNK;
    arena->bytes_allocated = 0;
}

void arena_free(struct arena *arena)
{
    struct arena_chunk *chunk = arena->current;
    while (chunk) {
        struct arena_chunk *previous = chunk->previous;
        free(chunk);
        chunk = previous;
    }
    arena_init(arena);
}

void *arena_alloc(struct arena *arena, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    struct arena_chunk *chunk = arena->current;
    if (!chunk || chunk->capacity - chunk->used < size) {
        size_t capacity = arena->next_chunk_size;
        if (capacity < size)
            capacity = size;
        chunk = xmalloc(sizeof *chunk + capacity);
        chunk->capacity = capacity;
        chunk->used = 0;
        chunk->previous = arena->current;
        arena->current = chunk;
        if (arena->next_chunk_size < ARENA_MAX_CHUNK)
            arena->next_chunk_size *= 2;
    }
    void *result = chunk->data + chunk->used;
    chunk->used += size;
    arena->bytes_allocated += size;
    return result;
}

char *arena_strndup(struct arena *arena, const char *bytes, size_t length)
{
    char *copy = arena_alloc(arena, length + 1);
    if (length)
        memcpy(copy, bytes, length);
    copy[length] = '\0';
    return copy;
}
