/* profile.c — frames, call tree, sample types and merge; see profile.h. */
#define _GNU_SOURCE /* qsort_r */
#include "profile.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t frame_hash(const struct frame *frame)
{
    uint64_t a = ((uint64_t)frame->name << 32) | frame->file;
    uint64_t b = ((uint64_t)frame->line << 32) | frame->kind;
    return hash_mix64(a * 0x9e3779b97f4a7c15ULL ^ hash_mix64(b));
}

static void allocate_frame_slots(struct profile *profile, size_t slot_count)
{
    profile->frame_slots = xmalloc(slot_count * sizeof *profile->frame_slots);
    memset(profile->frame_slots, 0xff, slot_count * sizeof *profile->frame_slots);
    profile->frame_slot_mask = slot_count - 1;
}

static void allocate_child_slots(struct profile *profile, size_t slot_count)
{
    profile->child_slots = xmalloc(slot_count * sizeof *profile->child_slots);
    for (size_t i = 0; i < slot_count; i++)
        profile->child_slots[i].node = PROFILE_NONE;
    profile->child_slot_mask = slot_count - 1;
}

struct profile *profile_create(void)
{
    struct profile *profile = xcalloc(1, sizeof *profile);
    arena_init(&profile->arena);
    intern_init(&profile->strings, &profile->arena);
    allocate_frame_slots(profile, 1024);
    allocate_child_slots(profile, 1024);
    profile->period_type = PROFILE_NONE;
    GROW(profile->nodes, profile->node_capacity, 1);
    profile->nodes[0] = (struct tree_node){PROFILE_NONE, PROFILE_NONE, PROFILE_NONE,
                                           PROFILE_NONE, 0, 0};
    profile->node_count = 1;
    return profile;
}

void profile_destroy(struct profile *profile)
{
    if (!profile)
        return;
    intern_free(&profile->strings);
    arena_free(&profile->arena);
    free(profile->frames);
    free(profile->frame_slots);
    free(profile->nodes);
    free(profile->child_slots);
    free(profile->self_values);
    free(profile->sample_types);
    free(profile->timeline);
    free(profile->labels);
    free(profile);
}

uint32_t profile_intern(struct profile *profile, const char *bytes, size_t length)
{
    return intern_bytes(&profile->strings, bytes, length);
}

uint32_t profile_intern_cstring(struct profile *profile, const char *string)
{
    return intern_bytes(&profile->strings, string, strlen(string));
}

/* ---- sample types ---- */

long profile_find_sample_type(const struct profile *profile, const char *type)
{
    for (size_t i = 0; i < profile->sample_type_count; i++)
        if (strcmp(profile_string(profile, profile->sample_types[i].type), type) == 0)
            return (long)i;
    return -1;
}

long profile_resolve_sample_type(const struct profile *profile, const char *name_or_index)
{
    if (!name_or_index || !*name_or_index)
        return profile->default_sample_type < profile->sample_type_count
                   ? (long)profile->default_sample_type
                   : -1;
    long index = profile_find_sample_type(profile, name_or_index);
    if (index >= 0)
        return index;
    char *end;
    long number = strtol(name_or_index, &end, 10);
    if (*end == '\0' && number >= 0 && (size_t)number < profile->sample_type_count)
        return number;
    return -1;
}

size_t profile_add_sample_type(struct profile *profile, const char *type, const char *unit)
{
    uint32_t type_id = profile_intern_cstring(profile, type);
    uint32_t unit_id = profile_intern_cstring(profile, unit);
    for (size_t i = 0; i < profile->sample_type_count; i++)
        if (profile->sample_types[i].type == type_id && profile->sample_types[i].unit == unit_id)
            return i;
    size_t old_count = profile->sample_type_count;
    size_t new_count = old_count + 1;
    profile->sample_types = xrealloc(profile->sample_types,
                                     new_count * sizeof *profile->sample_types);
    profile->sample_types[old_count] = (struct sample_type){type_id, unit_id};
    /* Re-lay the values: node-major with the new stride. */
    double *values = xcalloc(profile->node_capacity * new_count, sizeof *values);
    for (size_t node = 0; node < profile->node_count; node++)
        for (size_t t = 0; t < old_count; t++)
            values[node * new_count + t] = profile->self_values[node * old_count + t];
    free(profile->self_values);
    profile->self_values = values;
    profile->sample_type_count = new_count;
    return old_count;
}

/* ---- frames ---- */

static void rehash_frames(struct profile *profile)
{
    free(profile->frame_slots);
    allocate_frame_slots(profile, (profile->frame_slot_mask + 1) * 2);
    for (uint32_t id = 0; id < profile->frame_count; id++) {
        size_t position = frame_hash(&profile->frames[id]) & profile->frame_slot_mask;
        while (profile->frame_slots[position] != PROFILE_NONE)
            position = (position + 1) & profile->frame_slot_mask;
        profile->frame_slots[position] = id;
    }
}

uint32_t profile_frame(struct profile *profile, uint32_t name, uint32_t file, uint32_t line,
                       enum frame_kind kind)
{
    struct frame wanted = {name, file, line, (uint32_t)kind};
    size_t position = frame_hash(&wanted) & profile->frame_slot_mask;
    for (;;) {
        uint32_t id = profile->frame_slots[position];
        if (id == PROFILE_NONE)
            break;
        const struct frame *frame = &profile->frames[id];
        if (frame->name == name && frame->file == file && frame->line == line &&
            frame->kind == (uint32_t)kind)
            return id;
        position = (position + 1) & profile->frame_slot_mask;
    }
    uint32_t id = (uint32_t)profile->frame_count;
    GROW(profile->frames, profile->frame_capacity, profile->frame_count + 1);
    profile->frames[id] = wanted;
    profile->frame_count++;
    profile->frame_slots[position] = id;
    if (profile->frame_count * 2 > profile->frame_slot_mask + 1)
        rehash_frames(profile);
    return id;
}

uint32_t profile_frame_named(struct profile *profile, const char *bytes, size_t length,
                             enum frame_kind kind)
{
    return profile_frame(profile, profile_intern(profile, bytes, length), PROFILE_NONE, 0, kind);
}

/* ---- tree ---- */

static void rehash_children(struct profile *profile)
{
    struct child_slot *old_slots = profile->child_slots;
    size_t old_count = profile->child_slot_mask + 1;
    allocate_child_slots(profile, old_count * 2);
    for (size_t i = 0; i < old_count; i++) {
        if (old_slots[i].node == PROFILE_NONE)
            continue;
        size_t position = hash_mix64(old_slots[i].key) & profile->child_slot_mask;
        while (profile->child_slots[position].node != PROFILE_NONE)
            position = (position + 1) & profile->child_slot_mask;
        profile->child_slots[position] = old_slots[i];
    }
    free(old_slots);
}

static void insert_child_slot(struct profile *profile, uint32_t parent, uint32_t frame,
                              uint32_t node)
{
    uint64_t key = profile_child_key(parent, frame);
    size_t position = hash_mix64(key) & profile->child_slot_mask;
    while (profile->child_slots[position].node != PROFILE_NONE)
        position = (position + 1) & profile->child_slot_mask;
    profile->child_slots[position] = (struct child_slot){key, node};
    profile->child_slot_count++;
    if (profile->child_slot_count * 2 > profile->child_slot_mask + 1)
        rehash_children(profile);
}

uint32_t profile_add_new_child(struct profile *profile, uint32_t parent, uint32_t frame)
{
    uint32_t node = (uint32_t)profile->node_count;
    if (profile->node_count == profile->node_capacity) {
        size_t old_capacity = profile->node_capacity;
        GROW(profile->nodes, profile->node_capacity, profile->node_count + 1);
        size_t stride = profile->sample_type_count;
        profile->self_values = xrealloc(profile->self_values,
                                        profile->node_capacity * (stride ? stride : 1) *
                                            sizeof *profile->self_values);
        memset(profile->self_values + old_capacity * stride, 0,
               (profile->node_capacity - old_capacity) * stride * sizeof *profile->self_values);
    }
    struct tree_node *parent_node = &profile->nodes[parent];
    /* Children are linked newest first (O(1) insert); insertion order is
     * still known because ids increase, and profile_sorted_children() gives
     * the deterministic order. */
    profile->nodes[node] = (struct tree_node){parent, frame, PROFILE_NONE,
                                              parent_node->first_child, parent_node->depth + 1, 0};
    parent_node->first_child = node;
    parent_node->child_count++;
    profile->node_count++;
    if (parent_node->child_count == PROFILE_SMALL_FANOUT + 1) {
        for (uint32_t child = node; child != PROFILE_NONE;
             child = profile->nodes[child].next_sibling)
            insert_child_slot(profile, parent, profile->nodes[child].frame, child);
    } else if (parent_node->child_count > PROFILE_SMALL_FANOUT + 1) {
        insert_child_slot(profile, parent, frame, node);
    }
    return node;
}

uint32_t profile_add_stack(struct profile *profile, const uint32_t *frames_root_first,
                           size_t depth)
{
    uint32_t node = PROFILE_ROOT;
    for (size_t i = 0; i < depth; i++)
        node = profile_child(profile, node, frames_root_first[i]);
    return node;
}

void profile_total_values(const struct profile *profile, size_t type, double *totals)
{
    size_t stride = profile->sample_type_count;
    for (size_t node = 0; node < profile->node_count; node++)
        totals[node] = stride ? profile->self_values[node * stride + type] : 0;
    for (size_t node = profile->node_count; node-- > 1;)
        totals[profile->nodes[node].parent] += totals[node];
}

double profile_grand_total(const struct profile *profile, size_t type)
{
    double total = 0;
    size_t stride = profile->sample_type_count;
    if (!stride)
        return 0;
    for (size_t node = 0; node < profile->node_count; node++)
        total += profile->self_values[node * stride + type];
    return total;
}

size_t profile_child_count(const struct profile *profile, uint32_t node)
{
    return profile->nodes[node].child_count;
}

uint32_t profile_max_depth(const struct profile *profile)
{
    uint32_t max_depth = 0;
    for (size_t node = 0; node < profile->node_count; node++)
        if (profile->nodes[node].depth > max_depth)
            max_depth = profile->nodes[node].depth;
    return max_depth;
}

/* ---- timeline and labels ---- */

void profile_timeline_append(struct profile *profile, double time, uint32_t thread,
                             uint32_t node, double weight)
{
    GROW(profile->timeline, profile->timeline_capacity, profile->timeline_count + 1);
    profile->timeline[profile->timeline_count++] = (struct timeline_entry){time, thread, node,
                                                                           weight};
}

void profile_add_label(struct profile *profile, const char *key, const char *value)
{
    GROW(profile->labels, profile->label_capacity, profile->label_count + 1);
    profile->labels[profile->label_count++] = (struct label){
        profile_intern_cstring(profile, key), profile_intern_cstring(profile, value)};
}

/* ---- merge ---- */

uint32_t profile_import_string(struct profile *destination, const struct profile *source,
                               uint32_t string)
{
    if (string == PROFILE_NONE)
        return PROFILE_NONE;
    return profile_intern(destination, profile_string(source, string),
                          profile_string_length(source, string));
}

uint32_t profile_import_frame(struct profile *destination, const struct profile *source,
                              uint32_t frame)
{
    const struct frame *original = &source->frames[frame];
    return profile_frame(destination, profile_import_string(destination, source, original->name),
                         profile_import_string(destination, source, original->file),
                         original->line, (enum frame_kind)original->kind);
}

struct profile *profile_create_like(const struct profile *source)
{
    struct profile *copy = profile_create();
    for (size_t type = 0; type < source->sample_type_count; type++)
        profile_add_sample_type(copy, profile_string(source, source->sample_types[type].type),
                                profile_string(source, source->sample_types[type].unit));
    copy->default_sample_type = source->default_sample_type;
    copy->differential = source->differential;
    copy->keep_timeline = source->keep_timeline;
    copy->start_time = source->start_time;
    copy->end_time = source->end_time;
    copy->period = source->period;
    copy->period_type = profile_import_string(copy, source, source->period_type);
    for (size_t i = 0; i < source->label_count; i++)
        profile_add_label(copy, profile_string(source, source->labels[i].key),
                          profile_string(source, source->labels[i].value));
    return copy;
}

void profile_merge(struct profile *destination, const struct profile *source)
{
    size_t *type_map = xmalloc((source->sample_type_count + 1) * sizeof *type_map);
    for (size_t t = 0; t < source->sample_type_count; t++)
        type_map[t] = profile_add_sample_type(
            destination, profile_string(source, source->sample_types[t].type),
            profile_string(source, source->sample_types[t].unit));

    uint32_t *frame_map = xmalloc((source->frame_count + 1) * sizeof *frame_map);
    for (size_t f = 0; f < source->frame_count; f++)
        frame_map[f] = profile_import_frame(destination, source, (uint32_t)f);

    /* A node's parent comes before it (ids grow down the tree). Below a node
     * new to destination everything is new: no lookup, which is most of the
     * cost of merging a large tree (each lookup a cache miss). */
    uint32_t *node_map = xmalloc(source->node_count * sizeof *node_map);
    unsigned char *fresh = xcalloc(source->node_count, 1);
    node_map[0] = PROFILE_ROOT;
    for (size_t node = 1; node < source->node_count; node++) {
        const struct tree_node *tree_node = &source->nodes[node];
        uint32_t parent = node_map[tree_node->parent];
        uint32_t frame = frame_map[tree_node->frame];
        if (fresh[tree_node->parent]) {
            node_map[node] = profile_add_new_child(destination, parent, frame);
            fresh[node] = 1;
        } else {
            uint32_t existing = profile_find_child(destination, parent, frame);
            fresh[node] = existing == PROFILE_NONE;
            node_map[node] = fresh[node] ? profile_add_new_child(destination, parent, frame) : existing;
        }
    }
    free(fresh);
    for (size_t node = 0; node < source->node_count; node++)
        for (size_t t = 0; t < source->sample_type_count; t++) {
            double value = profile_self_value(source, (uint32_t)node, t);
            if (value != 0)
                profile_add_value(destination, node_map[node], type_map[t], value);
        }
    if (source->differential)
        destination->differential = 1;
    for (size_t i = 0; i < source->timeline_count; i++) {
        const struct timeline_entry *entry = &source->timeline[i];
        profile_timeline_append(destination, entry->time,
                                profile_import_string(destination, source, entry->thread),
                                node_map[entry->node], entry->weight);
    }
    for (size_t i = 0; i < source->label_count; i++)
        profile_add_label(destination, profile_string(source, source->labels[i].key),
                          profile_string(source, source->labels[i].value));
    free(node_map);
    free(frame_map);
    free(type_map);
}

/* ---- ordering ---- */

size_t profile_root_path(const struct profile *profile, uint32_t node, uint32_t *path)
{
    size_t depth = profile->nodes[node].depth;
    for (size_t i = depth; i-- > 0;) {
        path[i] = profile->nodes[node].frame;
        node = profile->nodes[node].parent;
    }
    return depth;
}

/* Sorting stacks the way a byte-wise sort of their strings "a;b;c" would.
 *
 * Every stack string in the subtree of a node p starts with p's string. Among
 * p's children, a child c contributes two groups of strings: c's own string
 * (p's, then c's name, then the end) and those of c's descendants (p's, c's
 * name, then ';'). Each group is contiguous in the sorted order, and two
 * groups compare like their keys "name + END" and "name + ';'" do, END being
 * below every byte. So a walk that sorts each node's 2 * children keys and
 * visits them in order emits the stacks in sorted order without ever
 * building or comparing whole strings: "x;foo", then "x;foo.isra..." (since
 * '.' < ';'), then "x;foo;..." falls out of the key order. */

enum { KEY_SELF = 0, KEY_DESCENDANTS = 1 };

static int compare_group_keys(const void *left, const void *right, void *profile_pointer)
{
    const struct profile *profile = profile_pointer;
    uint32_t key_a = *(const uint32_t *)left, key_b = *(const uint32_t *)right;
    uint32_t node_a = key_a >> 1, node_b = key_b >> 1;
    uint32_t frame_a = profile->nodes[node_a].frame, frame_b = profile->nodes[node_b].frame;
    if (frame_a != frame_b) {
        uint32_t length_a = profile_frame_name_length(profile, frame_a);
        uint32_t length_b = profile_frame_name_length(profile, frame_b);
        const char *name_a = profile_frame_name(profile, frame_a);
        const char *name_b = profile_frame_name(profile, frame_b);
        uint32_t common = length_a < length_b ? length_a : length_b;
        int result = memcmp(name_a, name_b, common);
        if (result)
            return result;
        /* One name is a prefix of the other: compare the next "byte", where
         * the group's terminator is END (-1) or ';'. */
        int next_a = length_a > common ? (unsigned char)name_a[common]
                                       : ((key_a & 1) == KEY_SELF ? -1 : ';');
        int next_b = length_b > common ? (unsigned char)name_b[common]
                                       : ((key_b & 1) == KEY_SELF ? -1 : ';');
        if (next_a != next_b)
            return next_a < next_b ? -1 : 1;
    }
    /* Same name (or a ';' inside a name): a stable, deterministic order. */
    if ((key_a & 1) != (key_b & 1))
        return (key_a & 1) < (key_b & 1) ? -1 : 1;
    return node_a < node_b ? -1 : node_a > node_b;
}

struct sort_walk_level {
    size_t start, count, next; /* a run of keys in the keys array */
};

void profile_sort_stacks(const struct profile *profile, uint32_t *nodes, size_t count)
{
    if (count < 2)
        return;
    unsigned char *wanted = xcalloc(profile->node_count, 1);
    for (size_t i = 0; i < count; i++)
        wanted[nodes[i]]++;
    uint32_t *keys = NULL;
    size_t key_count = 0, key_capacity = 0;
    struct sort_walk_level *levels = NULL;
    size_t level_count = 0, level_capacity = 0;
    size_t emitted = 0;

    for (; wanted[PROFILE_ROOT]; wanted[PROFILE_ROOT]--)
        nodes[emitted++] = PROFILE_ROOT;
    uint32_t expand = PROFILE_ROOT;
    for (;;) {
        if (expand != PROFILE_NONE) {
            /* Push the sorted keys of expand's children. */
            size_t children = profile->nodes[expand].child_count;
            GROW(keys, key_capacity, key_count + 2 * children);
            size_t start = key_count;
            for (uint32_t child = profile->nodes[expand].first_child; child != PROFILE_NONE;
                 child = profile->nodes[child].next_sibling) {
                keys[key_count++] = child << 1 | KEY_SELF;
                if (profile->nodes[child].first_child != PROFILE_NONE)
                    keys[key_count++] = child << 1 | KEY_DESCENDANTS;
            }
            qsort_r(keys + start, key_count - start, sizeof *keys, compare_group_keys,
                    (void *)profile);
            GROW(levels, level_capacity, level_count + 1);
            levels[level_count++] = (struct sort_walk_level){start, key_count - start, 0};
            expand = PROFILE_NONE;
        }
        if (level_count == 0)
            break;
        struct sort_walk_level *level = &levels[level_count - 1];
        if (level->next == level->count) {
            key_count = level->start;
            level_count--;
            continue;
        }
        uint32_t key = keys[level->start + level->next++];
        uint32_t node = key >> 1;
        if ((key & 1) == KEY_SELF) {
            for (; wanted[node]; wanted[node]--)
                nodes[emitted++] = node;
        } else {
            expand = node;
        }
    }
    free(levels);
    free(keys);
    free(wanted);
}

static int compare_frames(const struct profile *profile, uint32_t frame_a, uint32_t frame_b)
{
    const struct frame *a = &profile->frames[frame_a], *b = &profile->frames[frame_b];
    uint32_t length_a = profile_string_length(profile, a->name);
    uint32_t length_b = profile_string_length(profile, b->name);
    int result = memcmp(profile_string(profile, a->name), profile_string(profile, b->name),
                        length_a < length_b ? length_a : length_b);
    if (result)
        return result;
    if (length_a != length_b)
        return length_a < length_b ? -1 : 1;
    if (a->file != b->file) {
        if (a->file == PROFILE_NONE || b->file == PROFILE_NONE)
            return a->file == PROFILE_NONE ? -1 : 1;
        result = strcmp(profile_string(profile, a->file), profile_string(profile, b->file));
        if (result)
            return result;
    }
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return frame_a < frame_b ? -1 : frame_a > frame_b;
}

static int compare_child_nodes(const void *left, const void *right, void *profile_pointer)
{
    const struct profile *profile = profile_pointer;
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    return compare_frames(profile, profile->nodes[a].frame, profile->nodes[b].frame);
}

size_t profile_sorted_children(const struct profile *profile, uint32_t node, uint32_t *children)
{
    size_t count = 0;
    for (uint32_t child = profile->nodes[node].first_child; child != PROFILE_NONE;
         child = profile->nodes[child].next_sibling)
        children[count++] = child;
    qsort_r(children, count, sizeof *children, compare_child_nodes, (void *)profile);
    return count;
}
