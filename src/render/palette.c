/* palette.c — frame colours (flamegraph.pl's palettes and colour rules,
 * plus python and rust palettes); see palette.h. */
#include "palette.h"
#include "escape.h"
#include "../util/memory.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void perl_random_seed(struct perl_random *random, uint32_t seed)
{
    random->state = 0x330eULL + ((uint64_t)seed << 16);
}

double perl_random_next(struct perl_random *random)
{
    random->state = (random->state * 0x5DEECE66DULL + 0xB) & 0xffffffffffffULL;
    return ldexp((double)random->state, -48);
}

static const struct {
    const char *name;
    enum palette_kind kind;
} palette_table[] = {
    {"hot", PALETTE_HOT},       {"mem", PALETTE_MEM},       {"io", PALETTE_IO},
    {"wakeup", PALETTE_WAKEUP}, {"chain", PALETTE_CHAIN},   {"java", PALETTE_JAVA},
    {"js", PALETTE_JS},         {"perl", PALETTE_PERL},     {"python", PALETTE_PYTHON},
    {"rust", PALETTE_RUST},     {"red", PALETTE_RED},       {"green", PALETTE_GREEN},
    {"blue", PALETTE_BLUE},     {"aqua", PALETTE_AQUA},     {"yellow", PALETTE_YELLOW},
    {"purple", PALETTE_PURPLE}, {"orange", PALETTE_ORANGE},   {"hotcold", PALETTE_HOTCOLD},
};

int palette_kind_from_name(const char *name, enum palette_kind *kind)
{
    for (size_t i = 0; i < sizeof palette_table / sizeof palette_table[0]; i++)
        if (strcmp(name, palette_table[i].name) == 0) {
            *kind = palette_table[i].kind;
            return 0;
        }
    return -1;
}

const char *palette_names(void)
{
    return "hot mem io wakeup chain java js perl python rust red green blue aqua yellow purple "
           "orange hotcold";
}

const char *palette_default_background(enum palette_kind kind)
{
    switch (kind) {
    case PALETTE_MEM: return "green";
    case PALETTE_IO:
    case PALETTE_WAKEUP:
    case PALETTE_CHAIN: return "blue";
    case PALETTE_RED:
    case PALETTE_GREEN:
    case PALETTE_BLUE:
    case PALETTE_AQUA:
    case PALETTE_YELLOW:
    case PALETTE_PURPLE:
    case PALETTE_ORANGE: return "grey";
    default: return "yellow";
    }
}

/* ---- small byte-pattern helpers (names are not NUL-terminated) ---- */

static int contains(const char *name, size_t length, const char *needle)
{
    size_t needle_length = strlen(needle);
    if (needle_length > length)
        return 0;
    for (size_t i = 0; i + needle_length <= length; i++)
        if (memcmp(name + i, needle, needle_length) == 0)
            return 1;
    return 0;
}

static int ends_with(const char *name, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && memcmp(name + length - suffix_length, suffix, suffix_length) == 0;
}

static int starts_with(const char *name, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(name, prefix, prefix_length) == 0;
}

/* ---- the multi palettes: pick a flat palette from the name ---- */

static enum palette_kind resolve_java(const char *name, size_t length)
{
    if (ends_with(name, length, "_[j]"))
        return PALETTE_GREEN;
    if (ends_with(name, length, "_[i]"))
        return PALETTE_AQUA;
    static const char *const java_packages[] = {"java/", "javax/", "jdk/", "net/",
                                                "org/",  "com/",   "io/",  "sun/"};
    const char *rest = name;
    size_t rest_length = length;
    for (int with_l = 0; with_l < 2; with_l++) {
        for (size_t i = 0; i < sizeof java_packages / sizeof java_packages[0]; i++)
            if (starts_with(rest, rest_length, java_packages[i]))
                return PALETTE_GREEN;
        if (length > 0 && name[0] == 'L') {
            rest = name + 1;
            rest_length = length - 1;
        } else {
            break;
        }
    }
    if (contains(name, length, ":::"))
        return PALETTE_GREEN;
    if (contains(name, length, "::"))
        return PALETTE_YELLOW;
    if (ends_with(name, length, "_[k]"))
        return PALETTE_ORANGE;
    return PALETTE_RED;
}

static enum palette_kind resolve_perl(const char *name, size_t length)
{
    if (contains(name, length, "::"))
        return PALETTE_YELLOW;
    if (contains(name, length, "Perl") || contains(name, length, ".pl"))
        return PALETTE_GREEN;
    if (ends_with(name, length, "_[k]"))
        return PALETTE_ORANGE;
    return PALETTE_RED;
}

static enum palette_kind resolve_js(const char *name, size_t length)
{
    if (ends_with(name, length, "_[j]"))
        return memchr(name, '/', length) ? PALETTE_GREEN : PALETTE_AQUA;
    if (contains(name, length, "::"))
        return PALETTE_YELLOW;
    const char *slash = memchr(name, '/', length);
    if (slash && contains(slash + 1, length - (size_t)(slash + 1 - name), ".js"))
        return PALETTE_GREEN;
    if (memchr(name, ':', length))
        return PALETTE_AQUA;
    if (length == 1 && name[0] == ' ')
        return PALETTE_GREEN;
    if (contains(name, length, "_[k]"))
        return PALETTE_ORANGE;
    return PALETTE_RED;
}

/* Python (ember's rules): kernel orange, native code red, the interpreter's
 * own and standard-library frames yellow, third-party packages aqua, the
 * program's own Python code green. */
static enum palette_kind resolve_python(const char *name, size_t length)
{
    if (contains(name, length, "_[k]"))
        return PALETTE_ORANGE;
    if (contains(name, length, "site-packages") || contains(name, length, "dist-packages"))
        return PALETTE_AQUA;
    if (contains(name, length, "<frozen") || contains(name, length, "/lib/python") ||
        contains(name, length, "<built-in"))
        return PALETTE_YELLOW;
    if (contains(name, length, ".py") || starts_with(name, length, "<module>"))
        return PALETTE_GREEN;
    return PALETTE_RED;
}

/* Rust (ember's rules): the standard library orange, other paths yellow,
 * unqualified (C, system) red. */
static enum palette_kind resolve_rust(const char *name, size_t length)
{
    if (starts_with(name, length, "core::") || starts_with(name, length, "std::") ||
        starts_with(name, length, "alloc::") || contains(name, length, " as core::") ||
        contains(name, length, " as std::") || contains(name, length, " as alloc::"))
        return PALETTE_ORANGE;
    if (contains(name, length, "::"))
        return PALETTE_YELLOW;
    return PALETTE_RED;
}

/* ---- the numbers behind a colour ---- */

/* Characters of a name as perl sees them: code points of UTF-8, with
 * control bytes kept as themselves. */
static uint32_t next_character(const struct palette *palette, const char *name, size_t length,
                               size_t *position)
{
    unsigned char byte = (unsigned char)name[*position];
    if (byte < 0x80 || !palette->utf8) {
        (*position)++;
        return byte;
    }
    return escape_next_character(name, length, position, 1);
}

/* flamegraph.pl's namehash over characters[0, count). */
static double name_hash(const uint32_t *characters, size_t count)
{
    /* s/.(.*?)`// : drop everything up to the first backtick after the first character. */
    size_t start = 0;
    for (size_t i = 1; i < count; i++)
        if (characters[i] == '`') {
            start = i + 1;
            break;
        }
    double vector = 0, weight = 1, max = 1;
    int modulo = 10;
    for (size_t i = start; i < count; i++) {
        int value = (int)(characters[i] % (uint32_t)modulo);
        vector += ((double)value / (modulo++ - 1)) * weight;
        max += weight;
        weight *= 0.70;
        if (modulo > 12)
            break;
    }
    return 1 - vector / max;
}

static void hash_values(const struct palette *palette, const char *name, size_t length,
                        double *v1, double *v2)
{
    uint32_t small[128] = {0};
    uint32_t *characters = length <= 128 ? small : xmalloc(length * sizeof *characters);
    size_t count = 0, position = 0;
    while (position < length)
        characters[count++] = next_character(palette, name, length, &position);
    *v1 = name_hash(characters, count);
    for (size_t i = 0; i < count / 2; i++) {
        uint32_t swap = characters[i];
        characters[i] = characters[count - 1 - i];
        characters[count - 1 - i] = swap;
    }
    *v2 = name_hash(characters, count);
    if (characters != small)
        free(characters);
}

static double name_random(const struct palette *palette, const char *name, size_t length)
{
    uint32_t sum = 0;
    size_t position = 0;
    while (position < length)
        sum += next_character(palette, name, length, &position);
    struct perl_random random;
    perl_random_seed(&random, sum);
    return perl_random_next(&random);
}

/* Appends a number of 0..999 (a colour component) in decimal. */
static char *put_component(char *out, int value)
{
    if (value >= 100)
        *out++ = (char)('0' + value / 100);
    if (value >= 10)
        *out++ = (char)('0' + value / 10 % 10);
    *out++ = (char)('0' + value % 10);
    return out;
}

/* "rgb(R,G,B)" as sprintf's "rgb(%d,%d,%d)" writes it (one colour per
 * frame: by hand, printf cost more than choosing the colour). */
static int write_rgb(char *out, int red, int green, int blue)
{
    if (red < 0 || red > 999 || green < 0 || green > 999 || blue < 0 || blue > 999)
        return sprintf(out, "rgb(%d,%d,%d)", red, green, blue);
    char *at = out;
    memcpy(at, "rgb(", 4);
    at = put_component(at + 4, red);
    *at++ = ',';
    at = put_component(at, green);
    *at++ = ',';
    at = put_component(at, blue);
    *at++ = ')';
    *at = '\0';
    return (int)(at - out);
}

/* The three numbers behind a colour, drawn as palette->mode says. */
static void color_values(struct palette *palette, const char *name, size_t length, double *v1,
                         double *v2, double *v3)
{
    if (palette->mode == PALETTE_BY_HASH) {
        hash_values(palette, name, length, v1, v2);
        *v3 = *v2;
    } else if (palette->mode == PALETTE_RANDOM) {
        *v1 = perl_random_next(&palette->random);
        *v2 = perl_random_next(&palette->random);
        *v3 = perl_random_next(&palette->random);
    } else {
        *v1 = *v2 = *v3 = name_random(palette, name, length);
    }
}

int palette_color_off_cpu(struct palette *palette, const char *name, size_t length, char *out)
{
    double v1, v2, v3;
    color_values(palette, name, length, &v1, &v2, &v3);
    int other = 80 + (int)(60 * v1);
    return write_rgb(out, other, other, 205 + (int)(50 * v1));
}

int palette_color(struct palette *palette, const char *name, size_t length, char *out)
{
    double v1, v2, v3;
    color_values(palette, name, length, &v1, &v2, &v3);
    enum palette_kind kind = palette->kind;
    switch (kind) {
    case PALETTE_HOT:
    case PALETTE_HOTCOLD: /* on-CPU frames; off-CPU ones: palette_color_off_cpu */
        return write_rgb(out, 205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
    case PALETTE_MEM: return write_rgb(out, 0, 190 + (int)(50 * v2), (int)(210 * v1));
    case PALETTE_IO: {
        int grey = 80 + (int)(60 * v1);
        return write_rgb(out, grey, grey, 190 + (int)(55 * v2));
    }
    case PALETTE_JAVA: kind = resolve_java(name, length); break;
    case PALETTE_PERL: kind = resolve_perl(name, length); break;
    case PALETTE_JS: kind = resolve_js(name, length); break;
    case PALETTE_PYTHON: kind = resolve_python(name, length); break;
    case PALETTE_RUST: kind = resolve_rust(name, length); break;
    case PALETTE_WAKEUP: kind = PALETTE_AQUA; break;
    case PALETTE_CHAIN: kind = contains(name, length, "_[w]") ? PALETTE_AQUA : PALETTE_BLUE; break;
    default: break;
    }
    switch (kind) {
    case PALETTE_RED: {
        int other = 50 + (int)(80 * v1);
        return write_rgb(out, 200 + (int)(55 * v1), other, other);
    }
    case PALETTE_GREEN: {
        int other = 50 + (int)(60 * v1);
        return write_rgb(out, other, 200 + (int)(55 * v1), other);
    }
    case PALETTE_BLUE: {
        int other = 80 + (int)(60 * v1);
        return write_rgb(out, other, other, 205 + (int)(50 * v1));
    }
    case PALETTE_YELLOW: {
        int both = 175 + (int)(55 * v1);
        return write_rgb(out, both, both, 50 + (int)(20 * v1));
    }
    case PALETTE_PURPLE: {
        int both = 190 + (int)(65 * v1);
        return write_rgb(out, both, 80 + (int)(60 * v1), both);
    }
    case PALETTE_AQUA:
        return write_rgb(out, 50 + (int)(60 * v1), 165 + (int)(55 * v1), 165 + (int)(55 * v1));
    case PALETTE_ORANGE: return write_rgb(out, 190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
    default: return write_rgb(out, 0, 0, 0);
    }
}

int palette_color_scale(double value, double max, int negate, char *out)
{
    int red = 255, green = 255, blue = 255;
    if (negate)
        value = -value;
    if (value > 0)
        green = blue = (int)(210 * (max - value) / max);
    else if (value < 0)
        red = green = (int)(210 * (max + value) / max);
    return write_rgb(out, red, green, blue);
}
