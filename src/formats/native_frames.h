/* native_frames.h — frames for raw code addresses (gperftools profiles):
 * each address is symbolized once with src/record/symbols.c and mapped to a
 * frame of the profile being read. */
#ifndef EMBER_NATIVE_FRAMES_H
#define EMBER_NATIVE_FRAMES_H

#include "../model/profile.h"
#include "../record/symbols.h"

#include <stddef.h>
#include <stdint.h>

struct native_frame_slot;

struct native_frames {
    struct profile *profile;
    struct symbolizer *symbolizer; /* not owned */
    struct native_frame_slot *slots;
    size_t slot_mask, slot_used;
    uint64_t unnamed;              /* addresses without a function name */
};

void native_frames_init(struct native_frames *frames, struct profile *profile,
                        struct symbolizer *symbolizer);
void native_frames_free(struct native_frames *frames);
/* The frame of the code at lookup_address (a return address minus one for
 * callers), named by its function, or "0x<shown_address>" when no symbol
 * covers it. The frame's file is the mapped module's path; kind NATIVE. */
uint32_t native_frames_get(struct native_frames *frames, uint64_t lookup_address,
                           uint64_t shown_address);

#endif
