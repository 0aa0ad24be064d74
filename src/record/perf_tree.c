/* perf_tree.c — a red-black tree with the standard balancing, to give
 * perf's symbol tree its shape; see perf_tree.h. */
#include "perf_tree.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

enum { NONE = -1 };

void perf_tree_init(struct perf_tree *tree)
{
    memset(tree, 0, sizeof *tree);
    tree->root = NONE;
}

void perf_tree_free(struct perf_tree *tree)
{
    free(tree->nodes);
    perf_tree_init(tree);
}

static int is_red(const struct perf_tree *tree, int32_t node)
{
    return node != NONE && tree->nodes[node].red;
}

/* Makes replacement the child of parent that old was (or the root). */
static void change_child(struct perf_tree *tree, int32_t old, int32_t replacement, int32_t parent)
{
    if (parent == NONE)
        tree->root = replacement;
    else if (tree->nodes[parent].left == old)
        tree->nodes[parent].left = replacement;
    else
        tree->nodes[parent].right = replacement;
}

/* After a rotation: upper takes lower's place and colour, lower becomes
 * upper's child with colour red. (Names: the node that was on top, old,
 * and the one rotated above it, new.) */
static void rotate_set_parents(struct perf_tree *tree, int32_t old, int32_t new_top, int red)
{
    struct perf_tree_node *o = &tree->nodes[old], *n = &tree->nodes[new_top];
    int32_t parent = o->parent;
    n->parent = parent;
    n->red = o->red;
    o->parent = new_top;
    o->red = (uint8_t)red;
    change_child(tree, old, new_top, parent);
}

static void set_parent_black(struct perf_tree *tree, int32_t node, int32_t parent)
{
    tree->nodes[node].parent = parent;
    tree->nodes[node].red = 0;
}

int32_t perf_tree_insert(struct perf_tree *tree, uint64_t start)
{
    GROW(tree->nodes, tree->capacity, tree->count + 1);
    int32_t inserted = (int32_t)tree->count++, node = inserted;
    struct perf_tree_node *nodes = tree->nodes;
    nodes[node] = (struct perf_tree_node){NONE, NONE, NONE, 1, 0, start, start};
    int32_t parent = NONE;
    for (int32_t cursor = tree->root; cursor != NONE;) {
        parent = cursor;
        cursor = start < nodes[cursor].start ? nodes[cursor].left : nodes[cursor].right;
    }
    nodes[node].parent = parent;
    if (parent == NONE)
        tree->root = node;
    else if (start < nodes[parent].start)
        nodes[parent].left = node;
    else
        nodes[parent].right = node;

    for (;;) {
        if (parent == NONE) {
            nodes[node].red = 0;
            break;
        }
        if (!nodes[parent].red)
            break;
        int32_t grandparent = nodes[parent].parent, uncle, moved;
        if (parent != nodes[grandparent].right) { /* parent is the left child */
            uncle = nodes[grandparent].right;
            if (is_red(tree, uncle)) { /* recolour and go up */
                set_parent_black(tree, uncle, grandparent);
                set_parent_black(tree, parent, grandparent);
                node = grandparent;
                parent = nodes[node].parent;
                nodes[node].red = 1;
                continue;
            }
            if (node == nodes[parent].right) { /* rotate left at parent */
                moved = nodes[node].left;
                nodes[parent].right = moved;
                nodes[node].left = parent;
                if (moved != NONE)
                    set_parent_black(tree, moved, parent);
                nodes[parent].parent = node;
                nodes[parent].red = 1;
                parent = node;
            }
            /* rotate right at grandparent */
            moved = nodes[parent].right;
            nodes[grandparent].left = moved;
            nodes[parent].right = grandparent;
            if (moved != NONE)
                set_parent_black(tree, moved, grandparent);
            rotate_set_parents(tree, grandparent, parent, 1);
            break;
        }
        uncle = nodes[grandparent].left;
        if (is_red(tree, uncle)) {
            set_parent_black(tree, uncle, grandparent);
            set_parent_black(tree, parent, grandparent);
            node = grandparent;
            parent = nodes[node].parent;
            nodes[node].red = 1;
            continue;
        }
        if (node == nodes[parent].left) { /* rotate right at parent */
            moved = nodes[node].right;
            nodes[parent].left = moved;
            nodes[node].right = parent;
            if (moved != NONE)
                set_parent_black(tree, moved, parent);
            nodes[parent].parent = node;
            nodes[parent].red = 1;
            parent = node;
        }
        /* rotate left at grandparent */
        moved = nodes[parent].left;
        nodes[grandparent].right = moved;
        nodes[parent].left = grandparent;
        if (moved != NONE)
            set_parent_black(tree, moved, grandparent);
        rotate_set_parents(tree, grandparent, parent, 1);
        break;
    }
    return inserted;
}

/* Restores the balance after a black node left parent's subtree. */
static void erase_fixup(struct perf_tree *tree, int32_t parent)
{
    struct perf_tree_node *nodes = tree->nodes;
    int32_t node = NONE, sibling, near, far;
    for (;;) {
        sibling = nodes[parent].right;
        if (node != sibling) { /* node is the left child */
            if (is_red(tree, sibling)) { /* rotate left at parent */
                near = nodes[sibling].left;
                nodes[parent].right = near;
                nodes[sibling].left = parent;
                set_parent_black(tree, near, parent);
                rotate_set_parents(tree, parent, sibling, 1);
                sibling = near;
            }
            far = nodes[sibling].right;
            if (!is_red(tree, far)) {
                near = nodes[sibling].left;
                if (!is_red(tree, near)) { /* recolour the sibling */
                    nodes[sibling].red = 1;
                    if (nodes[parent].red) {
                        nodes[parent].red = 0;
                    } else {
                        node = parent;
                        parent = nodes[node].parent;
                        if (parent != NONE)
                            continue;
                    }
                    break;
                }
                /* rotate right at sibling */
                far = nodes[near].right;
                nodes[sibling].left = far;
                nodes[near].right = sibling;
                nodes[parent].right = near;
                if (far != NONE)
                    set_parent_black(tree, far, sibling);
                far = sibling;
                sibling = near;
            }
            /* rotate left at parent, recolour */
            near = nodes[sibling].left;
            nodes[parent].right = near;
            nodes[sibling].left = parent;
            set_parent_black(tree, far, sibling);
            if (near != NONE)
                nodes[near].parent = parent;
            rotate_set_parents(tree, parent, sibling, 0);
            break;
        }
        sibling = nodes[parent].left;
        if (is_red(tree, sibling)) { /* rotate right at parent */
            near = nodes[sibling].right;
            nodes[parent].left = near;
            nodes[sibling].right = parent;
            set_parent_black(tree, near, parent);
            rotate_set_parents(tree, parent, sibling, 1);
            sibling = near;
        }
        far = nodes[sibling].left;
        if (!is_red(tree, far)) {
            near = nodes[sibling].right;
            if (!is_red(tree, near)) {
                nodes[sibling].red = 1;
                if (nodes[parent].red) {
                    nodes[parent].red = 0;
                } else {
                    node = parent;
                    parent = nodes[node].parent;
                    if (parent != NONE)
                        continue;
                }
                break;
            }
            /* rotate left at sibling */
            far = nodes[near].left;
            nodes[sibling].right = far;
            nodes[near].left = sibling;
            nodes[parent].left = near;
            if (far != NONE)
                set_parent_black(tree, far, sibling);
            far = sibling;
            sibling = near;
        }
        /* rotate right at parent, recolour */
        near = nodes[sibling].right;
        nodes[parent].left = near;
        nodes[sibling].right = parent;
        set_parent_black(tree, far, sibling);
        if (near != NONE)
            nodes[near].parent = parent;
        rotate_set_parents(tree, parent, sibling, 0);
        break;
    }
}

void perf_tree_erase(struct perf_tree *tree, int32_t node)
{
    struct perf_tree_node *nodes = tree->nodes;
    if (node < 0 || (size_t)node >= tree->count || nodes[node].erased)
        return;
    int32_t child = nodes[node].right, left = nodes[node].left, rebalance = NONE;
    int32_t parent = nodes[node].parent;
    if (left == NONE) {
        change_child(tree, node, child, parent);
        if (child != NONE) {
            nodes[child].parent = parent;
            nodes[child].red = nodes[node].red;
        } else if (!nodes[node].red) {
            rebalance = parent;
        }
    } else if (child == NONE) {
        nodes[left].parent = parent;
        nodes[left].red = nodes[node].red;
        change_child(tree, node, left, parent);
    } else {
        /* The in-order successor takes node's place. */
        int32_t successor = child, successor_parent, successor_child;
        int32_t cursor = nodes[child].left;
        if (cursor == NONE) {
            successor_parent = successor;
            successor_child = nodes[successor].right;
        } else {
            do {
                successor_parent = successor;
                successor = cursor;
                cursor = nodes[cursor].left;
            } while (cursor != NONE);
            successor_child = nodes[successor].right;
            nodes[successor_parent].left = successor_child;
            nodes[successor].right = child;
            nodes[child].parent = successor;
        }
        nodes[successor].left = left;
        nodes[left].parent = successor;
        change_child(tree, node, successor, parent);
        if (successor_child != NONE)
            set_parent_black(tree, successor_child, successor_parent);
        else if (!nodes[successor].red)
            rebalance = successor_parent;
        nodes[successor].parent = parent;
        nodes[successor].red = nodes[node].red;
    }
    nodes[node].erased = 1;
    nodes[node].left = nodes[node].right = nodes[node].parent = NONE;
    if (rebalance != NONE)
        erase_fixup(tree, rebalance);
}

int32_t perf_tree_find(const struct perf_tree *tree, uint64_t address)
{
    int32_t node = tree->root;
    while (node != NONE) {
        const struct perf_tree_node *n = &tree->nodes[node];
        if (address < n->start)
            node = n->left;
        else if (address > n->end || (address == n->end && address != n->start))
            node = n->right;
        else
            return node;
    }
    return NONE;
}
