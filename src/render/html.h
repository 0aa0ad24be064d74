/* html.h — `ember view`: one self-contained HTML file holding a profile and
 * ember's interactive canvas viewer (flame graph, icicle, table, sandwich,
 * search, diff, flame chart). No network access: the data, the script and
 * the style are all inside the file, and a Content-Security-Policy of
 * default-src 'none' forbids the page to load anything else.
 *
 * The embedded data
 * -----------------
 * One JSON object inside <script type="application/json" id="ember-data">,
 * designed so a 1,000,000-node profile stays a few bytes per node and decodes
 * in one linear pass of JavaScript:
 *
 *   names     the distinct frame names (strings), names[0] = "all" (the root)
 *   nodes     node count; nodes are in preorder (depth first, children by
 *             name), so a node's subtree is a contiguous range and the
 *             parent is recovered from depths with a stack
 *   depth     base64 of LEB128 varints: each node's depth (root 0)
 *   name      base64 of varints: each node's index into names
 *   types     [{name, unit, values}] one per sample type; values is a
 *             column of self values per node: {"varint": base64 of zigzag
 *             LEB128 varints} when every value is an integer below 2^52 in
 *             magnitude, else {"f64": base64 of little-endian doubles}
 *   type      the sample type shown first
 *   title, subtitle (subtitle may be null), palette, flamechart (bool)
 *   offcpu    index in names of the off-CPU marker frame "[off-cpu]"
 *             (model/offcpu.h), or -1; palette defaults to "hotcold" when
 *             it is present
 *   diff      null, or {"after": i, "before": j} for differential profiles
 *   timeline  null, or {"count": n, "node": varints of preorder node
 *             indices, "weight": a value column, "times": ...} in input
 *             order (flame chart); times is null, or when every entry has
 *             a time (flame_chart_times in flame_layout.h) {"origin":
 *             seconds on the input's clock, "span": ns, "bands": lanes,
 *             "band", "start", "end": value columns per entry, start and
 *             end in whole ns from the origin (end == start: not drawn)}
 *
 * Totals, layout and per-name aggregates are computed in the browser.
 *
 * Escaping: names are written as JSON strings whose '<', '>', '&', U+2028
 * and U+2029 are \u escapes (so "</script>" in a name stays data), control
 * bytes are \u escapes, and invalid UTF-8 becomes U+FFFD byte by byte. The
 * viewer draws names with canvas fillText and sets them with textContent.
 */
#ifndef EMBER_HTML_H
#define EMBER_HTML_H

#include "../model/profile.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct html_options {
    const char *title;   /* NULL: "Flame Graph" (or "Differential Flame Graph") */
    const char *subtitle; /* NULL or "": none (ember diff says how it normalized) */
    size_t sample_type;  /* the type shown first */
    int flamechart;      /* open in flame chart mode (when there is a timeline) */
    const char *palette; /* "hot", "mem", "io", "package", "hotcold"; NULL: hot,
                            or hotcold when the profile has off-CPU stacks */
};

void html_options_init(struct html_options *options);

/* Names the palettes html_options.palette accepts; 1 when name is one. */
int html_palette_is_known(const char *name);

/* Writes the whole HTML document. Returns 0, or -1 after printing why (a
 * profile with no nodes besides the root, or no sample type). */
int html_write(FILE *file, const struct profile *profile, const struct html_options *options);

/* Writes bytes as a JSON string safe inside an HTML <script> element. */
void html_write_script_string(FILE *file, const char *bytes, size_t length);

/* A base64 encoder that streams into a FILE (used for the varint and double
 * columns). Call base64_finish once at the end to flush padding. */
struct base64_writer {
    FILE *file;
    unsigned char pending[3];
    int pending_count;
};
void base64_begin(struct base64_writer *writer, FILE *file);
void base64_put_bytes(struct base64_writer *writer, const unsigned char *bytes, size_t length);
void base64_put_varint(struct base64_writer *writer, uint64_t value);
void base64_finish(struct base64_writer *writer);

/* The zigzag mapping of the value columns: 0, -1, 1, -2 -> 0, 1, 2, 3. */
uint64_t html_zigzag(int64_t value);

/* The viewer's source (src/render/viewer/: data.js, format.js,
 * flame_view.js and viewer.js concatenated, and viewer.css), turned into C
 * strings at build time by scripts/embed-text. */
extern const char ember_viewer_js[];
extern const char ember_viewer_css[];

#endif
