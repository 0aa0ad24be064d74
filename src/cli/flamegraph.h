/* flamegraph.h — `ember flamegraph`'s drawing options (title, width,
 * minwidth, colours, ...), shared with the other commands that draw an SVG
 * (`ember diff`), so each option is parsed in one place. */
#ifndef EMBER_CLI_FLAMEGRAPH_H
#define EMBER_CLI_FLAMEGRAPH_H

#include "../render/svg.h"

#include <getopt.h>
#include <stddef.h>

/* Fills joined (capacity entries) with the drawing options followed by own
 * (NULL-terminated), terminated by a NULL entry; returns how many. The
 * drawing options' ids are at least 256; own ids must not collide with
 * them (use values from 1000). */
size_t flamegraph_join_options(struct option *joined, size_t capacity, const struct option *own);

/* Applies a drawing option getopt returned from a joined table. Returns 0
 * when applied, 1 when option is not a drawing option, -1 after printing
 * why the value is bad. */
int flamegraph_drawing_option(int option, const char *value, struct svg_options *options);

#endif
