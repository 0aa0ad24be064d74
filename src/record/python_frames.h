/* python_frames.h — the profile frame of a Python frame read from a
 * process: named `file:function:line` (austin's spelling; function is the
 * qualified name where the interpreter has one), with file and line kept
 * in the frame, kind FRAME_PYTHON, so every writer can use them.
 *
 * Design: the reader interns its strings (one pointer per distinct name
 * while it is open), so a frame is found by (file pointer, function
 * pointer, line) in an open-addressing table without reading the strings;
 * only a miss formats and interns the name. python_frame_cache_clear()
 * must be called when a reader whose pointers are cached is closed (its
 * addresses may be reused by another reader's strings).
 */
#ifndef EMBER_PYTHON_FRAMES_H
#define EMBER_PYTHON_FRAMES_H

#include "../model/profile.h"

#include <stddef.h>
#include <stdint.h>

struct python_frame_slot;

struct python_frame_cache {
    struct profile *profile; /* not owned */
    struct python_frame_slot *slots;
    size_t slot_mask, used;
};

void python_frame_cache_init(struct python_frame_cache *cache, struct profile *profile);
void python_frame_cache_free(struct python_frame_cache *cache);
void python_frame_cache_clear(struct python_frame_cache *cache);
/* file or function NULL stand for "<unknown>". */
uint32_t python_frame_cache_get(struct python_frame_cache *cache, const char *file,
                                const char *function, uint32_t line);

#endif
