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
 * flamechart set it flows the profile's timeline instead (a flame chart):
 *
 *   - by time, when every timeline entry has a time (perf script with
 *     timestamps, Chrome traces and .cpuprofile, evented speedscope): x is
 *     seconds from the earliest sample (time_origin). Each sample covers
 *     [its time, its end): when the timeline's weights are times (sample
 *     type 0 has a time unit: traces, .cpuprofile, evented speedscope) the
 *     end is time + weight, cut at the lane's next sample; otherwise the
 *     end is the lane's next sample, unless that is more than 1.5 typical
 *     intervals away (the median gap between consecutive samples of a
 *     lane, over all lanes), when the sample covers one typical interval
 *     and the rest stays empty; a lane's last sample covers one typical
 *     interval. A box spans the consecutive samples that share its frame
 *     at its depth, from the first one's time to the last one's end; a
 *     gap in time closes every box, so it shows as a gap in the chart.
 *     Samples are laid out in lanes, one per thread (the timeline's
 *     thread; a time that goes backwards within a thread starts a new
 *     lane, as in a file of several recordings), lanes ordered by their
 *     first sample and stacked one above the other in bands with an empty
 *     row between them (a lane whose boxes are all pruned takes no room);
 *     the root box spans the whole time range.
 *   - in input order otherwise (some time unknown: folded, austin, py-spy):
 *     flamegraph.pl's --flamechart, x is the running sum of the counts.
 *
 * With hotcold set, boxes at or above a frame named OFFCPU_MARKER
 * (model/offcpu.h) are flagged FLAME_BOX_OFFCPU; the marker stays in the
 * stack, so off-CPU stacks never share a box with on-CPU ones above it.
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
#define FLAME_BOX_OFFCPU 4u    /* hotcold: the off-CPU marker is on the box's path */

struct flame_box {
    uint32_t name;  /* string id in the profile, or FLAME_NAME_* */
    uint32_t flags;
    uint32_t depth; /* 0 = root */
    double start, end; /* count units, or seconds from time_origin when timed */
    double delta;
};

struct flame_layout_options {
    size_t sample_type;   /* what is counted */
    long before_type;     /* differential: index of the "before" type, or -1 */
    int flamechart;       /* flow the timeline (by time when it has times) */
    int chain;            /* chain palette's waker rewriting of stacks */
    int hotcold;          /* flag boxes on off-CPU paths (FLAME_BOX_OFFCPU) */
    double min_width;     /* prune boxes narrower than this, in count units */
    double min_width_fraction; /* timed flame chart: prune boxes narrower than
                                  this fraction of the time span */
};

struct flame_layout {
    struct flame_box *boxes; /* kept boxes, in the order they closed */
    size_t box_count, box_capacity;
    double total;            /* the clock at the end: sum of all counts */
    double max_delta;        /* largest |delta| of a stack, at least 1 */
    uint32_t max_depth;      /* deepest kept box */
    /* Flame chart by time: total is the time span in seconds. */
    int timed;               /* x is time */
    double time_origin;      /* the input's time of x = 0, in seconds */
    size_t lane_count;       /* bands drawn: lanes with a box wide enough to keep */
    int durations_known;     /* sample extents came from time weights */
};

/* The flame chart's placement of the timeline by time, for renderers that
 * draw it themselves (the HTML viewer): for timeline entry i, start[i] and
 * end[i] in seconds from origin (end == start: it takes no time and is
 * not drawn) and lane[i], its thread's band in drawing order (0 = lowest).
 * The rules are flame_layout_build's. */
struct flame_chart_times {
    double *start, *end;
    uint32_t *lane;
    size_t count, lane_count;
    double origin, span;
    int durations_known;
};
/* Returns 0 and fills times (free with flame_chart_times_free), or -1
 * when the timeline cannot be drawn by time (no timeline, an entry
 * without time, nothing that takes time). */
int flame_chart_times(const struct profile *profile, struct flame_chart_times *times);
void flame_chart_times_free(struct flame_chart_times *times);

/* Fills layout (zero it first). Returns 0. */
int flame_layout_build(struct flame_layout *layout, const struct profile *profile,
                       const struct flame_layout_options *options);
void flame_layout_free(struct flame_layout *layout);

#endif
