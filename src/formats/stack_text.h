/* stack_text.h — helpers shared by ember's readers of text formats whose
 * samples are ';'-separated root-first stacks on one line (folded, austin,
 * py-spy raw): a cache from a frame's raw text to its frame id, and reuse of the
 * frames a line shares with the line before it.
 *
 * Both exist for speed. Profilers print the same few thousand frame texts
 * millions of times, and consecutive lines usually share a long prefix (the
 * same thread in the same outer calls), so most frames of a line need
 * neither parsing nor hashing.
 */
#ifndef EMBER_STACK_TEXT_H
#define EMBER_STACK_TEXT_H

#include "../model/arena.h"
#include "../model/intern.h"

#include <stddef.h>
#include <stdint.h>

/* Raw frame text -> frame id of the profile being read. */
struct frame_cache {
    struct arena arena;
    struct intern_table texts;
    uint32_t *frames; /* text id -> frame id */
    size_t frame_capacity;
};

void frame_cache_init(struct frame_cache *cache);
void frame_cache_free(struct frame_cache *cache);
/* Returns the frame id stored for text, or UINT32_MAX; *text_id receives the
 * text's id, to pass to frame_cache_store() after building the frame. */
uint32_t frame_cache_find(struct frame_cache *cache, const char *text, size_t length,
                          uint32_t *text_id);
void frame_cache_store(struct frame_cache *cache, uint32_t text_id, uint32_t frame);

/* The length of the common prefix of a and b: 16 bytes at a time where
 * SSE2 is there. */
size_t stack_common_prefix(const char *a, size_t length_a, const char *b, size_t length_b);

/* The previous line's stack text, with the tree node reached after each of
 * its frames and the offset where each frame ends. */
struct previous_stack {
    char *text;
    size_t length, capacity;
    uint32_t *nodes;
    size_t *ends;
    size_t depth, frame_capacity;
};

void previous_stack_free(struct previous_stack *previous);
/* How many leading frames of stack (frames separated by separator) are the
 * same text as the previous line's; *node receives the tree node after the
 * last of them (the root when none) and *offset where the next frame starts. */
size_t previous_stack_shared(const struct previous_stack *previous, const char *stack,
                             size_t length, char separator, uint32_t *node, size_t *offset);
/* Records that frame number index of the current line ends at offset end and
 * leads to node. Call for every frame after the shared ones, in order. */
void previous_stack_record(struct previous_stack *previous, size_t index, uint32_t node,
                           size_t end);
/* Keeps the current line's stack (depth frames) for the next line. */
void previous_stack_keep(struct previous_stack *previous, const char *stack, size_t length,
                         size_t depth);

#endif
