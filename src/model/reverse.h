/* reverse.h — the stack-reversed profile (flamegraph.pl's --reverse).
 *
 * Every stack a;b;c with a value becomes c;b;a with the same values of
 * every sample type, so the graph is rooted at the leaf functions and
 * grows toward their callers. As flamegraph.pl does (it joins the reversed
 * split of the line and splits again), empty frame names left at the end
 * of a reversed stack are dropped. The timeline, when present, is mapped
 * entry by entry, so flame charts of reversed stacks keep input order.
 */
#ifndef EMBER_REVERSE_H
#define EMBER_REVERSE_H

#include "profile.h"

/* Returns a new profile (caller destroys it); source is not modified. */
struct profile *profile_reverse(const struct profile *source);

#endif
