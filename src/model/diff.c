/* diff.c — two profiles in, one differential profile out (difffolded.pl's
 * semantics); see diff.h for the design. */
#include "diff.h"
#include "../formats/format.h"
#include "../util/memory.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* perl keeps integers exact up to 2^53 in doubles (NV_PRESERVES_UV_BITS). */
#define PERL_EXACT_LIMIT 9007199254740992.0
#define PERL_EXACT_BITS 53

static int is_hex_digit(unsigned char byte)
{
    return (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'f') ||
           (byte >= 'A' && byte <= 'F');
}

size_t diff_strip_hex(const char *name, size_t length, char *out)
{
    size_t written = 0;
    size_t i = 0;
    while (i < length) {
        if (name[i] == '0' && i + 2 < length && name[i + 1] == 'x' &&
            is_hex_digit((unsigned char)name[i + 2])) {
            i += 2;
            while (i < length && is_hex_digit((unsigned char)name[i]))
                i++;
            memcpy(out + written, "0x...", 5);
            written += 5;
        } else {
            out[written++] = name[i++];
        }
    }
    return written;
}

static int is_unsigned_integer(double value)
{
    return value >= 0 && value == floor(value) && value < 18446744073709551616.0;
}

double diff_normalized_count(double count, double before_total, double after_total)
{
    if (is_unsigned_integer(count) && is_unsigned_integer(before_total) &&
        is_unsigned_integer(after_total) && before_total > 0) {
        uint64_t left, right = (uint64_t)before_total;
        if (!__builtin_mul_overflow((uint64_t)count, (uint64_t)after_total, &left)) {
            /* perl's pp_divide divides integers exactly only when a double
             * could not hold them; an inexact quotient falls back to doubles. */
            uint64_t exact_limit = (uint64_t)1 << PERL_EXACT_BITS;
            if (left >= right && (left > exact_limit || right > exact_limit) &&
                left % right == 0)
                return (double)(left / right);
            return trunc((double)left / (double)right);
        }
    }
    return trunc(count * after_total / before_total);
}

/* Result frames by name: frame_map[f] is the result frame for source frame
 * f, its name hex-stripped when asked. Caller frees. */
static uint32_t *map_frames(struct profile *result, const struct profile *source, int strip_hex)
{
    uint32_t *frame_map = xmalloc((source->frame_count + 1) * sizeof *frame_map);
    char *scratch = NULL;
    size_t scratch_capacity = 0;
    for (size_t frame = 0; frame < source->frame_count; frame++) {
        const char *name = profile_frame_name(source, (uint32_t)frame);
        size_t length = profile_frame_name_length(source, (uint32_t)frame);
        if (strip_hex && memchr(name, 'x', length)) {
            GROW(scratch, scratch_capacity, 2 * length + 1);
            length = diff_strip_hex(name, length, scratch);
            name = scratch;
        }
        frame_map[frame] = profile_frame_named(result, name, length, FRAME_UNKNOWN);
    }
    free(scratch);
    return frame_map;
}

/* Adds source's tree to result, its values of source_type into result_type;
 * returns node_map (source node -> result node), which the caller frees. */
static uint32_t *add_side(struct profile *result, const struct profile *source,
                          size_t source_type, size_t result_type, int strip_hex)
{
    uint32_t *frame_map = map_frames(result, source, strip_hex);
    uint32_t *node_map = xmalloc(source->node_count * sizeof *node_map);
    node_map[PROFILE_ROOT] = PROFILE_ROOT;
    for (size_t node = 1; node < source->node_count; node++) {
        const struct tree_node *tree_node = &source->nodes[node];
        node_map[node] = profile_child(result, node_map[tree_node->parent],
                                       frame_map[tree_node->frame]);
    }
    if (source_type < source->sample_type_count)
        for (size_t node = 0; node < source->node_count; node++) {
            double value = profile_self_value(source, (uint32_t)node, source_type);
            if (value != 0)
                profile_add_value(result, node_map[node], result_type, value);
        }
    free(frame_map);
    return node_map;
}

/* Whether node of source is a line of its folded form: a non-zero count of
 * the chosen type, or with zero_leaves a leaf whose counts are all 0 (a
 * "stack 0" line). */
static int is_listed(const struct profile *source, uint32_t node, size_t type, int zero_leaves)
{
    if (type < source->sample_type_count && profile_self_value(source, node, type) != 0)
        return 1;
    if (!zero_leaves || node == PROFILE_ROOT || source->nodes[node].first_child != PROFILE_NONE)
        return 0;
    for (size_t t = 0; t < source->sample_type_count; t++)
        if (profile_self_value(source, node, t) != 0)
            return 0;
    return 1;
}

/* Marks in listed (indexed by result node) the nodes of source that are
 * lines; node_map NULL means source is the result itself. */
static void mark_listed(unsigned char *listed, const struct profile *source, size_t type,
                        int zero_leaves, const uint32_t *node_map)
{
    for (uint32_t node = 0; node < source->node_count; node++)
        if (is_listed(source, node, type, zero_leaves))
            listed[node_map ? node_map[node] : node] = 1;
}

static void add_types(struct profile *result, const struct profile *before, size_t before_type,
                      const struct profile *after, size_t after_type, struct diff *diff)
{
    const char *type = "samples", *unit = "count";
    if (after_type < after->sample_type_count) {
        type = profile_string(after, after->sample_types[after_type].type);
        unit = profile_string(after, after->sample_types[after_type].unit);
    } else if (before_type < before->sample_type_count) {
        type = profile_string(before, before->sample_types[before_type].type);
        unit = profile_string(before, before->sample_types[before_type].unit);
    }
    if (strcmp(type, "before") == 0)
        type = "after";
    profile_add_sample_type(result, type, unit);
    diff->before_type = profile_add_sample_type(result, "before", unit);
    result->default_sample_type = 0;
    result->differential = 1;
}

/* Whether AFTER's own profile can become the result: one sample type (not
 * named "before"), frames that are names only (as the folded reader makes
 * them) and no renaming. Saves copying its tree. */
static int can_adopt(const struct profile *after, size_t after_type, int strip_hex)
{
    if (strip_hex || after_type != 0 || after->sample_type_count != 1 || after->differential ||
        strcmp(profile_string(after, after->sample_types[0].type), "before") == 0)
        return 0;
    for (size_t frame = 0; frame < after->frame_count; frame++) {
        const struct frame *f = &after->frames[frame];
        if (f->file != PROFILE_NONE || f->line != 0 || f->kind != FRAME_UNKNOWN)
            return 0;
    }
    return 1;
}

/* diff_build() and diff_build_consuming(): owned_after is after when the
 * caller gave it away (then it is adopted as the result or destroyed). */
static enum diff_status build(struct diff *diff, const struct profile *before, size_t before_type,
                              const struct profile *after, size_t after_type,
                              struct profile *owned_after, const struct diff_options *options)
{
    memset(diff, 0, sizeof *diff);
    diff->scale = 1;
    diff->before_total =
        before_type < before->sample_type_count ? profile_grand_total(before, before_type) : 0;
    diff->after_total =
        after_type < after->sample_type_count ? profile_grand_total(after, after_type) : 0;
    int normalize = options && options->normalize && diff->before_total != diff->after_total;
    if (normalize && diff->before_total == 0) {
        profile_destroy(owned_after);
        return DIFF_NOTHING_TO_SCALE;
    }
    int strip_hex = options && options->strip_hex;
    int after_zero_leaves = options && options->after_zero_leaves;

    /* AFTER first: its nodes are the ones drawn, so they come first in the
     * array. Its lines are marked before BEFORE's stacks can extend them. */
    struct profile *result;
    unsigned char *listed;
    if (owned_after && can_adopt(owned_after, after_type, strip_hex)) {
        result = owned_after;
        listed = xcalloc(result->node_count, 1);
        mark_listed(listed, result, 0, after_zero_leaves, NULL);
        diff->before_type = profile_add_sample_type(
            result, "before", profile_string(result, result->sample_types[0].unit));
        result->default_sample_type = 0;
        result->differential = 1;
    } else {
        result = profile_create();
        add_types(result, before, before_type, after, after_type, diff);
        uint32_t *after_map = add_side(result, after, after_type, 0, strip_hex);
        listed = xcalloc(result->node_count, 1);
        mark_listed(listed, after, after_type, after_zero_leaves, after_map);
        free(after_map);
        profile_destroy(owned_after);
    }
    size_t after_nodes = result->node_count;
    uint32_t *before_map = add_side(result, before, before_type, diff->before_type, strip_hex);
    listed = xrealloc(listed, result->node_count);
    memset(listed + after_nodes, 0, result->node_count - after_nodes);
    mark_listed(listed, before, before_type, options && options->before_zero_leaves, before_map);
    free(before_map);
    diff->stacks = xmalloc((result->node_count + 1) * sizeof *diff->stacks);
    for (uint32_t node = 0; node < result->node_count; node++)
        if (listed[node])
            diff->stacks[diff->stack_count++] = node;
    free(listed);

    if (normalize) {
        diff->normalized = 1;
        diff->scale = diff->after_total / diff->before_total;
        for (size_t i = 0; i < diff->stack_count; i++) {
            double *value = &result->self_values[(size_t)diff->stacks[i] * result->sample_type_count +
                                                 diff->before_type];
            *value = diff_normalized_count(*value, diff->before_total, diff->after_total);
        }
    }
    diff->profile = result;
    return DIFF_OK;
}

enum diff_status diff_build(struct diff *diff, const struct profile *before, size_t before_type,
                            const struct profile *after, size_t after_type,
                            const struct diff_options *options)
{
    return build(diff, before, before_type, after, after_type, NULL, options);
}

enum diff_status diff_build_consuming(struct diff *diff, const struct profile *before,
                                      size_t before_type, struct profile *after,
                                      size_t after_type, const struct diff_options *options)
{
    return build(diff, before, before_type, after, after_type, after, options);
}

void diff_free(struct diff *diff)
{
    if (diff->profile)
        profile_destroy(diff->profile);
    free(diff->stacks);
    memset(diff, 0, sizeof *diff);
}

/* The text of the previous line's stack, kept between lines: stacks come
 * in sorted order, so consecutive ones share long prefixes and only the
 * frames below the shared ancestor are copied again. */
struct stack_text_buffer {
    char *text;
    size_t capacity;
    uint32_t *nodes; /* nodes[d]: the node at depth d of the previous stack */
    size_t *ends;    /* ends[d]: length of the text up to and including it */
    size_t depth;    /* depth of the previous stack */
};

/* Makes buffer->text the stack of node; returns its length. */
static size_t stack_text_for(struct stack_text_buffer *buffer, const struct profile *profile,
                             uint32_t node, uint32_t *pending)
{
    /* Climb to the deepest ancestor that the previous stack shares. */
    size_t pending_count = 0;
    uint32_t shared = node;
    while (shared != PROFILE_ROOT) {
        size_t depth = profile->nodes[shared].depth;
        if (depth <= buffer->depth && buffer->nodes[depth] == shared)
            break;
        pending[pending_count++] = shared;
        shared = profile->nodes[shared].parent;
    }
    size_t depth = profile->nodes[shared].depth;
    size_t length = buffer->ends[depth];
    while (pending_count) {
        uint32_t next = pending[--pending_count];
        uint32_t frame = profile->nodes[next].frame;
        size_t name_length = profile_frame_name_length(profile, frame);
        if (length + name_length + 64 > buffer->capacity)
            GROW(buffer->text, buffer->capacity, length + name_length + 64);
        if (depth)
            buffer->text[length++] = ';';
        memcpy(buffer->text + length, profile_frame_name(profile, frame), name_length);
        length += name_length;
        depth++;
        buffer->nodes[depth] = next;
        buffer->ends[depth] = length;
    }
    buffer->depth = depth;
    return length;
}

int diff_write_folded(FILE *file, const struct diff *diff)
{
    const struct profile *profile = diff->profile;
    if (!profile || diff->stack_count == 0)
        return ferror(file) ? -1 : 0;
    uint32_t *stacks = xmalloc(diff->stack_count * sizeof *stacks);
    memcpy(stacks, diff->stacks, diff->stack_count * sizeof *stacks);
    profile_sort_stacks(profile, stacks, diff->stack_count);
    size_t levels = (size_t)profile_max_depth(profile) + 1;
    struct stack_text_buffer buffer = {
        .nodes = xmalloc(levels * sizeof *buffer.nodes),
        .ends = xmalloc(levels * sizeof *buffer.ends),
    };
    buffer.nodes[0] = PROFILE_ROOT;
    buffer.ends[0] = 0;
    GROW(buffer.text, buffer.capacity, 4096);
    uint32_t *pending = xmalloc(levels * sizeof *pending);
    for (size_t i = 0; i < diff->stack_count; i++) {
        size_t length = stack_text_for(&buffer, profile, stacks[i], pending);
        /* The counts go after the stack text; the next line overwrites them. */
        char *line = buffer.text;
        line[length++] = ' ';
        length += (size_t)format_count(line + length, 24,
                                       profile_self_value(profile, stacks[i], diff->before_type));
        line[length++] = ' ';
        length += (size_t)format_count(line + length, 24, profile_self_value(profile, stacks[i], 0));
        line[length++] = '\n';
        fwrite_unlocked(line, 1, length, file);
    }
    free(pending);
    free(buffer.text);
    free(buffer.nodes);
    free(buffer.ends);
    free(stacks);
    return ferror(file) ? -1 : 0;
}
