/* profile.h — the Profile: the hub every reader fills and every writer reads.
 *
 * Design
 * ------
 * Frames are interned: (name, file or module, line, kind) -> dense 32-bit id,
 * names stored once in the profile's arena. The call tree is a trie kept in
 * one contiguous array of nodes indexed by 32-bit ids; node 0 is the root
 * (it has no frame). Finding or adding the child of a node for a frame is
 * one probe of an open-addressing hash keyed by (parent, frame), so adding a
 * stack of depth d costs O(d) integer probes and never compares strings.
 *
 * Parents with only a few children (most of them) are searched by walking
 * their short sibling list instead: those nodes are usually in cache, while
 * a hash probe into a table of hundreds of thousands of slots is a cache
 * miss, and the tree of a sorted folded file is built without any.
 *
 * A node is always created after its parent, so parent id < child id: totals
 * are computed by one backward pass over the array, no recursion.
 *
 * Values: a profile has one or more sample types (type, unit), like pprof's
 * ("cpu", "nanoseconds"). Each node keeps its *self* value for every type in
 * a dense double array (node * sample_type_count + type); doubles hold the
 * integer counts of every real profile exactly (up to 2^53) and the
 * fractional counts that folded files allow. Totals are derived.
 *
 * Optionally the profile keeps a timeline: the sequence of (time, thread,
 * node, weight) samples in input order, for flame charts.
 *
 * Ownership: profile_create() allocates, profile_destroy() frees everything,
 * including every string returned by accessors.
 */
#ifndef EMBER_PROFILE_H
#define EMBER_PROFILE_H

#include "arena.h"
#include "intern.h"
#include "../util/hash.h"

#include <stddef.h>
#include <stdint.h>

#define PROFILE_NONE UINT32_MAX
#define PROFILE_ROOT 0u

enum frame_kind {
    FRAME_UNKNOWN = 0,
    FRAME_NATIVE,
    FRAME_KERNEL,
    FRAME_INLINED,
    FRAME_PYTHON,
    FRAME_GO,
    FRAME_JIT,
    FRAME_KIND_COUNT
};

struct frame {
    uint32_t name;  /* string id */
    uint32_t file;  /* string id of the source file or module, PROFILE_NONE if unknown */
    uint32_t line;  /* 0 if unknown */
    uint32_t kind;  /* enum frame_kind */
};

struct tree_node {
    uint32_t parent;       /* PROFILE_NONE for the root */
    uint32_t frame;        /* PROFILE_NONE for the root */
    uint32_t first_child;  /* PROFILE_NONE when a leaf; newest child first */
    uint32_t next_sibling; /* PROFILE_NONE when last */
    uint32_t depth;        /* root is 0 */
    uint32_t child_count;
};

/* A slot of the (parent, frame) -> child hash, used for parents with more
 * than PROFILE_SMALL_FANOUT children; narrower parents are searched through
 * their sibling list. */
struct child_slot {
    uint64_t key;  /* parent << 32 | frame */
    uint32_t node; /* PROFILE_NONE when empty */
};
#define PROFILE_SMALL_FANOUT 4u

struct sample_type {
    uint32_t type; /* string id, e.g. "samples", "cpu", "alloc_space" */
    uint32_t unit; /* string id, e.g. "count", "nanoseconds", "bytes" */
};

struct label {
    uint32_t key;   /* string id */
    uint32_t value; /* string id */
};

struct timeline_entry {
    double time;     /* seconds; NAN when unknown */
    uint32_t thread; /* string id of the thread/process name, PROFILE_NONE if unknown */
    uint32_t node;
    double weight;   /* value of sample type 0 */
};

struct profile {
    struct arena arena;
    struct intern_table strings;

    struct frame *frames;
    size_t frame_count, frame_capacity;
    uint32_t *frame_slots; /* open addressing over frame ids */
    size_t frame_slot_mask;

    struct tree_node *nodes;
    size_t node_count, node_capacity;
    struct child_slot *child_slots; /* open addressing (parent, frame) -> node, */
    size_t child_slot_mask;         /* only for parents with many children */
    size_t child_slot_count;

    double *self_values; /* node_count * sample_type_count */
    struct sample_type *sample_types;
    size_t sample_type_count;
    size_t default_sample_type; /* what views draw unless told otherwise */

    /* Set when the profile is differential (flamegraph.pl's two-count folded
     * lines): sample type 0 holds the AFTER counts, the shape drawn, and a
     * type named "before" holds the BEFORE counts. */
    int differential;

    int keep_timeline; /* set before reading to record the timeline */
    struct timeline_entry *timeline;
    size_t timeline_count, timeline_capacity;

    struct label *labels;
    size_t label_count, label_capacity;
    double start_time, end_time; /* seconds since the epoch; 0 when unknown */
    double period;               /* sampling period in its unit; 0 when unknown */
    uint32_t period_type;        /* string id or PROFILE_NONE */
};

struct profile *profile_create(void);
/* A new profile with source's sample types (same indices), default sample
 * type, differential flag, timeline setting, times, period and labels, and
 * no frames or stacks: what transforms (filter, reverse) fill. */
struct profile *profile_create_like(const struct profile *source);
void profile_destroy(struct profile *profile);

/* Strings. */
uint32_t profile_intern(struct profile *profile, const char *bytes, size_t length);
uint32_t profile_intern_cstring(struct profile *profile, const char *string);
static inline const char *profile_string(const struct profile *profile, uint32_t id)
{
    return intern_string(&profile->strings, id);
}
static inline uint32_t profile_string_length(const struct profile *profile, uint32_t id)
{
    return intern_length(&profile->strings, id);
}

/* Sample types. Adding one after nodes exist re-lays the value array.
 * Returns the type's index; an existing (type, unit) returns its index. */
size_t profile_add_sample_type(struct profile *profile, const char *type, const char *unit);
/* Index of the sample type named type, or -1. */
long profile_find_sample_type(const struct profile *profile, const char *type);
/* Resolves --sample-type: a type name (e.g. "alloc_space") or an index.
 * NULL or "" selects profile->default_sample_type. Returns the index, or -1
 * when there is no such type. */
long profile_resolve_sample_type(const struct profile *profile, const char *name_or_index);

/* Frames. */
uint32_t profile_frame(struct profile *profile, uint32_t name, uint32_t file, uint32_t line,
                       enum frame_kind kind);
/* Shorthand: a frame with only a name. */
uint32_t profile_frame_named(struct profile *profile, const char *bytes, size_t length,
                             enum frame_kind kind);
static inline const char *profile_frame_name(const struct profile *profile, uint32_t frame)
{
    return profile_string(profile, profile->frames[frame].name);
}
static inline uint32_t profile_frame_name_length(const struct profile *profile, uint32_t frame)
{
    return profile_string_length(profile, profile->frames[frame].name);
}

/* Tree. The lookups are inline: readers call them for every frame. */
static inline uint64_t profile_child_key(uint32_t parent, uint32_t frame)
{
    return ((uint64_t)parent << 32) | frame;
}
/* Returns the child or PROFILE_NONE without adding it. */
static inline uint32_t profile_find_child(const struct profile *profile, uint32_t parent,
                                          uint32_t frame)
{
    const struct tree_node *parent_node = &profile->nodes[parent];
    if (parent_node->child_count <= PROFILE_SMALL_FANOUT) {
        for (uint32_t child = parent_node->first_child; child != PROFILE_NONE;
             child = profile->nodes[child].next_sibling)
            if (profile->nodes[child].frame == frame)
                return child;
        return PROFILE_NONE;
    }
    uint64_t key = profile_child_key(parent, frame);
    size_t position = hash_mix64(key) & profile->child_slot_mask;
    for (;;) {
        const struct child_slot *slot = &profile->child_slots[position];
        if (slot->node == PROFILE_NONE || slot->key == key)
            return slot->node;
        position = (position + 1) & profile->child_slot_mask;
    }
}
/* Adds a child that parent does not have yet (the caller has looked) and
 * returns it. */
uint32_t profile_add_new_child(struct profile *profile, uint32_t parent, uint32_t frame);
/* The child of parent for frame, added if missing. */
static inline uint32_t profile_child(struct profile *profile, uint32_t parent, uint32_t frame)
{
    uint32_t existing = profile_find_child(profile, parent, frame);
    return existing != PROFILE_NONE ? existing : profile_add_new_child(profile, parent, frame);
}
/* Adds a stack given root-first and returns its leaf node. */
uint32_t profile_add_stack(struct profile *profile, const uint32_t *frames_root_first,
                           size_t depth);
static inline void profile_add_value(struct profile *profile, uint32_t node, size_t type,
                                     double value)
{
    profile->self_values[(size_t)node * profile->sample_type_count + type] += value;
}
static inline double profile_self_value(const struct profile *profile, uint32_t node,
                                        size_t type)
{
    return profile->self_values[(size_t)node * profile->sample_type_count + type];
}
/* Fills totals[node] (caller allocates node_count doubles) for one type. */
void profile_total_values(const struct profile *profile, size_t type, double *totals);
/* Sum of self values of one type over the whole profile. */
double profile_grand_total(const struct profile *profile, size_t type);

/* Timeline. */
void profile_timeline_append(struct profile *profile, double time, uint32_t thread,
                             uint32_t node, double weight);

/* Labels (metadata, e.g. "service" = "api"). */
void profile_add_label(struct profile *profile, const char *key, const char *value);

/* Copies a string id (PROFILE_NONE stays PROFILE_NONE) or a frame of source
 * into destination and returns its id there. */
uint32_t profile_import_string(struct profile *destination, const struct profile *source,
                               uint32_t string);
uint32_t profile_import_frame(struct profile *destination, const struct profile *source,
                              uint32_t frame);

/* Merge: adds every stack and value of source into destination. Sample types
 * are matched by (type, unit); types missing in destination are added. */
void profile_merge(struct profile *destination, const struct profile *source);

/* Deterministic ordering.
 *
 * profile_root_path() writes the frames from the root down to node into
 * path (capacity node depth) and returns the depth.
 *
 * profile_sort_stacks() sorts nodes the way a byte-wise sort of their folded
 * strings "a;b;c" would order them (the order of stackcollapse-perf.pl's
 * output and of flamegraph.pl's sorted input), without building the strings.
 *
 * profile_sorted_children() fills children (capacity: number of children)
 * with node's children ordered by frame name bytes, then file, line and kind;
 * returns how many. */
size_t profile_root_path(const struct profile *profile, uint32_t node, uint32_t *path);
void profile_sort_stacks(const struct profile *profile, uint32_t *nodes, size_t count);
size_t profile_sorted_children(const struct profile *profile, uint32_t node, uint32_t *children);
size_t profile_child_count(const struct profile *profile, uint32_t node);
uint32_t profile_max_depth(const struct profile *profile);

#endif
