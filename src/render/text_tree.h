/* text_tree.h — `ember tree`: the call tree as indented text, a flame
 * graph for the terminal.
 *
 * One line per call-tree node, under a header (the sample type, pprof's
 * Time/Duration lines when the profile has them, the total): total and
 * total% (the node with everything it calls), self and self% (the node's
 * own value), then the frame's name indented two spaces per level below
 * the root. Children follow their parent, heaviest first (by |total|), ties
 * by name, then file, then line, so the same profile always prints the
 * same text. Nodes whose values are all zero in the sample type shown are
 * left out. Values are in units as in `ember top` (units.h); percentages
 * are of the sum of |self| values, pprof's total.
 *
 * Pruning (--min-percent, --max-depth) is the profile filters' work
 * (src/model/filter.h): small children become one "other" node per
 * parent, and deep stacks end at the last level kept, before this prints.
 */
#ifndef EMBER_TEXT_TREE_H
#define EMBER_TEXT_TREE_H

#include "../model/profile.h"

#include <stdio.h>

struct text_tree_options {
    const char *unit; /* pprof's -unit: "minimum", "auto", "ms", ... */
};

/* Prints the tree of one sample type. Returns 0, or -1 on a write error. */
int text_tree(FILE *file, const struct profile *profile, size_t sample_type,
              const struct text_tree_options *options);

#endif
