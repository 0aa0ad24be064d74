/* arena.h — bump allocator for the profile model.
 *
 * Everything the model stores for the lifetime of a profile (frame names,
 * stack paths) is carved from an arena and freed at once with it. Chunks
 * grow geometrically; a request larger than a chunk gets a chunk of its own.
 * Allocation failure aborts: the model has no partial states to unwind.
 */
#ifndef EMBER_ARENA_H
#define EMBER_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *current;
    size_t next_chunk_size;
    size_t bytes_allocated; /* total bytes handed out, for statistics */
};

void arena_init(struct arena *arena);
void arena_free(struct arena *arena);
/* Returns size bytes aligned to 8; never NULL (aborts when out of memory). */
void *arena_alloc(struct arena *arena, size_t size);
/* Copies length bytes and appends a NUL. */
char *arena_strndup(struct arena *arena, const char *bytes, size_t length);

#endif
