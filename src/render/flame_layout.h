/* flame_layout.h — where flamegraph.pl would draw each frame.
 *
 * flamegraph.pl sorts its input lines as strings and "flows" them: each
 * line's frames are compared with the previous line's; frames that differ
 * close a box (ending now) and open new ones (starting now); the clock
 * then advances by the line's count. Only *consecutive* lines share boxes,
 * so a frame can end up as two boxes when a sibling whose name extends it
 * sorts between its stacks ("x;foo 1" < "x;foo.isra 1" < "x;foo;bar 1").
 *
 * flame_layout_build() reproduces that exactly without building strings:
 * it walks the call tree depth-first, ordering each node's children by
 * the bytes of "name" + what follows the name in a line (";" when the
 * stack continues, " COUNT" when it ends there), which is the order of a
 * byte-wise sort of whole lines, and flows the stacks it reaches. With
 * flamechart set it flows the profile's timeline in input order instead.
 *
 * The result is a list of boxes (name, depth, start, end in count units,
 * differential delta) with boxes narrower than min_width already dropped,
 * as flamegraph.pl prunes them.
 */
#ifndef EMBER_FLAME_LAYOUT_H
#define EMBER_FLAME_LAYOUT_H

#include "../model/profile.h"

#include <stddef.h>
#include <stdint.h>

/* Special name ids (never string ids of a real profile). */
#define FLAME_NAME_ROOT UINT32_MAX         /* the root box, "all" */
#define FLAME_NAME_DASHES (UINT32_MAX - 1) /* "--" added by the chain palette */

/* Box flags. */
#define FLAME_BOX_WAKER 1u     /* name gets "_[w]" appended (chain palette) */
#define FLAME_BOX_HAS_DELTA 2u /* differential: delta is meaningful */

struct flame_box {
    uint32_t name;  /* string id in the profile, or FLAME_NAME_* */
    uint32_t flags;
    uint32_t depth; /* 0 = root */
    double start, end;
    double delta;
};

struct flame_layout_options {
    size_t sample_type;   /* what is counted */
    long before_type;     /* differential: index of the "before" type, or -1 */
    int flamechart;       /* flow the timeline (input order) */
    int chain;            /* chain palette's waker rewriting of stacks */
    double min_width;     /* prune boxes narrower than this, in count units */
};

struct flame_layout {
    struct flame_box *boxes; /* kept boxes, in the order they closed */
    size_t box_count, box_capacity;
    double total;            /* the clock at the end: sum of all counts */
    double max_delta;        /* largest |delta| of a stack, at least 1 */
    uint32_t max_depth;      /* deepest kept box */
};

/* Fills layout (zero it first). Returns 0. */
int flame_layout_build(struct flame_layout *layout, const struct profile *profile,
                       const struct flame_layout_options *options);
void flame_layout_free(struct flame_layout *layout);

#endif
