/* test_model.c — unit tests of the profile model: arena, interning, frames,
 * call tree, sample types, totals, merge and deterministic ordering. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "model/arena.h"
#include "model/intern.h"
#include "model/profile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(arena, aligns_and_serves_large_requests)
{
    struct arena arena;
    arena_init(&arena);
    for (int i = 1; i < 2000; i++) {
        void *pointer = arena_alloc(&arena, (size_t)(i % 37) + 1);
        cr_assert_eq((uintptr_t)pointer % 8, 0);
        memset(pointer, 0xab, (size_t)(i % 37) + 1);
    }
    char *big = arena_alloc(&arena, 10 * 1024 * 1024);
    memset(big, 1, 10 * 1024 * 1024);
    char *copy = arena_strndup(&arena, "hello world", 5);
    cr_assert_str_eq(copy, "hello");
    arena_free(&arena);
}

Test(intern, same_bytes_same_id_and_embedded_nul)
{
    struct arena arena;
    struct intern_table table;
    arena_init(&arena);
    intern_init(&table, &arena);
    uint32_t a = intern_bytes(&table, "main", 4);
    uint32_t b = intern_bytes(&table, "mainly", 6);
    uint32_t c = intern_bytes(&table, "main", 4);
    uint32_t with_nul = intern_bytes(&table, "ma\0in", 5);
    cr_assert_eq(a, c);
    cr_assert_neq(a, b);
    cr_assert_neq(with_nul, a);
    cr_assert_eq(intern_length(&table, with_nul), 5);
    cr_assert_eq(memcmp(intern_string(&table, with_nul), "ma\0in", 5), 0);
    cr_assert_eq(intern_find(&table, "mainly", 6), b);
    cr_assert_eq(intern_find(&table, "absent", 6), UINT32_MAX);
    intern_free(&table);
    arena_free(&arena);
}

Test(intern, survives_many_rehashes)
{
    struct arena arena;
    struct intern_table table;
    arena_init(&arena);
    intern_init(&table, &arena);
    char name[32];
    for (int i = 0; i < 100000; i++) {
        int length = snprintf(name, sizeof name, "function_%d", i);
        cr_assert_eq(intern_bytes(&table, name, (size_t)length), (uint32_t)i);
    }
    for (int i = 0; i < 100000; i += 997) {
        int length = snprintf(name, sizeof name, "function_%d", i);
        cr_assert_eq(intern_find(&table, name, (size_t)length), (uint32_t)i);
        cr_assert_str_eq(intern_string(&table, (uint32_t)i), name);
    }
    intern_free(&table);
    arena_free(&arena);
}

static uint32_t named(struct profile *profile, const char *name)
{
    return profile_frame_named(profile, name, strlen(name), FRAME_UNKNOWN);
}

Test(profile, frames_are_interned_by_all_fields)
{
    struct profile *profile = profile_create();
    uint32_t name = profile_intern_cstring(profile, "read");
    uint32_t file = profile_intern_cstring(profile, "io.c");
    uint32_t plain = profile_frame(profile, name, PROFILE_NONE, 0, FRAME_NATIVE);
    cr_assert_eq(profile_frame(profile, name, PROFILE_NONE, 0, FRAME_NATIVE), plain);
    cr_assert_neq(profile_frame(profile, name, PROFILE_NONE, 0, FRAME_KERNEL), plain);
    cr_assert_neq(profile_frame(profile, name, file, 0, FRAME_NATIVE), plain);
    cr_assert_neq(profile_frame(profile, name, file, 12, FRAME_NATIVE),
                  profile_frame(profile, name, file, 13, FRAME_NATIVE));
    cr_assert_str_eq(profile_frame_name(profile, plain), "read");
    profile_destroy(profile);
}

Test(profile, stacks_share_prefixes_and_parents_come_first)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    uint32_t leaf1 = unit_add_stack(profile, "main;work;hash", 0, 3);
    uint32_t leaf2 = unit_add_stack(profile, "main;work;sort", 0, 2);
    uint32_t leaf3 = unit_add_stack(profile, "main;work;hash", 0, 4);
    cr_assert_eq(leaf1, leaf3);
    cr_assert_neq(leaf1, leaf2);
    cr_assert_eq(profile->node_count, 5); /* root, main, work, hash, sort */
    cr_assert_eq(profile->nodes[leaf1].parent, profile->nodes[leaf2].parent);
    cr_assert_eq(profile->nodes[leaf1].depth, 3);
    for (uint32_t node = 1; node < profile->node_count; node++)
        cr_assert_lt(profile->nodes[node].parent, node);
    cr_assert_eq(profile_self_value(profile, leaf1, 0), 7);
    uint32_t main_frame = named(profile, "main");
    uint32_t main_node = profile_find_child(profile, PROFILE_ROOT, main_frame);
    cr_assert_neq(main_node, PROFILE_NONE);
    cr_assert_eq(profile_find_child(profile, PROFILE_ROOT, named(profile, "nope")), PROFILE_NONE);
    double totals[8];
    profile_total_values(profile, 0, totals);
    cr_assert_eq(totals[PROFILE_ROOT], 9);
    cr_assert_eq(totals[main_node], 9);
    cr_assert_eq(profile_grand_total(profile, 0), 9);
    cr_assert_eq(profile_child_count(profile, profile->nodes[leaf1].parent), 2);
    cr_assert_eq(profile_max_depth(profile), 3);
    profile_destroy(profile);
}

Test(profile, many_nodes_grow_tables_and_values)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    char stack[64];
    for (int i = 0; i < 50000; i++) {
        snprintf(stack, sizeof stack, "root;f%d;g%d", i % 1000, i);
        unit_add_stack(profile, stack, 0, 1);
    }
    cr_assert_eq(profile->node_count, 1 + 1 + 1000 + 50000);
    cr_assert_eq(profile_grand_total(profile, 0), 50000);
    profile_destroy(profile);
}

Test(profile, adding_a_sample_type_keeps_values)
{
    struct profile *profile = profile_create();
    cr_assert_eq(profile_add_sample_type(profile, "samples", "count"), 0);
    uint32_t a = unit_add_stack(profile, "x;y", 0, 5);
    uint32_t b = unit_add_stack(profile, "x;z", 0, 6);
    cr_assert_eq(profile_add_sample_type(profile, "alloc_space", "bytes"), 1);
    cr_assert_eq(profile_add_sample_type(profile, "samples", "count"), 0);
    profile_add_value(profile, a, 1, 4096);
    cr_assert_eq(profile_self_value(profile, a, 0), 5);
    cr_assert_eq(profile_self_value(profile, b, 0), 6);
    cr_assert_eq(profile_self_value(profile, a, 1), 4096);
    cr_assert_eq(profile_self_value(profile, b, 1), 0);
    cr_assert_eq(profile_find_sample_type(profile, "alloc_space"), 1);
    cr_assert_eq(profile_find_sample_type(profile, "cpu"), -1);
    profile_destroy(profile);
}

Test(profile, merge_sums_matching_stacks_and_adds_types)
{
    struct profile *first = profile_create();
    struct profile *second = profile_create();
    profile_add_sample_type(first, "samples", "count");
    profile_add_sample_type(second, "samples", "count");
    profile_add_sample_type(second, "alloc_space", "bytes");
    unit_add_stack(first, "main;a", 0, 1);
    unit_add_stack(first, "main;b", 0, 2);
    uint32_t second_a = unit_add_stack(second, "main;a", 0, 10);
    profile_add_value(second, second_a, 1, 100);
    unit_add_stack(second, "main;c;d", 0, 20);
    profile_add_label(second, "service", "api");
    profile_merge(first, second);
    cr_assert_eq(first->sample_type_count, 2);
    cr_assert_eq(profile_grand_total(first, 0), 33);
    cr_assert_eq(profile_grand_total(first, 1), 100);
    uint32_t main_node = profile_find_child(first, PROFILE_ROOT, named(first, "main"));
    uint32_t a_node = profile_find_child(first, main_node, named(first, "a"));
    cr_assert_eq(profile_self_value(first, a_node, 0), 11);
    cr_assert_eq(profile_self_value(first, a_node, 1), 100);
    cr_assert_eq(first->label_count, 1);
    cr_assert_str_eq(profile_string(first, first->labels[0].value), "api");
    profile_destroy(first);
    profile_destroy(second);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(profile, sort_stacks_equals_bytewise_sort_of_folded_strings)
{
    /* Names chosen so that a per-level sort would disagree with a sort of the
     * joined strings: "foo" vs "foo.isra" vs "foo;child", spaces, digits. */
    static const char *const names[] = {"foo", "foo.isra", "fo", "foo2", "a b", "a", "Z", "_x", "é"};
    enum { NAME_COUNT = sizeof names / sizeof names[0] };
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    unsigned seed = 12345;
    char stack[256];
    for (int i = 0; i < 3000; i++) {
        stack[0] = '\0';
        seed = seed * 1103515245u + 12345u;
        int depth = 1 + (int)((seed >> 16) % 5);
        for (int level = 0; level < depth; level++) {
            seed = seed * 1103515245u + 12345u;
            if (level)
                strcat(stack, ";");
            strcat(stack, names[(seed >> 16) % NAME_COUNT]);
        }
        unit_add_stack(profile, stack, 0, 1);
    }
    uint32_t *nodes = malloc(profile->node_count * sizeof *nodes);
    char **strings = malloc(profile->node_count * sizeof *strings);
    size_t count = 0;
    for (uint32_t node = 1; node < profile->node_count; node++) {
        if (profile_self_value(profile, node, 0) == 0)
            continue;
        nodes[count] = node;
        strings[count] = malloc(256);
        unit_stack_text(profile, node, strings[count], 256);
        count++;
    }
    cr_assert_gt(count, 100);
    profile_sort_stacks(profile, nodes, count);
    qsort(strings, count, sizeof *strings, compare_strings);
    char buffer[256];
    for (size_t i = 0; i < count; i++) {
        unit_stack_text(profile, nodes[i], buffer, sizeof buffer);
        cr_assert_str_eq(buffer, strings[i], "position %zu", i);
        free(strings[i]);
    }
    free(strings);
    free(nodes);
    profile_destroy(profile);
}

Test(profile, sorted_children_are_ordered_by_name)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    unit_add_stack(profile, "m;zeta", 0, 1);
    unit_add_stack(profile, "m;alpha", 0, 1);
    unit_add_stack(profile, "m;Mid", 0, 1);
    unit_add_stack(profile, "m;alpha2", 0, 1);
    uint32_t main_node = profile_find_child(profile, PROFILE_ROOT, named(profile, "m"));
    uint32_t children[4];
    cr_assert_eq(profile_sorted_children(profile, main_node, children), 4);
    cr_assert_str_eq(profile_frame_name(profile, profile->nodes[children[0]].frame), "Mid");
    cr_assert_str_eq(profile_frame_name(profile, profile->nodes[children[1]].frame), "alpha");
    cr_assert_str_eq(profile_frame_name(profile, profile->nodes[children[2]].frame), "alpha2");
    cr_assert_str_eq(profile_frame_name(profile, profile->nodes[children[3]].frame), "zeta");
    profile_destroy(profile);
}

Test(profile, timeline_keeps_input_order)
{
    struct profile *profile = profile_create();
    profile_add_sample_type(profile, "samples", "count");
    uint32_t a = unit_add_stack(profile, "a", 0, 1);
    uint32_t b = unit_add_stack(profile, "b", 0, 1);
    profile_timeline_append(profile, 1.5, PROFILE_NONE, b, 1);
    profile_timeline_append(profile, 2.5, PROFILE_NONE, a, 2);
    cr_assert_eq(profile->timeline_count, 2);
    cr_assert_eq(profile->timeline[0].node, b);
    cr_assert_eq(profile->timeline[1].weight, 2);
    profile_destroy(profile);
}
