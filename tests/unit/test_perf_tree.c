/* test_perf_tree.c — unit tests of perf's symbol-tree shape
 * (src/record/perf_tree.c): a lookup among overlapping symbols follows the
 * red-black tree's shape (worked out by hand for a small case), and after
 * many insertions and erasures the tree is still a valid red-black search
 * tree. */
#include <criterion/criterion.h>

#include "record/perf_tree.h"

#include <stdlib.h>

Test(perf_tree, overlaps_resolve_along_the_search_path)
{
    struct perf_tree tree;
    perf_tree_init(&tree);
    /* A [0,100) then B [10,20), C [20,30), D [30,40). After C the tree
     * rotates: B is the root, A and C its children; D goes under C. */
    int32_t a = perf_tree_insert(&tree, 0);
    int32_t b = perf_tree_insert(&tree, 10);
    int32_t c = perf_tree_insert(&tree, 20);
    int32_t d = perf_tree_insert(&tree, 30);
    tree.nodes[a].end = 100;
    tree.nodes[b].end = 20;
    tree.nodes[c].end = 30;
    tree.nodes[d].end = 40;
    cr_assert_eq(tree.root, b);
    cr_assert_eq(tree.nodes[b].left, a);
    cr_assert_eq(tree.nodes[b].right, c);
    cr_assert_eq(tree.nodes[c].right, d);
    cr_assert_eq(perf_tree_find(&tree, 35), d);
    cr_assert_eq(perf_tree_find(&tree, 15), b); /* A holds 15 too, but B comes first */
    cr_assert_eq(perf_tree_find(&tree, 5), a);
    cr_assert_eq(perf_tree_find(&tree, 50), -1); /* A holds 50 but is off the path */
    /* Erasing the root: its successor C takes its place. */
    perf_tree_erase(&tree, b);
    cr_assert_eq(tree.root, c);
    cr_assert_eq(perf_tree_find(&tree, 15), a);
    perf_tree_free(&tree);
}

/* Black height of a subtree, or -1 when the red-black rules or the search
 * order are broken in it. */
static int perf_tree_check(const struct perf_tree *tree, int32_t node, int32_t parent,
                           uint64_t low, uint64_t high)
{
    if (node < 0)
        return 1;
    const struct perf_tree_node *n = &tree->nodes[node];
    if (n->parent != parent || n->erased || n->start < low || n->start > high)
        return -1;
    if (n->red && ((n->left >= 0 && tree->nodes[n->left].red) ||
                   (n->right >= 0 && tree->nodes[n->right].red)))
        return -1;
    int left = perf_tree_check(tree, n->left, node, low, n->start);
    int right = perf_tree_check(tree, n->right, node, n->start, high);
    if (left < 0 || right < 0 || left != right)
        return -1;
    return left + !n->red;
}

Test(perf_tree, stays_a_red_black_search_tree)
{
    struct perf_tree tree;
    perf_tree_init(&tree);
    unsigned seed = 12345;
    size_t live = 0;
    for (int round = 0; round < 4000; round++) {
        seed = seed * 1103515245u + 12345u;
        if (live > 0 && (seed >> 16) % 3 == 0) {
            int32_t victim = (int32_t)((seed >> 8) % tree.count);
            if (!tree.nodes[victim].erased) {
                perf_tree_erase(&tree, victim);
                live--;
            }
        } else {
            perf_tree_insert(&tree, (seed >> 12) % 500); /* duplicates on purpose */
            live++;
        }
        if (round % 97 == 0)
            cr_assert_gt(perf_tree_check(&tree, tree.root, -1, 0, UINT64_MAX), 0,
                         "invalid after %d operations", round + 1);
    }
    cr_assert(tree.root < 0 || !tree.nodes[tree.root].red);
    cr_assert_gt(perf_tree_check(&tree, tree.root, -1, 0, UINT64_MAX), 0);
    perf_tree_free(&tree);
}
