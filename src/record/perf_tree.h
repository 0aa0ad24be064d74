/* perf_tree.h — the shape of perf's symbol tree, so that where symbols
 * overlap an address is named as perf names it.
 *
 * perf keeps a file's symbols in a red-black tree keyed by start address
 * (equal starts go right), built by inserting the symbols in the order the
 * symbol table lists them, then erasing aliases, then inserting the PLT
 * entries; a lookup returns the first node on the path from the root whose
 * [start, end) holds the address. Where symbols overlap (a sizeless _init
 * stretched over the PLT, nested symbols) the answer depends on the tree's
 * shape, which depends on the red-black balancing. This is a red-black
 * tree with the standard balancing (insertion: recolour, or rotate at the
 * parent then the grandparent; erasure: a node with two children is
 * replaced by its in-order successor, then the usual four fix-up cases),
 * which is deterministic, so the same operations give perf's shape.
 *
 * Design: nodes in one array, indices instead of pointers (-1 = none);
 * node i is the i-th inserted. Ownership: the tree owns its array.
 */
#ifndef EMBER_PERF_TREE_H
#define EMBER_PERF_TREE_H

#include <stddef.h>
#include <stdint.h>

struct perf_tree_node {
    int32_t left, right, parent;
    uint8_t red, erased;
    uint64_t start, end;
};

struct perf_tree {
    struct perf_tree_node *nodes;
    size_t count, capacity;
    int32_t root;
};

void perf_tree_init(struct perf_tree *tree);
void perf_tree_free(struct perf_tree *tree);
/* Inserts a node for [start, start) (set its end later); returns its index. */
int32_t perf_tree_insert(struct perf_tree *tree, uint64_t start);
void perf_tree_erase(struct perf_tree *tree, int32_t node);
/* perf's symbols__find: the first node from the root holding address
 * (start <= address < end, or address == start for an empty one), -1 when
 * none. */
int32_t perf_tree_find(const struct perf_tree *tree, uint64_t address);

#endif
