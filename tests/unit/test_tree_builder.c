/* test_tree_builder.c — the call tree built on a second thread must be the
 * tree one thread builds with profile_add_stack: same nodes in the same
 * order, same values, for random stacks, a stack longer than a chunk, and
 * a sample type added midway after a drain. */
#include <criterion/criterion.h>

#include "model/profile.h"
#include "model/tree_builder.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A deterministic pseudo-random sequence (xorshift). */
static uint32_t builder_test_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state >> 16);
}

static void builder_test_same_tree(const struct profile *expected, const struct profile *actual)
{
    cr_assert_eq(actual->node_count, expected->node_count);
    cr_assert_eq(actual->sample_type_count, expected->sample_type_count);
    for (size_t node = 0; node < expected->node_count; node++) {
        cr_assert_eq(actual->nodes[node].parent, expected->nodes[node].parent, "node %zu", node);
        cr_assert_eq(actual->nodes[node].frame, expected->nodes[node].frame, "node %zu", node);
        for (size_t type = 0; type < expected->sample_type_count; type++)
            cr_assert_eq(profile_self_value(actual, (uint32_t)node, type),
                         profile_self_value(expected, (uint32_t)node, type), "node %zu type %zu",
                         node, type);
    }
}

/* The producers below build the expected profile with profile_add_stack
 * as they hand the same stacks to the builder of the actual one (they run
 * on the producer thread: no assertions there). */
struct builder_test_job {
    struct profile *expected, *actual;
    uint32_t previous[64]; /* the first frames of the last stack added */
    size_t previous_depth;
    uint32_t frames[64];
    uint32_t *long_stack;
    size_t long_depth;
    size_t before_type_expected, before_type_actual;
};

/* How many first frames of a stack are the last stack's (as a producer
 * knows them; every fifth stack claims none, which is always right). */
static size_t builder_test_shared(struct builder_test_job *job, const uint32_t *stack,
                                  size_t depth, int line)
{
    size_t shared = 0;
    while (line % 5 != 0 && shared < depth && shared < job->previous_depth &&
           stack[shared] == job->previous[shared])
        shared++;
    for (size_t d = 0; d < depth && d < 64; d++)
        job->previous[d] = stack[d];
    job->previous_depth = depth < 64 ? depth : 64;
    return shared;
}

static void builder_test_random_stacks(struct tree_builder *builder, void *job_pointer)
{
    struct builder_test_job *job = job_pointer;
    uint64_t state = 88172645463325252ULL;
    uint32_t stack[64];
    for (int line = 0; line < 40000; line++) {
        size_t depth = builder_test_next(&state) % 40;
        for (size_t d = 0; d < depth; d++)
            stack[d] = job->frames[builder_test_next(&state) % (d < 4 ? 3 : 64)];
        /* Fractional values: sums depend on order. */
        double value = (builder_test_next(&state) % 1000) / 7.0;
        uint32_t leaf = profile_add_stack(job->expected, stack, depth);
        profile_add_value(job->expected, leaf, 0, value);
        tree_builder_add(builder, stack, depth, builder_test_shared(job, stack, depth, line),
                         &value, 1);
    }
}

Test(tree_builder, builds_the_tree_one_thread_builds)
{
    struct builder_test_job job = {.expected = profile_create(), .actual = profile_create()};
    profile_add_sample_type(job.expected, "samples", "count");
    profile_add_sample_type(job.actual, "samples", "count");
    for (int i = 0; i < 64; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        job.frames[i] = profile_frame_named(job.expected, name, strlen(name), FRAME_NATIVE);
        cr_assert_eq(profile_frame_named(job.actual, name, strlen(name), FRAME_NATIVE),
                     job.frames[i]);
    }
    tree_builder_run(job.actual, builder_test_random_stacks, &job);
    builder_test_same_tree(job.expected, job.actual);
    profile_destroy(job.expected);
    profile_destroy(job.actual);
}

static void builder_test_long_stacks(struct tree_builder *builder, void *job_pointer)
{
    struct builder_test_job *job = job_pointer;
    for (int round = 0; round < 3; round++) {
        size_t depth = job->long_depth - (size_t)round * 1000;
        double value = 3 + round;
        profile_add_value(job->expected, profile_add_stack(job->expected, job->long_stack, depth),
                          0, value);
        tree_builder_add(builder, job->long_stack, depth, round ? 5 : 0, &value, 1);
        double short_value = 1;
        profile_add_value(job->expected, profile_add_stack(job->expected, job->long_stack, 5), 0,
                          short_value);
        tree_builder_add(builder, job->long_stack, 5, 5, &short_value, 1);
    }
    /* A second sample type, added while the builder waits. */
    tree_builder_drain(builder);
    job->before_type_actual = profile_add_sample_type(job->actual, "before", "count");
    job->before_type_expected = profile_add_sample_type(job->expected, "before", "count");
    for (int line = 0; line < 1000; line++) {
        double values[2] = {line % 5, line % 3};
        size_t depth = 1 + (size_t)line % 9;
        uint32_t leaf = profile_add_stack(job->expected, job->long_stack + line % 7, depth);
        size_t value_count = line % 2 ? 2 : 1;
        for (size_t type = 0; type < value_count; type++)
            profile_add_value(job->expected, leaf, type, values[type]);
        tree_builder_add(builder, job->long_stack + line % 7, depth, 0, values, value_count);
    }
}

Test(tree_builder, long_stacks_and_a_sample_type_added_midway)
{
    struct builder_test_job job = {.expected = profile_create(), .actual = profile_create()};
    profile_add_sample_type(job.expected, "samples", "count");
    profile_add_sample_type(job.actual, "samples", "count");
    uint32_t frames[7];
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "g%d", i);
        frames[i] = profile_frame_named(job.expected, name, strlen(name), FRAME_NATIVE);
        profile_frame_named(job.actual, name, strlen(name), FRAME_NATIVE);
    }
    /* Longer than a chunk (16384 words) many times over. */
    job.long_depth = 150000;
    job.long_stack = malloc(job.long_depth * sizeof *job.long_stack);
    for (size_t d = 0; d < job.long_depth; d++)
        job.long_stack[d] = frames[d % 7];
    tree_builder_run(job.actual, builder_test_long_stacks, &job);
    cr_assert_eq(job.before_type_actual, 1);
    cr_assert_eq(job.before_type_expected, 1);
    builder_test_same_tree(job.expected, job.actual);
    free(job.long_stack);
    profile_destroy(job.expected);
    profile_destroy(job.actual);
}
