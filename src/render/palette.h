/* palette.h — frame colours, as flamegraph.pl chooses them.
 *
 * Palettes: hot (default), mem, io, wakeup, chain, java, js, perl, python,
 * rust (name-driven choice between the flat palettes), the flat red,
 * green, blue, aqua, yellow, purple, orange, and hotcold: Gregg's hot/cold
 * graphs, on-CPU frames in the hot palette and off-CPU frames (a box the
 * renderer flags as on an off-CPU path, model/offcpu.h) in the blue one,
 * both by name, so a function keeps its shade within each half.
 *
 * How the three random-looking numbers v1..v3 of a colour are drawn:
 *   default   from the name only: perl's srand(sum of the name's characters)
 *             then rand(1), exactly as flamegraph.pl's random_namehash, so
 *             ember reproduces flamegraph.pl's colours byte for byte and the
 *             output is the same on every run;
 *   --hash    flamegraph.pl's namehash of the name and of the reversed name;
 *   --random  a drand48 generator seeded from the clock (state kept in
 *             struct palette, never global).
 * Differential frames use palette_color_scale (red = more, blue = less).
 */
#ifndef EMBER_PALETTE_H
#define EMBER_PALETTE_H

#include <stddef.h>
#include <stdint.h>

enum palette_kind {
    PALETTE_HOT,
    PALETTE_MEM,
    PALETTE_IO,
    PALETTE_WAKEUP,
    PALETTE_CHAIN,
    PALETTE_JAVA,
    PALETTE_JS,
    PALETTE_PERL,
    PALETTE_PYTHON,
    PALETTE_RUST,
    PALETTE_RED,
    PALETTE_GREEN,
    PALETTE_BLUE,
    PALETTE_AQUA,
    PALETTE_YELLOW,
    PALETTE_PURPLE,
    PALETTE_ORANGE,
    PALETTE_HOTCOLD,
};

enum palette_mode {
    PALETTE_BY_NAME,   /* default and --deterministic */
    PALETTE_BY_HASH,   /* --hash */
    PALETTE_RANDOM,    /* --random */
};

/* perl's drand48 (48-bit linear congruential generator). */
struct perl_random {
    uint64_t state;
};

void perl_random_seed(struct perl_random *random, uint32_t seed);
double perl_random_next(struct perl_random *random);

struct palette {
    enum palette_kind kind;
    enum palette_mode mode;
    int utf8;                  /* names are UTF-8 (characters are code points) */
    struct perl_random random; /* for PALETTE_RANDOM */
};

/* Returns 0 and sets *kind, or -1 for an unknown name. */
int palette_kind_from_name(const char *name, enum palette_kind *kind);
/* Space-separated list of palette names, for help and errors. */
const char *palette_names(void);

/* Background gradient defaults for a palette: "yellow", "green", "blue" or "grey". */
const char *palette_default_background(enum palette_kind kind);

/* Writes "rgb(r,g,b)" for a frame name into out (at least 20 bytes);
 * returns the length. */
int palette_color(struct palette *palette, const char *name, size_t length, char *out);
/* The colour of an off-CPU frame (hotcold): blue, "rgb(r,g,b)" with
 * r = g in 80..140 and b in 205..255. Returns the length. */
int palette_color_off_cpu(struct palette *palette, const char *name, size_t length, char *out);

/* Differential colour: value > 0 red, < 0 blue, scaled by max (flamegraph.pl's
 * color_scale); negate swaps the hues. Returns the length written to out. */
int palette_color_scale(double value, double max, int negate, char *out);

#endif
