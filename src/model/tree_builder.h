/* tree_builder.h — builds a profile's call tree on a thread of its own.
 *
 * Design
 * ------
 * A reader that walks every stack from the root (unsorted input: a line
 * shares little with the line before) does two kinds of work per frame:
 * turning its text into a frame id (hashing, a table the size of the
 * distinct names, in cache) and finding the child of the current node for
 * that frame (a tree of hundreds of thousands of nodes: a cache miss). A
 * tree builder takes the second half to another thread: the reading thread
 * hands it stacks as frame ids with their values, in chunks, and the
 * builder walks and grows the tree. Each thread keeps its own data in its
 * own cache, nothing is merged afterwards, and the tree is built in input
 * order exactly as one thread would build it (floating-point sums too).
 *
 * A chunk holds records of 32-bit words: a header (frame count, and a flag
 * when the stack goes on in the next record), the depth the record starts
 * from, the frame ids, and on a stack's last record the number of values
 * and the values (doubles, two words each) for sample types 0, 1, ... The
 * frames a stack shares with the stack before it are not sent: it starts
 * from that depth (the builder keeps the last stack's nodes by depth). A
 * stack with more frames than a chunk holds goes in several records.
 *
 * Ownership and threads: between tree_builder_start() and
 * tree_builder_finish() the builder alone touches the profile's nodes and
 * values, and the caller alone everything else (strings, frames). The
 * sample types (which re-lay the values) may change only after
 * tree_builder_drain(), which waits until the builder has nothing to do.
 * If no thread can be started, chunks are built on the caller's thread.
 */
#ifndef EMBER_TREE_BUILDER_H
#define EMBER_TREE_BUILDER_H

#include "profile.h"

#include <stddef.h>
#include <stdint.h>

struct tree_builder;

struct tree_builder *tree_builder_start(struct profile *profile);
/* Queues a stack (root first) whose leaf gets values[t] added for sample
 * type t, t < value_count (value_count <= the profile's sample types). */
void tree_builder_add(struct tree_builder *builder, const uint32_t *frames_root_first,
                      size_t frame_count, const double *values, size_t value_count);
/* Returns once every stack queued so far is in the tree. */
void tree_builder_drain(struct tree_builder *builder);
/* Builds what is queued, stops the thread and frees the builder. */
void tree_builder_finish(struct tree_builder *builder);

#endif
