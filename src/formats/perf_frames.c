/* perf_frames.c — stackcollapse-perf.pl's naming of one `perf script`
 * callchain line; see perf_frames.h. Shared by the perf script reader and
 * the perf record session so that both print the same names.
 */
#define _GNU_SOURCE /* memrchr */
#include "perf_frames.h"
#include "../record/inline.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

/* ---- perl character classes on byte strings (\s, \d, \w): perf_frames.h ---- */

const unsigned char perl_character_classes[256] = {
    [' '] = PERL_CLASS_SPACE, ['\t'] = PERL_CLASS_SPACE, ['\n'] = PERL_CLASS_SPACE, ['\r'] = PERL_CLASS_SPACE,
    ['\f'] = PERL_CLASS_SPACE, ['\v'] = PERL_CLASS_SPACE, ['0'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT,
    ['1'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT, ['2'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT,
    ['3'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT, ['4'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT,
    ['5'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT, ['6'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT,
    ['7'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT, ['8'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT,
    ['9'] = PERL_CLASS_WORD | PERL_CLASS_DIGIT, ['A'] = PERL_CLASS_WORD, ['B'] = PERL_CLASS_WORD,
    ['C'] = PERL_CLASS_WORD, ['D'] = PERL_CLASS_WORD, ['E'] = PERL_CLASS_WORD, ['F'] = PERL_CLASS_WORD,
    ['G'] = PERL_CLASS_WORD, ['H'] = PERL_CLASS_WORD, ['I'] = PERL_CLASS_WORD, ['J'] = PERL_CLASS_WORD,
    ['K'] = PERL_CLASS_WORD, ['L'] = PERL_CLASS_WORD, ['M'] = PERL_CLASS_WORD, ['N'] = PERL_CLASS_WORD,
    ['O'] = PERL_CLASS_WORD, ['P'] = PERL_CLASS_WORD, ['Q'] = PERL_CLASS_WORD, ['R'] = PERL_CLASS_WORD,
    ['S'] = PERL_CLASS_WORD, ['T'] = PERL_CLASS_WORD, ['U'] = PERL_CLASS_WORD, ['V'] = PERL_CLASS_WORD,
    ['W'] = PERL_CLASS_WORD, ['X'] = PERL_CLASS_WORD, ['Y'] = PERL_CLASS_WORD, ['Z'] = PERL_CLASS_WORD,
    ['_'] = PERL_CLASS_WORD, ['a'] = PERL_CLASS_WORD, ['b'] = PERL_CLASS_WORD, ['c'] = PERL_CLASS_WORD,
    ['d'] = PERL_CLASS_WORD, ['e'] = PERL_CLASS_WORD, ['f'] = PERL_CLASS_WORD, ['g'] = PERL_CLASS_WORD,
    ['h'] = PERL_CLASS_WORD, ['i'] = PERL_CLASS_WORD, ['j'] = PERL_CLASS_WORD, ['k'] = PERL_CLASS_WORD,
    ['l'] = PERL_CLASS_WORD, ['m'] = PERL_CLASS_WORD, ['n'] = PERL_CLASS_WORD, ['o'] = PERL_CLASS_WORD,
    ['p'] = PERL_CLASS_WORD, ['q'] = PERL_CLASS_WORD, ['r'] = PERL_CLASS_WORD, ['s'] = PERL_CLASS_WORD,
    ['t'] = PERL_CLASS_WORD, ['u'] = PERL_CLASS_WORD, ['v'] = PERL_CLASS_WORD, ['w'] = PERL_CLASS_WORD,
    ['x'] = PERL_CLASS_WORD, ['y'] = PERL_CLASS_WORD, ['z'] = PERL_CLASS_WORD,
};

static int bytes_equal(const char *bytes, size_t length, const char *string)
{
    size_t string_length = strlen(string);
    return length == string_length && memcmp(bytes, string, length) == 0;
}

static int bytes_start_with(const char *bytes, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(bytes, prefix, prefix_length) == 0;
}

static int bytes_end_with(const char *bytes, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && memcmp(bytes + length - suffix_length, suffix, suffix_length) == 0;
}

static const char *find_bytes(const char *haystack, size_t length, const char *needle)
{
    size_t needle_length = strlen(needle);
    if (needle_length == 0 || length < needle_length)
        return NULL;
    const char *end = haystack + length - needle_length + 1;
    for (const char *p = haystack; p < end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (memcmp(p, needle, needle_length) == 0)
            return p;
    }
    return NULL;
}

struct span {
    const char *bytes;
    size_t length;
};

/* The line's three fields as spans. */
struct line_spans {
    struct span address, symbol, module;
};

/* Where built frames go (the caller's growable array). */
struct frame_sink {
    uint32_t **frames;
    size_t *count, *capacity;
};

static void sink_append(struct frame_sink *sink, uint32_t frame)
{
    if (*sink->count + 1 > *sink->capacity)
        GROW(*sink->frames, *sink->capacity, *sink->count + 1);
    (*sink->frames)[(*sink->count)++] = frame;
}

static enum frame_kind kind_of_name(const char *name, size_t length)
{
    if (bytes_end_with(name, length, "_[k]"))
        return FRAME_KERNEL;
    if (bytes_end_with(name, length, "_[j]"))
        return FRAME_JIT;
    if (bytes_end_with(name, length, "_[i]"))
        return FRAME_INLINED;
    return FRAME_UNKNOWN;
}

uint32_t perf_frame_for_name(struct profile *profile, const char *name, size_t length)
{
    return profile_frame_named(profile, name, length, kind_of_name(name, length));
}

/* Ensures the scratch buffer holds at least size bytes. */
static char *scratch_reserve(struct perf_frame_namer *namer, size_t size)
{
    if (size > namer->scratch_capacity)
        GROW(namer->scratch, namer->scratch_capacity, size);
    return namer->scratch;
}

/* perl: $func =~ m/\.\(.*\)\./ — a Go method name like "net/http.(*Client).Do". */
static int looks_like_go_method(const char *name, size_t length)
{
    const char *open = find_bytes(name, length, ".(");
    if (!open)
        return 0;
    size_t after = (size_t)(open - name) + 2;
    for (size_t i = length; i >= after + 2; i--)
        if (name[i - 2] == ')' && name[i - 1] == '.')
            return 1;
    return 0;
}

/* Whether text contains PREFIX, digits, then ".map" (perl: m:/tmp/perf-\d+\.map:
 * when literal_dot, else m/perf-\d+.map/ where the dot is any byte). */
static int contains_perf_map(struct span text, const char *prefix, int literal_dot)
{
    size_t prefix_length = strlen(prefix);
    const char *search = text.bytes;
    size_t left = text.length;
    const char *hit;
    while ((hit = find_bytes(search, left, prefix)) != NULL) {
        size_t digits_start = (size_t)(hit - search) + prefix_length;
        size_t digits_end = digits_start;
        while (digits_end < left && is_digit((unsigned char)search[digits_end]))
            digits_end++;
        if (digits_end > digits_start && left - digits_end >= 4 &&
            (!literal_dot || search[digits_end] == '.') &&
            memcmp(search + digits_end + 1, "map", 3) == 0)
            return 1;
        /* With "any byte" for the dot, \d+ may give its last digit to it. */
        if (!literal_dot && digits_end >= digits_start + 2 && left - digits_end >= 3 &&
            memcmp(search + digits_end, "map", 3) == 0)
            return 1;
        size_t advance = (size_t)(hit - search) + 1;
        search += advance;
        left -= advance;
    }
    return 0;
}

/* Tidies and annotates one frame name (in scratch, length bytes), returns the
 * new length. part_index > 0 means an old-style "->" inlined part. */
static size_t tidy_name(struct perf_frame_namer *namer, int java, size_t length,
                        size_t part_index, struct span module)
{
    const struct perf_frame_options *options = &namer->options;
    char *name = namer->scratch;
    /* tidy_generic */
    for (size_t i = 0; i < length; i++)
        if (name[i] == ';')
            name[i] = ':';
    if (!looks_like_go_method(name, length)) {
        for (size_t i = 0; i < length; i++) {
            if (name[i] != '(')
                continue;
            if (bytes_start_with(name + i + 1, length - i - 1, "anonymous namespace)"))
                continue;
            length = i;
            break;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < length; i++)
        if (name[i] != '"' && name[i] != '\'')
            name[kept++] = name[i];
    length = kept;
    /* tidy_java */
    if (java && length > 0 && name[0] == 'L' && memchr(name, '/', length)) {
        memmove(name, name + 1, length - 1);
        length--;
    }
    /* annotations */
    const char *suffix = NULL;
    if (part_index > 0) {
        if (!find_bytes(name, length, "_[i]"))
            suffix = "_[i]";
    } else if (options->annotate_kernel &&
               ((module.length > 0 && module.bytes[0] == '[') ||
                bytes_end_with(module.bytes, module.length, "vmlinux")) &&
               !find_bytes(module.bytes, module.length, "unknown")) {
        suffix = "_[k]";
    } else if (options->annotate_jit && contains_perf_map(module, "/tmp/perf-", 1) &&
               !find_bytes(name, length, "_[j]")) {
        suffix = "_[j]";
    }
    if (suffix) {
        name = scratch_reserve(namer, length + 4);
        memcpy(name + length, suffix, 4);
        length += 4;
    }
    return length;
}

/* perl: $mod =~ m/(perf-\d+.map|kernel\.|\[[^\]]+\])/ — modules --inline skips. */
static int inline_skips_module(struct span module)
{
    if (contains_perf_map(module, "perf-", 0) || find_bytes(module.bytes, module.length, "kernel."))
        return 1;
    /* \[[^\]]+\] : a ']' with a '[' before it, at least one byte apart and
     * no ']' between them. One pass: remember the first '[' since the last ']'. */
    size_t open = SIZE_MAX;
    for (size_t i = 0; i < module.length; i++) {
        if (module.bytes[i] == '[' && open == SIZE_MAX)
            open = i;
        else if (module.bytes[i] == ']') {
            if (open != SIZE_MAX && i >= open + 2)
                return 1;
            open = SIZE_MAX;
        }
    }
    return 0;
}

static uint64_t parse_hex(struct span text)
{
    uint64_t value = 0;
    for (size_t i = 0; i < text.length; i++) {
        unsigned char byte = (unsigned char)text.bytes[i];
        unsigned digit;
        if (is_digit(byte))
            digit = byte - '0';
        else if ((unsigned)((byte | 0x20) - 'a') < 6u)
            digit = (unsigned)((byte | 0x20) - 'a') + 10;
        else
            break;
        value = value << 4 | digit;
    }
    return value;
}

/* --inline: the frames addr2line-like expansion gives for this line, appended
 * to the sink root-first. Returns 1 when it gave any. */
static int expand_inline(struct perf_frame_namer *namer, const struct line_spans *fields,
                         struct frame_sink *sink)
{
    if (!namer->resolver || inline_skips_module(fields->module))
        return 0;
    const char *const *names;
    const size_t *lengths;
    size_t count = inline_resolver_lookup(namer->resolver, fields->module.bytes,
                                          fields->module.length, parse_hex(fields->address),
                                          fields->symbol.bytes, fields->symbol.length, &names,
                                          &lengths);
    /* perl falls back to perf's symbol for an empty, "??" or "??:??:0" answer. */
    if (count == 0 ||
        (count == 1 && (bytes_equal(names[0], lengths[0], "??") ||
                        bytes_equal(names[0], lengths[0], "??:??:0"))))
        return 0;
    for (size_t i = 0; i < count; i++) {
        sink_append(sink, perf_frame_for_name(namer->profile, names[i], lengths[i]));
    }
    return 1;
}

/* Builds the frames of a stack line, appending their ids root-first to
 * the sink. */
static void build_frames(struct perf_frame_namer *namer, const struct line_spans *fields, int java,
                         struct frame_sink *sink)
{
    if (expand_inline(namer, fields, sink))
        return;
    const struct perf_frame_options *options = &namer->options;
    struct span symbol = fields->symbol;
    /* perl: s/\+0x[\da-f]+$// — hex digits hold no '+', so only the last
     * '+' can start the match. */
    const char *plus = memrchr(symbol.bytes, '+', symbol.length);
    if (plus) {
        size_t at = (size_t)(plus - symbol.bytes);
        size_t digits = at + 3;
        if (digits < symbol.length && plus[1] == '0' && plus[2] == 'x') {
            while (digits < symbol.length && is_lower_hex((unsigned char)symbol.bytes[digits]))
                digits++;
            if (digits == symbol.length)
                symbol.length = at;
        }
    }
    if (symbol.length > 0 && symbol.bytes[0] == '(')
        return; /* perl skips "(process name)" pseudo frames */
    /* perl: split /->/ — empty trailing fields are dropped. */
    size_t last_nonempty = 0, part_count = 0;
    for (size_t start = 0;;) {
        const char *arrow = find_bytes(symbol.bytes + start, symbol.length - start, "->");
        size_t end = arrow ? (size_t)(arrow - symbol.bytes) : symbol.length;
        part_count++;
        if (end > start)
            last_nonempty = part_count;
        if (!arrow)
            break;
        start = end + 2;
    }
    size_t start = 0;
    for (size_t part = 0; part < last_nonempty; part++) {
        const char *hit = find_bytes(symbol.bytes + start, symbol.length - start, "->");
        size_t end = hit ? (size_t)(hit - symbol.bytes) : symbol.length;
        struct span function = {symbol.bytes + start, end - start};
        start = end + 2;
        size_t length;
        if (bytes_equal(function.bytes, function.length, "[unknown]")) {
            struct span base = {"unknown", 7};
            if (!bytes_equal(fields->module.bytes, fields->module.length, "[unknown]")) {
                base = fields->module;
                const char *slash = memrchr(base.bytes, '/', base.length);
                if (slash) {
                    base.length -= (size_t)(slash + 1 - base.bytes);
                    base.bytes = slash + 1;
                }
            }
            char *name = scratch_reserve(namer, base.length + fields->address.length + 8);
            length = 0;
            name[length++] = '[';
            memcpy(name + length, base.bytes, base.length);
            length += base.length;
            if (options->include_addresses) {
                name[length++] = ' ';
                name[length++] = '<';
                memcpy(name + length, fields->address.bytes, fields->address.length);
                length += fields->address.length;
                name[length++] = '>';
            }
            name[length++] = ']';
        } else {
            char *name = scratch_reserve(namer, function.length + 8);
            memcpy(name, function.bytes, function.length);
            length = function.length;
        }
        length = tidy_name(namer, java, length, part, fields->module);
        sink_append(sink, perf_frame_for_name(namer->profile, namer->scratch, length));
    }
}

void perf_frame_namer_init(struct perf_frame_namer *namer, struct profile *profile,
                           const struct perf_frame_options *options)
{
    memset(namer, 0, sizeof *namer);
    namer->profile = profile;
    if (options)
        namer->options = *options;
    if (namer->options.inline_frames)
        namer->resolver = inline_resolver_create(namer->options.inline_context);
}

void perf_frame_namer_free(struct perf_frame_namer *namer)
{
    free(namer->scratch);
    inline_resolver_destroy(namer->resolver);
    memset(namer, 0, sizeof *namer);
}

void perf_frame_namer_build(struct perf_frame_namer *namer, const struct perf_frame_text *line,
                            int java, uint32_t **frames, size_t *count, size_t *capacity)
{
    struct line_spans fields = {{line->address, line->address_length},
                                {line->symbol, line->symbol_length},
                                {line->module, line->module_length}};
    struct frame_sink sink = {frames, count, capacity};
    build_frames(namer, &fields, java, &sink);
}

int perf_header_match(const char *line, size_t length, struct perf_header_fields *fields)
{
    if (length < 3 || is_perl_space((unsigned char)line[0]))
        return 0;
    /* The lazy (\S.+?) stops at the first whitespace run (at offset >= 2)
     * that is followed by the number part; later positions of the same run
     * lead to the same number part, so only the run's first one is tried. */
    for (size_t position = 2; position < length; position++) {
        if (!is_perl_space((unsigned char)line[position]))
            continue;
        if (position > 2 && is_perl_space((unsigned char)line[position - 1]))
            continue;
        size_t digits = position;
        while (digits < length && is_perl_space((unsigned char)line[digits]))
            digits++;
        if (digits == length || !is_digit((unsigned char)line[digits]))
            continue;
        size_t digits_end = digits;
        while (digits_end < length && is_digit((unsigned char)line[digits_end]))
            digits_end++;
        size_t second = digits_end;
        while (second < length && line[second] == '/')
            second++;
        size_t second_end = second;
        while (second_end < length && is_digit((unsigned char)line[second_end]))
            second_end++;
        if (second_end < length && is_perl_space((unsigned char)line[second_end])) {
            *fields = (struct perf_header_fields){line, position, line + digits,
                                                  digits_end - digits, line + second,
                                                  second_end - second, second_end};
            return 1;
        }
    }
    return 0;
}

int perf_stack_line_match(const char *line, size_t length, struct perf_frame_text *fields,
                          size_t *text_start_offset, int *backtracked)
{
    size_t address_start = 0;
    while (address_start < length && is_perl_space((unsigned char)line[address_start]))
        address_start++;
    size_t address_end = address_start;
    while (address_end < length && is_word((unsigned char)line[address_end]))
        address_end++;
    if (address_end == address_start)
        return 0;
    size_t text_start = address_end;
    while (text_start < length && is_perl_space((unsigned char)line[text_start]))
        text_start++;
    const char *last_close = memrchr(line, ')', length);
    if (!last_close)
        return 0;
    size_t close = (size_t)(last_close - line);
    if (close < 2)
        return 0;
    size_t open = close - 2;
    while (!(line[open] == ' ' && line[open + 1] == '(')) {
        if (open == 0)
            return 0;
        open--;
    }
    if (open < address_start + 2)
        return 0;
    size_t symbol_start = text_start < open - 1 ? text_start : open - 1;
    size_t address_stop = symbol_start < address_end ? symbol_start : address_end;
    *fields = (struct perf_frame_text){line + address_start, address_stop - address_start,
                                       line + symbol_start,  open - symbol_start,
                                       line + open + 2,      close - open - 2};
    *text_start_offset = text_start;
    *backtracked = symbol_start != text_start;
    return 1;
}
