/* flamebearer.c — Pyroscope's "flamebearer" JSON (the body of its /render
 * answer), written for ember's server and HTML viewer and for tools that
 * read Pyroscope's format.
 *
 * Layout (Pyroscope v0.x, formats.md §2.4): levels[d] lists the nodes at
 * depth d left to right, level 0 being the synthetic root "total". A node is
 * [x, total, self, nameIndex] with x delta-encoded: the gap between the end
 * of the previous node of the same level (x + total) and this node's start,
 * the first relative to 0. Within a node its self value comes first (left)
 * and its children follow, ordered by name (as Pyroscope's trees are),
 * each starting where the previous ended. names is de-duplicated: nodes with
 * the same name share an index. Nodes whose total is 0 are left out.
 *
 * A differential profile (type 0 = after, "before" type; flamegraph.pl's
 * two-column folded input) is written in Pyroscope's "double" form: nodes
 * are 7-tuples [xLeft, totalLeft, selfLeft, xRight, totalRight, selfRight,
 * nameIndex], left = before and right = after, each side delta-encoded on
 * its own; a node is kept when either side is non-zero. numTicks is then
 * left + right, and leftTicks/rightTicks stand beside flamebearer.
 *
 * metadata: format "single" or "double", spyName "ember", units and
 * sampleRate from the sample type: a time unit is written as units
 * "samples" with sampleRate the ticks per second (1e9 for nanoseconds), so
 * ticks / sampleRate is seconds; bytes as "bytes"; object and goroutine
 * counts as "objects"/"goroutines"; other counts as "samples" with
 * sampleRate 0 (unknown).
 */
#include "flamebearer.h"
#include "../util/json.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct placed_node {
    uint32_t node;
    double x[2]; /* absolute offsets, per side */
};

struct flamebearer_writer {
    FILE *file;
    const struct profile *profile;
    int sides;          /* 1: single, 2: double (left = before, right = after) */
    size_t types[2];    /* sample type of each side */
    double *totals[2];  /* per node */
    uint32_t *name_index; /* string id -> names index, PROFILE_NONE if not yet */
    uint32_t *names;      /* names index -> string id */
    size_t name_count;
    double max_self;
};

/* names[0] is the root's "total" (string PROFILE_NONE). */
static uint32_t name_of(struct flamebearer_writer *writer, uint32_t string)
{
    if (string == PROFILE_NONE)
        return 0;
    if (writer->name_index[string] == PROFILE_NONE) {
        writer->name_index[string] = (uint32_t)writer->name_count;
        writer->names[writer->name_count++] = string;
    }
    return writer->name_index[string];
}

static int kept(const struct flamebearer_writer *writer, uint32_t node)
{
    for (int side = 0; side < writer->sides; side++)
        if (writer->totals[side][node] != 0)
            return 1;
    return 0;
}

static void write_level(struct flamebearer_writer *writer, const struct placed_node *level,
                        size_t count, uint32_t root_name)
{
    const struct profile *profile = writer->profile;
    double previous_end[2] = {0, 0};
    putc_unlocked('[', writer->file);
    for (size_t i = 0; i < count; i++) {
        uint32_t node = level[i].node;
        if (i)
            putc_unlocked(',', writer->file);
        for (int side = 0; side < writer->sides; side++) {
            double total = writer->totals[side][node];
            double self = profile_self_value(profile, node, writer->types[side]);
            if (side)
                putc_unlocked(',', writer->file);
            json_write_number(writer->file, level[i].x[side] - previous_end[side]);
            putc_unlocked(',', writer->file);
            json_write_number(writer->file, total);
            putc_unlocked(',', writer->file);
            json_write_number(writer->file, self);
            previous_end[side] = level[i].x[side] + total;
            if (self > writer->max_self)
                writer->max_self = self;
        }
        uint32_t name = node == PROFILE_ROOT ? root_name
                                             : profile->frames[profile->nodes[node].frame].name;
        fprintf(writer->file, ",%u", name_of(writer, name));
    }
    putc_unlocked(']', writer->file);
}

static void units_for(const struct profile *profile, size_t type, const char **units,
                      double *sample_rate)
{
    const char *unit = profile_string(profile, profile->sample_types[type].unit);
    const char *name = profile_string(profile, profile->sample_types[type].type);
    static const struct {
        const char *unit;
        double per_second;
    } time_units[] = {
        {"nanoseconds", 1e9}, {"microseconds", 1e6}, {"milliseconds", 1e3}, {"seconds", 1},
    };
    *units = "samples";
    *sample_rate = 0;
    for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
        if (strcmp(unit, time_units[i].unit) == 0) {
            *sample_rate = time_units[i].per_second;
            return;
        }
    if (strcmp(unit, "bytes") == 0)
        *units = "bytes";
    else if (strstr(name, "objects") || strcmp(unit, "objects") == 0)
        *units = "objects";
    else if (strstr(name, "goroutine"))
        *units = "goroutines";
}

static int flamebearer_write(FILE *file, const struct profile *profile,
                             const struct write_options *options)
{
    size_t type = options ? options->sample_type : 0;
    if (profile->sample_type_count == 0 || type >= profile->sample_type_count) {
        fprintf(stderr, "ember: flamebearer: the profile has no sample type %zu\n", type);
        return -1;
    }
    struct flamebearer_writer writer = {.file = file, .profile = profile, .sides = 1};
    long before = profile->differential ? profile_find_sample_type(profile, "before") : -1;
    if (before >= 0 && (size_t)before != type) {
        writer.sides = 2;
        writer.types[0] = (size_t)before;
        writer.types[1] = type;
    } else {
        writer.types[0] = type;
    }
    for (int side = 0; side < writer.sides; side++) {
        writer.totals[side] = xmalloc(profile->node_count * sizeof *writer.totals[side]);
        profile_total_values(profile, writer.types[side], writer.totals[side]);
    }
    uint32_t root_name = PROFILE_NONE;
    size_t string_count = profile->strings.count;
    writer.name_index = xmalloc(string_count * sizeof *writer.name_index);
    for (size_t i = 0; i < string_count; i++)
        writer.name_index[i] = PROFILE_NONE;
    writer.names = xmalloc((profile->node_count + 1) * sizeof *writer.names);
    writer.names[writer.name_count++] = PROFILE_NONE; /* "total" */

    /* Level by level; each level at most node_count nodes. */
    struct placed_node *level = xmalloc(profile->node_count * sizeof *level);
    struct placed_node *next = xmalloc(profile->node_count * sizeof *next);
    uint32_t *children = xmalloc(profile->node_count * sizeof *children);
    size_t count = 1;
    level[0] = (struct placed_node){PROFILE_ROOT, {0, 0}};
    fputs("{\"version\":1,\"flamebearer\":{\"levels\":[", file);
    for (size_t depth = 0; count > 0; depth++) {
        if (depth)
            fputs(",\n", file);
        else
            putc_unlocked('\n', file);
        write_level(&writer, level, count, root_name);
        size_t next_count = 0;
        for (size_t i = 0; i < count; i++) {
            uint32_t node = level[i].node;
            double x[2];
            for (int side = 0; side < writer.sides; side++)
                x[side] = level[i].x[side] + profile_self_value(profile, node, writer.types[side]);
            size_t child_count = profile_sorted_children(profile, node, children);
            for (size_t c = 0; c < child_count; c++) {
                if (!kept(&writer, children[c]))
                    continue;
                struct placed_node *placed = &next[next_count++];
                placed->node = children[c];
                for (int side = 0; side < writer.sides; side++) {
                    placed->x[side] = x[side];
                    x[side] += writer.totals[side][children[c]];
                }
                if (writer.sides == 1)
                    placed->x[1] = 0;
            }
        }
        struct placed_node *swap = level;
        level = next;
        next = swap;
        count = next_count;
    }
    fputs("],\n\"names\":[", file);
    fputs("\"total\"", file);
    for (size_t i = 1; i < writer.name_count; i++) {
        putc_unlocked(',', file);
        json_write_string(file, profile_string(profile, writer.names[i]),
                          profile_string_length(profile, writer.names[i]));
    }
    fputs("],\"numTicks\":", file);
    double left = writer.totals[0][PROFILE_ROOT];
    double right = writer.sides == 2 ? writer.totals[1][PROFILE_ROOT] : 0;
    json_write_number(file, left + right);
    fputs(",\"maxSelf\":", file);
    json_write_number(file, writer.max_self);
    const char *units;
    double sample_rate;
    units_for(profile, type, &units, &sample_rate);
    fprintf(file, "},\"metadata\":{\"format\":\"%s\",\"spyName\":\"ember\",\"sampleRate\":",
            writer.sides == 2 ? "double" : "single");
    json_write_number(file, sample_rate);
    fprintf(file, ",\"units\":\"%s\"}", units);
    if (writer.sides == 2) {
        fputs(",\"leftTicks\":", file);
        json_write_number(file, left);
        fputs(",\"rightTicks\":", file);
        json_write_number(file, right);
    }
    fputs(",\"timeline\":null}\n", file);

    free(level);
    free(next);
    free(children);
    free(writer.names);
    free(writer.name_index);
    for (int side = 0; side < writer.sides; side++)
        free(writer.totals[side]);
    return ferror(file) ? -1 : 0;
}

static const char *const flamebearer_extensions[] = {".flamebearer.json", NULL};

const struct format flamebearer_format = {
    .name = "flamebearer",
    .extensions = flamebearer_extensions,
    .write = flamebearer_write,
};
