/* svg.h — flamegraph.pl-compatible interactive SVG flame graphs.
 *
 * svg_write() draws a Profile as flamegraph.pl would draw the folded form
 * of that profile with the same options: same frame set and geometry, same
 * palettes, same interactive behaviour (zoom, search, reset, tooltips), with
 * ember's own JavaScript. Everything taken from the profile or the options
 * is escaped for its context.
 *
 * Colours: by default (and with deterministic) each frame's colour comes
 * from its name exactly as flamegraph.pl's default does, so two runs give
 * byte-identical files; random draws fresh colours seeded from the clock
 * (or random_seed); hash uses flamegraph.pl's name hash.
 */
#ifndef EMBER_SVG_H
#define EMBER_SVG_H

#include "../model/profile.h"

#include <stdio.h>

struct svg_options {
    const char *title;          /* NULL: "Flame Graph", "Icicle Graph" or "Flame Chart" */
    const char *subtitle;       /* NULL or "": none */
    double width;               /* image width in pixels, default 1200 */
    double frame_height;        /* default 16 */
    double min_width;           /* default 0.1 */
    int min_width_is_percent;   /* --minwidth N% */
    const char *font_type;      /* default "Verdana" */
    double font_size;           /* default 12 */
    double font_width;          /* default 0.59 */
    const char *count_name;     /* default "samples" */
    const char *name_type;      /* default "Function:" */
    const char *colors;         /* palette name; NULL: "hot", or "hotcold" when the
                                   profile has off-CPU stacks (model/offcpu.h) */
    const char *background_colors; /* NULL: from the palette */
    int hash;                   /* --hash: colours from the name */
    int random;                 /* --random */
    int deterministic;          /* --deterministic: random colours seeded by name */
    const char *palette_map;    /* --cp: path of palette.map to read and update, or NULL */
    int reverse;                /* --reverse: stacks reversed */
    int inverted;               /* --inverted: icicle graph */
    int flamechart;             /* --flamechart: input order, no merging */
    int negate;                 /* --negate: swap differential colours */
    double factor;              /* --factor, default 1 */
    double total;               /* --total, 0 = sum of the input */
    const char *notes;          /* --notes */
    const char *name_attributes;/* --nameattr FILE, or NULL */
    const char *encoding;       /* --encoding, NULL: none declared */
    const char *search_color;   /* default "rgb(230,0,230)" */
    const char *stroke_color;   /* NULL: none */
    int truncate_text_right;    /* 1 (default): "long_na.."; 0: "..ng_name" (inferno's default) */
    size_t sample_type;         /* which of the profile's sample types is drawn */
    unsigned long random_seed;  /* --random: seed; 0 = from the clock */
};

void svg_options_init(struct svg_options *options);
/* Returns 0, or -1 after printing a message (e.g. unreadable --nameattr).
 * A profile with no samples produces flamegraph.pl's error SVG and -1. */
int svg_write(FILE *file, const struct profile *profile, const struct svg_options *options);

#endif
