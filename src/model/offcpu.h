/* offcpu.h — the marker frame that tells off-CPU stacks from on-CPU ones.
 *
 * A stack is off-CPU (time spent blocked, as bcc's offcputime or perf's
 * --off-cpu measure it) when one of its frames is named OFFCPU_MARKER,
 * conventionally its first (root) frame: "[off-cpu];app;main;read 4200"
 * in a folded file. A recorder of off-CPU time puts the marker there; a
 * user combining an on-CPU and an off-CPU folded file prefixes the
 * off-CPU lines with it. Because the marker is an ordinary frame, every
 * format keeps it, and stacks below it never merge with on-CPU stacks
 * (Gregg's hot/cold flame graphs keep the two kinds apart the same way).
 * Renderers colour the marker and everything above it cold (--colors
 * hotcold, chosen automatically when the marker is present).
 */
#ifndef EMBER_OFFCPU_H
#define EMBER_OFFCPU_H

#include "profile.h"

#define OFFCPU_MARKER "[off-cpu]"
#define OFFCPU_MARKER_LENGTH (sizeof OFFCPU_MARKER - 1)

/* The marker's string id in profile, or PROFILE_NONE when no string of
 * the profile is the marker. */
static inline uint32_t offcpu_marker_name(const struct profile *profile)
{
    uint32_t id = intern_find(&profile->strings, OFFCPU_MARKER, OFFCPU_MARKER_LENGTH);
    return id == UINT32_MAX ? PROFILE_NONE : id;
}

/* 1 when some frame of profile is named OFFCPU_MARKER. */
static inline int offcpu_marker_present(const struct profile *profile)
{
    uint32_t name = offcpu_marker_name(profile);
    if (name == PROFILE_NONE)
        return 0;
    for (size_t i = 0; i < profile->frame_count; i++)
        if (profile->frames[i].name == name)
            return 1;
    return 0;
}

#endif
