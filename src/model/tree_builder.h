/* tree_builder.h — builds a profile's call tree while another thread reads.
 *
 * Design
 * ------
 * A reader that walks every stack from the root (unsorted input: a line
 * shares little with the line before) does two kinds of work per frame:
 * turning its text into a frame id (hashing, a table the size of the
 * distinct names, in cache) and finding the child of the current node for
 * that frame (a tree of hundreds of thousands of nodes: a cache miss). A
 * tree builder splits the two halves between two threads: the reading
 * thread (the producer) hands stacks as frame ids with their values, in
 * chunks, to the builder, which walks and grows the tree. Each thread keeps
 * its own data in its own cache, nothing is merged afterwards, and the tree
 * is built in input order exactly as one thread would build it
 * (floating-point sums too).
 *
 * A chunk holds records of 32-bit words: a header (frame count, and a flag
 * when the stack goes on in the next record), the depth the record starts
 * from, the frame ids, and on a stack's last record the number of values
 * and the values (doubles, two words each) for sample types 0, 1, ... The
 * frames a stack shares with the stack before it are not sent: it starts
 * from that depth (the builder keeps, for every depth, the node the last
 * stack to reach it had there). A
 * stack with more frames than a chunk holds goes in several records.
 *
 * Ownership and threads: during tree_builder_run() the builder (the
 * calling thread) alone touches the profile's nodes and values, and the
 * producer (a thread of its own) everything else (strings, frames). The
 * sample types (which re-lay the values) may change only after
 * tree_builder_drain(), which waits until the builder has nothing to do.
 */
#ifndef EMBER_TREE_BUILDER_H
#define EMBER_TREE_BUILDER_H

#include "profile.h"

#include <stddef.h>
#include <stdint.h>

struct tree_builder;

/* Builds profile's tree from the stacks produce() adds: produce runs on a
 * new thread (the producer: it alone touches the profile's strings and
 * frames meanwhile) while this thread builds the tree (so the tree is in
 * this thread's caches afterwards, for whatever reads it next). Returns
 * when everything produced is in the tree. If no thread can be started,
 * produce runs here and each chunk is built when handed over. */
void tree_builder_run(struct profile *profile,
                      void (*produce)(struct tree_builder *builder, void *context),
                      void *context);
/* For produce: queues a stack (root first) whose leaf gets values[t] added
 * for sample type t, t < value_count (value_count <= the profile's sample
 * types). Its first shared frames (shared <= frame_count) are the same as
 * those of the stack that last reached that depth, as the producer knows
 * from the text (0 is always right): they are not sent again. */
void tree_builder_add(struct tree_builder *builder, const uint32_t *frames_root_first,
                      size_t frame_count, size_t shared, const double *values,
                      size_t value_count);
/* For produce: returns once every stack queued so far is in the tree and
 * the builder waits for more; then produce may change the profile's sample
 * types. */
void tree_builder_drain(struct tree_builder *builder);

#endif
