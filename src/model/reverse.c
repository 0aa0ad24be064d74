/* reverse.c — builds the stack-reversed copy of a profile; see reverse.h. */
#include "reverse.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

/* Fills path with node's stack reversed, as frames of the reversed
 * profile, without trailing empty names; returns its depth. */
static size_t reversed_path(const struct profile *source, const struct profile *reversed,
                            const uint32_t *frame_map, uint32_t node, uint32_t *path)
{
    size_t depth = profile_root_path(source, node, path);
    for (size_t i = 0; i < depth / 2; i++) {
        uint32_t swap = path[i];
        path[i] = path[depth - 1 - i];
        path[depth - 1 - i] = swap;
    }
    for (size_t i = 0; i < depth; i++)
        path[i] = frame_map[path[i]];
    while (depth > 0 && profile_frame_name_length(reversed, path[depth - 1]) == 0)
        depth--;
    return depth;
}

struct profile *profile_reverse(const struct profile *source)
{
    struct profile *reversed = profile_create_like(source);

    /* Frame ids map one to one; copy them all in order. */
    uint32_t *frame_map = xmalloc((source->frame_count + 1) * sizeof *frame_map);
    for (size_t frame = 0; frame < source->frame_count; frame++)
        frame_map[frame] = profile_import_frame(reversed, source, (uint32_t)frame);

    /* node_map[node] = the reversed stack's node, for the timeline. */
    uint32_t *node_map = xmalloc(source->node_count * sizeof *node_map);
    uint32_t *path = xmalloc((profile_max_depth(source) + 1) * sizeof *path);
    size_t stride = source->sample_type_count;
    for (uint32_t node = 0; node < source->node_count; node++) {
        int has_value = 0;
        for (size_t type = 0; type < stride; type++)
            if (source->self_values[(size_t)node * stride + type] != 0)
                has_value = 1;
        int is_leaf = source->nodes[node].first_child == PROFILE_NONE;
        if (!has_value && !is_leaf && node != PROFILE_ROOT) {
            node_map[node] = PROFILE_NONE;
            continue;
        }
        size_t depth = reversed_path(source, reversed, frame_map, node, path);
        uint32_t target = profile_add_stack(reversed, path, depth);
        node_map[node] = target;
        for (size_t type = 0; type < stride; type++)
            profile_add_value(reversed, target, type, source->self_values[(size_t)node * stride + type]);
    }
    for (size_t i = 0; i < source->timeline_count; i++) {
        const struct timeline_entry *entry = &source->timeline[i];
        uint32_t thread = profile_import_string(reversed, source, entry->thread);
        uint32_t node = node_map[entry->node];
        if (node == PROFILE_NONE) {
            /* A timeline entry through a node without value: reverse it now. */
            size_t depth = reversed_path(source, reversed, frame_map, entry->node, path);
            node = profile_add_stack(reversed, path, depth);
        }
        profile_timeline_append(reversed, entry->time, thread, node, entry->weight);
    }
    free(path);
    free(node_map);
    free(frame_map);
    return reversed;
}
