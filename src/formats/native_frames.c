/* native_frames.c — address -> frame cache over the ELF symbolizer; see
 * native_frames.h. */
#include "native_frames.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct native_frame_slot {
    uint64_t address;
    uint32_t frame; /* PROFILE_NONE when empty */
};

static void allocate(struct native_frames *frames, size_t count)
{
    frames->slots = xmalloc(count * sizeof *frames->slots);
    for (size_t i = 0; i < count; i++)
        frames->slots[i].frame = PROFILE_NONE;
    frames->slot_mask = count - 1;
}

void native_frames_init(struct native_frames *frames, struct profile *profile,
                        struct symbolizer *symbolizer)
{
    memset(frames, 0, sizeof *frames);
    frames->profile = profile;
    frames->symbolizer = symbolizer;
    allocate(frames, 1024);
}

void native_frames_free(struct native_frames *frames)
{
    free(frames->slots);
    frames->slots = NULL;
}

static size_t find_slot(const struct native_frames *frames, uint64_t address)
{
    size_t position = hash_mix64(address) & frames->slot_mask;
    while (frames->slots[position].frame != PROFILE_NONE &&
           frames->slots[position].address != address)
        position = (position + 1) & frames->slot_mask;
    return position;
}

uint32_t native_frames_get(struct native_frames *frames, uint64_t lookup_address,
                           uint64_t shown_address)
{
    size_t position = find_slot(frames, lookup_address);
    if (frames->slots[position].frame != PROFILE_NONE)
        return frames->slots[position].frame;
    struct profile *profile = frames->profile;
    struct symbol_info info;
    uint32_t name;
    if (symbolizer_lookup(frames->symbolizer, lookup_address, &info)) {
        name = profile_intern_cstring(profile, info.function);
    } else {
        char text[32];
        int length = snprintf(text, sizeof text, "0x%" PRIx64, shown_address);
        name = profile_intern(profile, text, (size_t)length);
        frames->unnamed++;
    }
    uint32_t file = info.module ? profile_intern_cstring(profile, info.module) : PROFILE_NONE;
    uint32_t frame = profile_frame(profile, name, file, 0, FRAME_NATIVE);
    if ((frames->slot_used + 1) * 2 > frames->slot_mask + 1) {
        struct native_frame_slot *old = frames->slots;
        size_t old_count = frames->slot_mask + 1;
        allocate(frames, old_count * 2);
        for (size_t i = 0; i < old_count; i++)
            if (old[i].frame != PROFILE_NONE)
                frames->slots[find_slot(frames, old[i].address)] = old[i];
        free(old);
        position = find_slot(frames, lookup_address);
    }
    frames->slots[position] = (struct native_frame_slot){lookup_address, frame};
    frames->slot_used++;
    return frame;
}
