/* perf_script.c — reads `perf script` text into a Profile, the way
 * stackcollapse-perf.pl folds it.
 *
 * Behaviour (the contract is byte-identical folded output for the same
 * flags; see docs/collapse.md for the few deliberate differences):
 *
 *  - Lines starting with '#' are comments. A blank line ends a sample.
 *  - A sample header is recognised as perl's /^(\S.+?)\s+(\d+)\/[*](\d+)*\s+/ (slashes, then digits)
 *    would: comm (may contain spaces), then PID/TID or TID. The period and
 *    event name come from /:\s*(\d+)*\s+(\S+):\s*$/, i.e. only when the line
 *    ends with "event:". The first event seen is kept; other events are
 *    dropped with the notice "Filtering for events of type: X" (X is the
 *    first dropped event, exactly as the perl prints it), unless event
 *    filters are given.
 *  - A stack line is /^\s*(\w+)\s*(.+) \((.*)\)/: address, raw symbol and
 *    module, matched with the same greedy/backtracking outcome as perl.
 *  - Symbols are tidied as the perl does (src/formats/perf_frames.c, shared
 *    with the perf record session) (offset "+0x..." removed, "->"
 *    old-style inline chains split, [unknown] replaced by the module's base
 *    name, ';' -> ':', argument lists cut, quotes dropped, Java "L" prefix
 *    removed for java processes) and annotated with _[k] _[j] _[i] on demand.
 *  - A sample still open at the end of the input (no blank line after it) is
 *    dropped, as the perl drops it; a note says so.
 *
 * Model mapping: the root frame is the process name ("comm", "comm-PID" or
 * "comm-PID/TID"), then the frames root-first; the period (or 1) is added to
 * sample type ("samples", "count"). Frame kinds are a function of the printed
 * name (suffix _[k] -> kernel, _[j] -> jit, _[i] -> inlined, else unknown),
 * so two frames are distinct exactly when their printed names differ.
 *
 * Speed: the input is consumed block by block (never slurped). Every stack
 * line's text after its address ("sym+0x12 (/usr/lib/x.so)") is looked up in
 * a hash table that maps the raw bytes (and whether the process is a java
 * one, which changes tidying) to the final frame ids, so a repeated frame
 * costs one hash and one memcmp; stacks go into the call tree by frame id.
 * A regular file of 8 MiB or more, when the caller does not need ids in
 * input order (input->any_id_order: collapse, flamegraph), is mapped and
 * read on two threads: it is cut into pieces at sample boundaries, the first
 * thread reads pieces from the front, the second from the back into its own
 * profile that is merged afterwards. The second thread prints nothing;
 * anything it would have to say (an unrecognised line, another event, a bad
 * byte, an unfinished ending) sends its part back to the first thread to be
 * read in order, so messages and line numbers are those of a serial read
 * (tests/e2e/collapse_parallel.sh).
 *
 * Errors: NUL bytes (binary data), a last line without newline (input cut
 * short) and input with no recognisable line at all are reported as
 * "ember: FILE:LINE: ..." and fail the read. Unrecognised lines in otherwise
 * valid input are warned about (as the perl warns) and skipped.
 */
#define _GNU_SOURCE /* memrchr, memmem */
#include "perf_script.h"
#include "perf_frames.h"
#include "../util/diagnostics.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_UNRECOGNISED_WARNINGS = 10,
    QUOTE_LIMIT = 200, /* bytes of a line quoted in a message */
    PROBE_HEADER_SCORE = 90,     /* above folded's 60 */
    PROBE_UNINDENTED_SCORE = 70, /* still above folded's 60 */
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

/* ---- the line grammars ---- */

struct span {
    const char *bytes;
    size_t length;
};

/* A sample header: perl's /^(\S.+?)\s+(\d+)\/[*](\d+)*\s+/ (slashes, then digits). */
struct header_fields {
    struct span comm;
    struct span pid;
    struct span tid;   /* length 0 when the line has only one number */
    size_t ids_end;    /* offset just after the pid/tid digits */
};

static int match_header(const char *line, size_t length, struct header_fields *fields)
{
    struct perf_header_fields found;
    if (!perf_header_match(line, length, &found))
        return 0;
    fields->comm = (struct span){found.comm, found.comm_length};
    fields->pid = (struct span){found.pid, found.pid_length};
    fields->tid = (struct span){found.tid, found.tid_length};
    fields->ids_end = found.ids_end;
    return 1;
}

/* The period and event of a header: perl's /:\s*(\d+)*\s+(\S+):\s*$/. */
struct event_fields {
    struct span period; /* length 0 when absent */
    struct span event;
    size_t colon;       /* offset of the ':' the match starts at */
};

static int match_event(const char *line, size_t length, struct event_fields *fields)
{
    size_t end = length;
    while (end > 0 && is_perl_space((unsigned char)line[end - 1]))
        end--;
    if (end < 2 || line[end - 1] != ':')
        return 0;
    size_t token = end - 1;
    while (token > 0 && !is_perl_space((unsigned char)line[token - 1]))
        token--;
    if (token == end - 1 || token == 0)
        return 0; /* (\S+) must be non-empty and preceded by \s+ */
    size_t space_start = token;
    while (space_start > 0 && is_perl_space((unsigned char)line[space_start - 1]))
        space_start--;
    size_t digit_start = space_start;
    while (digit_start > 0 && is_digit((unsigned char)line[digit_start - 1]))
        digit_start--;
    size_t colon_end = digit_start;
    while (colon_end > 0 && is_perl_space((unsigned char)line[colon_end - 1]))
        colon_end--;
    if (colon_end == 0 || line[colon_end - 1] != ':')
        return 0;
    fields->period = (struct span){line + digit_start, space_start - digit_start};
    fields->event = (struct span){line + token, end - 1 - token};
    fields->colon = colon_end - 1;
    return 1;
}

/* A stack line: perl's /^\s*(\w+)\s*(.+) \((.*)\)/. (.+) is greedy, so the
 * module starts after the last " (" that has a ')' somewhere after it, and
 * ends at the last ')'. When that leaves no room for the symbol after the
 * whitespace, perl backtracks into the whitespace and then into the address;
 * symbol_start says where the symbol finally starts. */
struct stack_fields {
    struct span address;
    struct span symbol;
    struct span module;
    size_t text_start;    /* offset of the symbol when no backtracking happens */
    int backtracked;      /* the symbol starts before text_start */
};

static int match_stack(const char *line, size_t length, struct stack_fields *fields)
{
    struct perf_frame_text text;
    size_t text_start;
    int backtracked;
    if (!perf_stack_line_match(line, length, &text, &text_start, &backtracked))
        return 0;
    fields->address = (struct span){text.address, text.address_length};
    fields->symbol = (struct span){text.symbol, text.symbol_length};
    fields->module = (struct span){text.module, text.module_length};
    fields->text_start = text_start;
    fields->backtracked = backtracked;
    return 1;
}

/* ---- byte-string keyed tables (frame and stack caches) ---- */

/* A fast hash for the caches: 16 bytes per step, each folded through a
 * 64x64->128-bit multiply (the wyhash construction). */
static inline uint64_t fold_multiply(uint64_t left, uint64_t right)
{
    __uint128_t product = (__uint128_t)left * right;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
}

static inline uint64_t read64(const char *bytes)
{
    uint64_t value;
    memcpy(&value, bytes, 8);
    return value;
}

static inline uint64_t read32(const char *bytes)
{
    uint32_t value;
    memcpy(&value, bytes, 4);
    return value;
}

static inline uint64_t key_hash(const char *bytes, size_t length)
{
    const uint64_t secret0 = 0xa0761d6478bd642fULL, secret1 = 0xe7037ed1a0b428dbULL;
    uint64_t state = 0x8ebc6af09c88c6e3ULL ^ fold_multiply(length ^ secret0, secret1);
    uint64_t first, second;
    if (length <= 16) {
        if (length >= 8) {
            first = read64(bytes);
            second = read64(bytes + length - 8);
        } else if (length >= 4) {
            first = read32(bytes);
            second = read32(bytes + length - 4);
        } else if (length > 0) {
            first = (uint64_t)(unsigned char)bytes[0] << 16 |
                    (uint64_t)(unsigned char)bytes[length / 2] << 8 |
                    (unsigned char)bytes[length - 1];
            second = 0;
        } else {
            first = second = 0;
        }
    } else {
        size_t left = length;
        while (left > 16) {
            state = fold_multiply(read64(bytes) ^ secret0, read64(bytes + 8) ^ state);
            bytes += 16;
            left -= 16;
        }
        first = read64(bytes + left - 16);
        second = read64(bytes + left - 8);
    }
    return fold_multiply(secret1 ^ length, fold_multiply(first ^ secret0, second ^ state));
}

struct key_slot {
    uint64_t hash;
    size_t key_offset;
    uint32_t key_length; /* UINT32_MAX when the slot is empty */
    uint32_t values[3];
};

struct key_table {
    struct key_slot *slots;
    size_t slot_mask, used;
    char *keys;
    size_t key_bytes, key_capacity;
};

static void key_table_allocate(struct key_table *table, size_t slot_count)
{
    table->slots = xmalloc(slot_count * sizeof *table->slots);
    for (size_t i = 0; i < slot_count; i++)
        table->slots[i].key_length = UINT32_MAX;
    table->slot_mask = slot_count - 1;
}

static void key_table_init(struct key_table *table)
{
    memset(table, 0, sizeof *table);
    key_table_allocate(table, 4096);
}

static void key_table_free(struct key_table *table)
{
    free(table->slots);
    free(table->keys);
}

static inline struct key_slot *key_table_find(const struct key_table *table, const void *key,
                                              size_t length, uint64_t hash)
{
    size_t position = hash & table->slot_mask;
    for (;;) {
        struct key_slot *slot = &table->slots[position];
        if (slot->key_length == UINT32_MAX)
            return NULL;
        if (slot->hash == hash && slot->key_length == length &&
            memcmp(table->keys + slot->key_offset, key, length) == 0)
            return slot;
        position = (position + 1) & table->slot_mask;
    }
}

static void key_table_grow(struct key_table *table)
{
    struct key_slot *old_slots = table->slots;
    size_t old_count = table->slot_mask + 1;
    key_table_allocate(table, old_count * 2);
    for (size_t i = 0; i < old_count; i++) {
        if (old_slots[i].key_length == UINT32_MAX)
            continue;
        size_t position = old_slots[i].hash & table->slot_mask;
        while (table->slots[position].key_length != UINT32_MAX)
            position = (position + 1) & table->slot_mask;
        table->slots[position] = old_slots[i];
    }
    free(old_slots);
}

/* Adds a key that key_table_find() did not find; returns its values, or
 * NULL for a key too long to keep (then the caller simply does not cache). */
static uint32_t *key_table_insert(struct key_table *table, const void *key, size_t length,
                                  uint64_t hash)
{
    if (length >= UINT32_MAX)
        return NULL;
    GROW(table->keys, table->key_capacity, table->key_bytes + length + 1);
    memcpy(table->keys + table->key_bytes, key, length);
    size_t position = hash & table->slot_mask;
    while (table->slots[position].key_length != UINT32_MAX)
        position = (position + 1) & table->slot_mask;
    struct key_slot *slot = &table->slots[position];
    *slot = (struct key_slot){hash, table->key_bytes, (uint32_t)length, {0, 0, 0}};
    table->key_bytes += length;
    if (++table->used * 2 > table->slot_mask + 1) {
        key_table_grow(table);
        slot = key_table_find(table, key, length, hash);
    }
    return slot->values;
}

/* Frame cache values: [0] = number of frames; one or two frames are kept
 * in [1] and [2], more start at index [1] of the shared frames array. */
enum { INLINE_FRAMES = 2 };

/* ---- the reader ---- */

/* The stack cache: a sample's whole stack (root frame, then the frames
 * leaf-first) -> its tree node, so that a stack seen before costs one hash
 * probe instead of a walk down the tree. A slot keeps only the stack's hash
 * and frame count with the node: a candidate is confirmed by walking from
 * the node up to the root, comparing frames (exact, whatever the hash
 * collisions). The stacks themselves are not copied: the tree holds them
 * already, and memory grows with the unique stacks only once. */
struct stack_slot {
    uint64_t hash;
    uint32_t node;
    uint32_t frame_count; /* UINT32_MAX when the slot is empty */
};

struct stack_cache {
    struct stack_slot *slots;
    size_t slot_mask, used;
};

static void stack_cache_allocate(struct stack_cache *cache, size_t slot_count)
{
    cache->slots = xmalloc(slot_count * sizeof *cache->slots);
    for (size_t i = 0; i < slot_count; i++)
        cache->slots[i].frame_count = UINT32_MAX;
    cache->slot_mask = slot_count - 1;
}

static void stack_cache_init(struct stack_cache *cache)
{
    cache->used = 0;
    stack_cache_allocate(cache, 4096);
}

static void stack_cache_free(struct stack_cache *cache)
{
    free(cache->slots);
}

/* Whether node's path from the root is root_frame (UINT32_MAX: none), then
 * frames[count - 1] down to frames[0]. */
static int stack_matches(const struct profile *profile, uint32_t node, uint32_t root_frame,
                         const uint32_t *frames, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (node == PROFILE_ROOT || profile->nodes[node].frame != frames[i])
            return 0;
        node = profile->nodes[node].parent;
    }
    if (root_frame == UINT32_MAX)
        return node == PROFILE_ROOT;
    return node != PROFILE_ROOT && profile->nodes[node].frame == root_frame &&
           profile->nodes[node].parent == PROFILE_ROOT;
}

/* The cached node of a stack, or PROFILE_NONE. */
static uint32_t stack_cache_find(const struct stack_cache *cache, const struct profile *profile,
                                 uint64_t hash, uint32_t root_frame, const uint32_t *frames,
                                 size_t count)
{
    for (size_t position = hash & cache->slot_mask;; position = (position + 1) & cache->slot_mask) {
        const struct stack_slot *slot = &cache->slots[position];
        if (slot->frame_count == UINT32_MAX)
            return PROFILE_NONE;
        if (slot->hash == hash && slot->frame_count == count &&
            stack_matches(profile, slot->node, root_frame, frames, count))
            return slot->node;
    }
}

static void stack_cache_place(struct stack_cache *cache, struct stack_slot slot)
{
    size_t position = slot.hash & cache->slot_mask;
    while (cache->slots[position].frame_count != UINT32_MAX)
        position = (position + 1) & cache->slot_mask;
    cache->slots[position] = slot;
}

static void stack_cache_insert(struct stack_cache *cache, uint64_t hash, size_t count,
                               uint32_t node)
{
    if (count >= UINT32_MAX)
        return; /* not worth caching */
    if ((cache->used + 1) * 2 > cache->slot_mask + 1) {
        struct stack_slot *old_slots = cache->slots;
        size_t old_count = cache->slot_mask + 1;
        stack_cache_allocate(cache, old_count * 2);
        for (size_t i = 0; i < old_count; i++)
            if (old_slots[i].frame_count != UINT32_MAX)
                stack_cache_place(cache, old_slots[i]);
        free(old_slots);
    }
    stack_cache_place(cache, (struct stack_slot){hash, node, (uint32_t)count});
    cache->used++;
}

struct perf_reader {
    struct input *input;
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    size_t sample_type;
    uint64_t line_number;

    /* The open sample (perl's $pname, @stack, $m_period). */
    int have_sample;
    uint64_t sample_line;   /* line of its header */
    uint32_t root_frame;
    uint32_t thread;        /* string id of the comm, for the timeline */
    double period;
    double time;
    int java;               /* the process name starts with "java" */
    uint32_t *stack;        /* frame ids, leaf first */
    size_t stack_count, stack_capacity;

    /* Event filtering. */
    char *default_event;    /* the first event seen when no filter is given */
    size_t default_event_length;
    int filter_notice_printed;

    /* Unrecognised lines. */
    uint64_t unrecognised_count;
    uint64_t first_unrecognised_line;
    char first_unrecognised_text[QUOTE_LIMIT + 1]; /* kept until a line is recognised */
    uint64_t unrecognised_before_valid; /* held back: input not yet known to be perf script */
    uint64_t recognised_count;

    struct key_table frame_caches[2]; /* line text -> frames; [1] for java processes */
    uint32_t *frames;       /* frames of cached lines with more than INLINE_FRAMES, and of
                               the line being built (root-first) */
    size_t frame_count, frame_capacity;
    struct stack_cache stack_cache; /* root frame + leaf-first frames -> tree node */
    char *scratch;          /* frame names under construction */
    size_t scratch_capacity;
    struct perf_frame_namer namer; /* frame naming rules, --inline */

    /* The second thread of a parallel read (see perf_script_read_parallel)
     * prints nothing: whatever would make it speak (an unrecognised line,
     * a dropped event, a cut-off ending) sets needs_serial and stops it, and
     * the first thread then reads that half again itself, in order. */
    int quiet;
    int needs_serial;
};

static uint32_t frame_for_name(struct perf_reader *reader, const char *name, size_t length)
{
    return perf_frame_for_name(reader->profile, name, length);
}

/* Ensures the scratch buffer holds at least size bytes. */
static char *scratch_reserve(struct perf_reader *reader, size_t size)
{
    if (size > reader->scratch_capacity)
        GROW(reader->scratch, reader->scratch_capacity, size);
    return reader->scratch;
}

/* Appends the frames of a stack line to reader->frames, root-first (the
 * naming rules are perf_frames.c's, shared with the record session). */
static void build_frames(struct perf_reader *reader, const struct stack_fields *fields)
{
    struct perf_frame_text text = {fields->address.bytes, fields->address.length,
                                   fields->symbol.bytes,  fields->symbol.length,
                                   fields->module.bytes,  fields->module.length};
    perf_frame_namer_build(&reader->namer, &text, reader->java, &reader->frames,
                           &reader->frame_count, &reader->frame_capacity);
}

/* Lines quoted in messages are cut to this many bytes. */
static int quoted_length(size_t length)
{
    return length > QUOTE_LIMIT ? QUOTE_LIMIT : (int)length;
}

/* Unrecognised lines are warned about (as the perl warns) once the input is
 * known to be perf script text; before its first valid line they are held
 * back, so that a file of something else gets one clear error instead. */
static void unrecognised_line(struct perf_reader *reader, const char *line, size_t length)
{
    if (reader->quiet) {
        reader->needs_serial = 1;
        return;
    }
    reader->unrecognised_count++;
    reader->statistics->skipped_lines++;
    if (reader->unrecognised_count == 1) {
        reader->first_unrecognised_line = reader->line_number;
        int kept = quoted_length(length);
        memcpy(reader->first_unrecognised_text, line, (size_t)kept);
        reader->first_unrecognised_text[kept] = '\0';
    }
    if (reader->recognised_count == 0) {
        reader->unrecognised_before_valid++;
        return;
    }
    if (reader->unrecognised_count <= MAX_UNRECOGNISED_WARNINGS)
        report_at_line(reader->input, reader->line_number, "unrecognized line, skipped: %.*s",
                       quoted_length(length), line);
}

/* Called when a line is recognised: the input is perf script after all. */
static void line_recognised(struct perf_reader *reader)
{
    if (reader->recognised_count++ == 0 && reader->unrecognised_before_valid > 0) {
        report_at_line(reader->input, reader->first_unrecognised_line,
                       "unrecognized line, skipped: %s%s", reader->first_unrecognised_text,
                       reader->unrecognised_before_valid > 1 ? " (and more before the first sample)"
                                                             : "");
    }
}

/* The cache key of a frame line without its offset: "sym+0x1f (mod)" and
 * "sym+0x2a (mod)" name the same frames (the offset is stripped when the
 * frame is named, see perf_frames.c), so keying on "sym (mod)" keeps the
 * cache to one entry per function instead of one per code address, small
 * enough to stay in the CPU's cache. Applies only to the plain shape: the
 * text ends with ')', its last '(' follows a space (that " (" is then
 * where perl's greedy match splits symbol from module) and the symbol
 * ends in "+0x" and lowercase hex digits after a non-empty name. Writes
 * the key (the text without "+0x...", then a byte 1 so that it never
 * equals a line's own text) into key and returns its length, or returns 0
 * for any other shape: the whole text is the key then. */
enum { STRIPPED_KEY_LIMIT = 256 };

static size_t strip_offset(const char *text, size_t length, char *key)
{
    if (length < 6 || length >= STRIPPED_KEY_LIMIT || text[length - 1] != ')')
        return 0;
    const char *paren = memrchr(text, '(', length);
    if (!paren || paren < text + 2 || paren[-1] != ' ')
        return 0;
    size_t split = (size_t)(paren - 1 - text); /* the symbol is text[0, split) */
    size_t digits = split;
    while (digits > 0 && is_lower_hex((unsigned char)text[digits - 1]))
        digits--;
    if (digits == split || digits < 4 || text[digits - 1] != 'x' || text[digits - 2] != '0' ||
        text[digits - 3] != '+')
        return 0;
    size_t name_length = digits - 3;
    memcpy(key, text, name_length);
    memcpy(key + name_length, text + split, length - split);
    key[name_length + length - split] = 1;
    return name_length + length - split + 1;
}

static void handle_stack_line(struct perf_reader *reader, const char *line, size_t length)
{
    /* Fast path: the text after the address is a cache key. perf pads the
     * address to 16 columns: skip whole words of spaces first. */
    size_t address_start = 0;
    if (length > 0 && line[0] == '\t')
        address_start = 1;
    while (address_start + 8 <= length && read64(line + address_start) == 0x2020202020202020ULL)
        address_start += 8;
    while (address_start < length && is_perl_space((unsigned char)line[address_start]))
        address_start++;
    size_t text_start = address_start;
    while (text_start < length && is_word((unsigned char)line[text_start]))
        text_start++;
    if (text_start == address_start) {
        unrecognised_line(reader, line, length);
        return;
    }
    if (!reader->have_sample) {
        struct stack_fields fields;
        if (match_stack(line, length, &fields))
            line_recognised(reader);
        else
            unrecognised_line(reader, line, length);
        return;
    }
    /* The address is part of the result with --addrs and --inline. */
    int key_has_address = reader->options->include_addresses || reader->options->inline_frames;
    if (!key_has_address)
        while (text_start < length && is_perl_space((unsigned char)line[text_start]))
            text_start++;
    else
        text_start = address_start;
    const char *key = line + text_start;
    size_t key_length = length - text_start;
    char stripped_key[STRIPPED_KEY_LIMIT];
    if (!key_has_address) {
        size_t stripped_length = strip_offset(key, key_length, stripped_key);
        if (stripped_length) {
            key = stripped_key;
            key_length = stripped_length;
        }
    }
    uint64_t hash = key_hash(key, key_length);
    struct key_table *cache = &reader->frame_caches[reader->java];
    const struct key_slot *entry = key_table_find(cache, key, key_length, hash);
    const uint32_t *frames;
    uint32_t count;
    if (entry) {
        count = entry->values[0];
        frames = count <= INLINE_FRAMES ? entry->values + 1 : reader->frames + entry->values[1];
    } else {
        struct stack_fields fields;
        if (!match_stack(line, length, &fields)) {
            unrecognised_line(reader, line, length);
            return;
        }
        size_t first = reader->frame_count;
        build_frames(reader, &fields);
        count = (uint32_t)(reader->frame_count - first);
        uint32_t *values = fields.backtracked ? NULL
                                              : key_table_insert(cache, key, key_length, hash);
        if (values) {
            values[0] = count;
            if (count <= INLINE_FRAMES) {
                if (count > 0) /* reader->frames may still be NULL */
                    memcpy(values + 1, reader->frames + first, count * sizeof *values);
                reader->frame_count = first;
                frames = values + 1;
            } else {
                values[1] = (uint32_t)first;
                frames = reader->frames + first;
            }
        } else {
            reader->frame_count = first; /* used once below, not kept */
            frames = reader->frames + first;
        }
    }
    line_recognised(reader);
    /* Frames are kept leaf-first: push this line's root-first run reversed. */
    if (reader->stack_count + count > reader->stack_capacity)
        GROW(reader->stack, reader->stack_capacity, reader->stack_count + count);
    for (uint32_t i = count; i-- > 0;)
        reader->stack[reader->stack_count++] = frames[i];
}

/* perl: "Filtering for events of type" logic. Returns 1 to keep the sample. */
static int event_accepted(struct perf_reader *reader, struct span event)
{
    const struct read_options *options = reader->options;
    int have_filter = 0;
    for (size_t i = 0; i < options->event_filter_count; i++) {
        const char *filter = options->event_filters[i];
        if (!filter || !filter[0])
            continue;
        have_filter = 1;
        if (bytes_equal(event.bytes, event.length, filter))
            return 1;
    }
    if (have_filter)
        return 0;
    if (!reader->default_event) {
        reader->default_event = xmalloc(event.length + 1);
        memcpy(reader->default_event, event.bytes, event.length);
        reader->default_event[event.length] = '\0';
        reader->default_event_length = event.length;
        struct read_statistics *statistics = reader->statistics;
        if (event.length < sizeof statistics->first_event) {
            memcpy(statistics->first_event, event.bytes, event.length);
            statistics->first_event[event.length] = '\0';
        }
        return 1;
    }
    if (event.length == reader->default_event_length &&
        memcmp(event.bytes, reader->default_event, event.length) == 0)
        return 1;
    if (reader->quiet) {
        reader->needs_serial = 1; /* the notice, and which event is first, are the first thread's */
        return 0;
    }
    if (!reader->filter_notice_printed) {
        fprintf(stderr, "Filtering for events of type: %.*s\n", (int)event.length, event.bytes);
        reader->filter_notice_printed = 1;
    }
    return 0;
}

static double parse_period(struct span period)
{
    if (period.length == 0 || (period.length == 1 && period.bytes[0] == '0'))
        return 1; /* perl: $period = 1 unless $period */
    char number[64];
    if (period.length >= sizeof number)
        return HUGE_VAL;
    memcpy(number, period.bytes, period.length);
    number[period.length] = '\0';
    return strtod(number, NULL);
}

/* The "secs.usecs" before the event's colon, NAN when absent. */
static double parse_time(const char *line, size_t colon)
{
    size_t start = colon;
    while (start > 0 && (is_digit((unsigned char)line[start - 1]) || line[start - 1] == '.'))
        start--;
    if (start == colon || colon - start >= 40 || !memchr(line + start, '.', colon - start) ||
        !is_digit((unsigned char)line[start]))
        return NAN;
    char number[48];
    memcpy(number, line + start, colon - start);
    number[colon - start] = '\0';
    return strtod(number, NULL);
}

static void handle_header(struct perf_reader *reader, const char *line, size_t length,
                          const struct header_fields *header)
{
    const struct read_options *options = reader->options;
    struct event_fields event = {{NULL, 0}, {NULL, 0}, 0};
    int has_event = match_event(line, length, &event);
    if (has_event && !event_accepted(reader, event.event)) {
        reader->statistics->filtered_samples++;
        return; /* perl's `next`: the open sample, if any, stays open */
    }
    /* perl: a missing TID (or a TID of "0") means the number was the TID. */
    struct span pid = header->pid, tid = header->tid;
    if (tid.length == 0 || (tid.length == 1 && tid.bytes[0] == '0')) {
        tid = pid;
        pid = (struct span){"?", 1};
    }
    size_t capacity = header->comm.length + pid.length + tid.length + 3;
    char *name = scratch_reserve(reader, capacity);
    size_t name_length = header->comm.length;
    memcpy(name, header->comm.bytes, name_length);
    if (options->include_tid || options->include_pid) {
        name[name_length++] = '-';
        memcpy(name + name_length, pid.bytes, pid.length);
        name_length += pid.length;
        if (options->include_tid) {
            name[name_length++] = '/';
            memcpy(name + name_length, tid.bytes, tid.length);
            name_length += tid.length;
        }
    }
    for (size_t i = 0; i < name_length; i++)
        if (name[i] == ' ')
            name[i] = '_';
    reader->root_frame = frame_for_name(reader, name, name_length);
    reader->java = bytes_start_with(header->comm.bytes, header->comm.length, "java");
    reader->period = parse_period(event.period);
    if (options->keep_timeline) {
        /* The timeline's thread is "comm PID/TID" (or "comm TID"), one
         * flame chart lane per thread; the time is perf's "secs.usecs". */
        reader->time = has_event ? parse_time(line, event.colon) : NAN;
        size_t thread_length = header->comm.length;
        memcpy(name, header->comm.bytes, thread_length);
        name[thread_length++] = ' ';
        if (!(pid.length == 1 && pid.bytes[0] == '?')) {
            memcpy(name + thread_length, pid.bytes, pid.length);
            thread_length += pid.length;
            name[thread_length++] = '/';
        }
        memcpy(name + thread_length, tid.bytes, tid.length);
        thread_length += tid.length;
        reader->thread = profile_intern(reader->profile, name, thread_length);
    }
    reader->have_sample = 1;
    reader->sample_line = reader->line_number;
}

/* The tree node of the open sample's stack: looked up whole in the stack
 * cache (key: root frame, then the frames leaf-first), else walked down the
 * tree one level at a time and remembered. */
static uint32_t sample_node(struct perf_reader *reader)
{
    struct profile *profile = reader->profile;
    /* The root frame goes in the slot just before the frames. */
    GROW(reader->stack, reader->stack_capacity, reader->stack_count + 1);
    memmove(reader->stack + 1, reader->stack, reader->stack_count * sizeof *reader->stack);
    reader->stack[0] = reader->options->include_process_name ? reader->root_frame : UINT32_MAX;
    const char *key = (const char *)reader->stack;
    size_t key_length = (reader->stack_count + 1) * sizeof *reader->stack;
    uint64_t hash = key_hash(key, key_length);
    uint32_t root_frame = reader->stack[0];
    uint32_t cached = stack_cache_find(&reader->stack_cache, profile, hash, root_frame,
                                       reader->stack + 1, reader->stack_count);
    if (cached != PROFILE_NONE)
        return cached;
    uint32_t node = PROFILE_ROOT;
    if (reader->options->include_process_name)
        node = profile_child(profile, node, reader->root_frame);
    for (size_t i = reader->stack_count; i > 0; i--)
        node = profile_child(profile, node, reader->stack[i]);
    stack_cache_insert(&reader->stack_cache, hash, reader->stack_count, node);
    return node;
}

static void end_sample(struct perf_reader *reader)
{
    if (!reader->have_sample)
        return;
    uint32_t node = sample_node(reader);
    if (node != PROFILE_ROOT) {
        struct profile *profile = reader->profile;
        profile_add_value(profile, node, reader->sample_type, reader->period);
        if (reader->options->keep_timeline)
            profile_timeline_append(profile, reader->time, reader->thread, node, reader->period);
        reader->statistics->samples++;
    }
    reader->stack_count = 0;
    reader->have_sample = 0;
}

static void handle_line(struct perf_reader *reader, const char *line, size_t length)
{
    if (length > 0 && line[0] == '#')
        return;
    /* A lone '\r' (CRLF files) counts as the blank line it stands for. */
    if (length == 0 || (length == 1 && line[0] == '\r')) {
        end_sample(reader);
        return;
    }
    if (!is_perl_space((unsigned char)line[0])) {
        struct header_fields header;
        if (match_header(line, length, &header)) {
            line_recognised(reader);
            handle_header(reader, line, length, &header);
            return;
        }
    }
    handle_stack_line(reader, line, length);
}

static void reader_init(struct perf_reader *reader, struct input *input, struct profile *profile,
                        const struct read_options *options, struct read_statistics *statistics)
{
    memset(reader, 0, sizeof *reader);
    reader->input = input;
    reader->profile = profile;
    reader->options = options;
    reader->statistics = statistics;
    reader->time = NAN;
    long existing = profile_find_sample_type(profile, "samples");
    reader->sample_type = existing >= 0 ? (size_t)existing
                                        : profile_add_sample_type(profile, "samples", "count");
    key_table_init(&reader->frame_caches[0]);
    key_table_init(&reader->frame_caches[1]);
    stack_cache_init(&reader->stack_cache);
    /* Continuing a multi-file stream: keep the event chosen by the first file. */
    if (statistics->first_event[0]) {
        size_t length = strnlen(statistics->first_event, sizeof statistics->first_event);
        reader->default_event = xmalloc(length + 1);
        memcpy(reader->default_event, statistics->first_event, length);
        reader->default_event[length] = '\0';
        reader->default_event_length = length;
        reader->filter_notice_printed = statistics->filtered_samples > 0;
    }
    struct perf_frame_options frame_options = {options->annotate_kernel, options->annotate_jit,
                                               options->include_addresses,
                                               options->inline_frames, options->inline_context};
    perf_frame_namer_init(&reader->namer, profile, &frame_options);
}

static void reader_free(struct perf_reader *reader)
{
    key_table_free(&reader->frame_caches[0]);
    key_table_free(&reader->frame_caches[1]);
    stack_cache_free(&reader->stack_cache);
    free(reader->frames);
    free(reader->stack);
    free(reader->scratch);
    free(reader->default_event);
    perf_frame_namer_free(&reader->namer);
}

static uint64_t count_newlines(const char *bytes, size_t length)
{
    uint64_t count = 0;
    const char *end = bytes + length;
    while ((bytes = memchr(bytes, '\n', (size_t)(end - bytes))) != NULL) {
        count++;
        bytes++;
    }
    return count;
}

/* Inputs mapped into memory give their pages back every this many bytes,
 * and are checked for NUL bytes in chunks of this size. */
enum { MAPPED_CHUNK = 512 << 10 };

/* Reads the lines of mapped data[0, length) (whole lines: the last may lack
 * its newline only at the end of the input). Returns 0, or -1 after an error
 * was reported; a quiet reader returns 0 as soon as it needs_serial. */
static int read_mapped_lines(struct perf_reader *reader, const char *data, size_t length)
{
    const char *end = data + length;
    while (data < end) {
        size_t chunk_length = (size_t)(end - data) < MAPPED_CHUNK ? (size_t)(end - data)
                                                                   : MAPPED_CHUNK;
        const char *chunk_end = data + chunk_length;
        const char *nul = memchr(data, '\0', chunk_length);
        if (nul) {
            if (reader->quiet) {
                reader->needs_serial = 1;
                return 0;
            }
            uint64_t line = reader->line_number + count_newlines(data, (size_t)(nul - data)) + 1;
            report_at_line(reader->input, line,
                           "binary data (a NUL byte) where `perf script` text was expected");
            return -1;
        }
        const char *chunk_start = data;
        while (data < chunk_end) {
            const char *newline = memchr(data, '\n', (size_t)(end - data));
            reader->line_number++;
            if (!newline) {
                if (reader->quiet) {
                    reader->needs_serial = 1;
                    return 0;
                }
                report_at_line(
                    reader->input, reader->line_number,
                    "input cut short: the last line has no newline (truncated file?): %.*s",
                    quoted_length((size_t)(end - data)), data);
                return -1;
            }
            handle_line(reader, data, (size_t)(newline - data));
            data = newline + 1;
            if (reader->needs_serial)
                return 0;
        }
        input_release_mapped(chunk_start, data);
    }
    return 0;
}

/* Inputs at least this big are read on two threads. */
enum { PARALLEL_MINIMUM_SIZE = 8 << 20 };

/* A mapped input is cut into this many pieces at sample boundaries. The
 * first thread takes pieces from the front, the second from the back,
 * until they meet: bytes are not work (a file of many short stacks costs
 * more per byte than one of few deep ones), so halves by size could leave
 * one thread idle for a third of the read. */
enum { PIECE_COUNT = 32 };

struct pieces {
    const char *starts[PIECE_COUNT + 1]; /* starts[PIECE_COUNT]: the end */
    pthread_mutex_t lock;
    size_t front, back; /* pieces [front, back) are unclaimed; under lock */
    int stop;           /* the first thread failed: claim no more; under lock */
};

/* Cuts data[0, length) just after the first blank line (the end of a
 * sample) past each 1/PIECE_COUNT of it; pieces may be empty. */
static void cut_pieces(struct pieces *pieces, const char *data, size_t length)
{
    const char *end = data + length;
    pieces->starts[0] = data;
    for (size_t i = 1; i < PIECE_COUNT; i++) {
        const char *from = data + length / PIECE_COUNT * i;
        if (from < pieces->starts[i - 1])
            from = pieces->starts[i - 1];
        const char *found = memmem(from, (size_t)(end - from), "\n\n", 2);
        pieces->starts[i] = found ? found + 2 : end;
    }
    pieces->starts[PIECE_COUNT] = end;
}

/* Claims the next piece from the front (the first thread) or the back (the
 * second); returns its index, or PIECE_COUNT when none is left. */
static size_t claim_piece(struct pieces *pieces, int from_back)
{
    size_t piece = PIECE_COUNT;
    pthread_mutex_lock(&pieces->lock);
    if (!pieces->stop && pieces->front < pieces->back)
        piece = from_back ? --pieces->back : pieces->front++;
    pthread_mutex_unlock(&pieces->lock);
    return piece;
}

struct second_half {
    struct perf_reader reader;
    struct read_statistics statistics;
    struct pieces *pieces;
};

/* The second thread: pieces from the back, each a run of whole samples, so
 * reading them last first gives the same tree as in order. It stops at the
 * first thing it would have to say (needs_serial). */
static void *read_second_half(void *half_pointer)
{
    struct second_half *half = half_pointer;
    struct pieces *pieces = half->pieces;
    size_t piece;
    while ((piece = claim_piece(pieces, 1)) < PIECE_COUNT) {
        read_mapped_lines(&half->reader, pieces->starts[piece],
                          (size_t)(pieces->starts[piece + 1] - pieces->starts[piece]));
        /* A sample left open at a piece's end gets a note: the first thread's. */
        if (half->reader.have_sample)
            half->reader.needs_serial = 1;
        if (half->reader.needs_serial)
            break;
    }
    return NULL;
}

/* Whether the second thread's result is the one a serial read would have
 * produced for its part: it spoke of nothing, and the event it took as first
 * (if any) is the input's first event. */
static int second_half_usable(struct perf_reader *first, const struct second_half *half)
{
    if (half->reader.needs_serial || first->recognised_count == 0)
        return 0;
    if (!half->reader.default_event || first->options->event_filter_count > 0)
        return 1;
    /* No event named in the first part: the input's first is the first of
     * the second part, which the second thread, reading it last piece
     * first, may not have met first. */
    if (!first->default_event)
        return 0;
    return half->reader.default_event_length == first->default_event_length &&
           memcmp(half->reader.default_event, first->default_event, first->default_event_length) ==
               0;
}

/* The two-thread path for a large regular file when the caller does not
 * depend on id order: pieces from the front are read here, pieces from the
 * back on another thread into its own profile, then merged. Returns 0 or
 * -1 as perf_script_read, or 1 when it does not apply (nothing consumed). */
static int perf_script_read_parallel(struct perf_reader *reader, struct input *input)
{
    const struct read_options *options = reader->options;
    if (!input->any_id_order || options->keep_timeline || options->inline_frames ||
        reader->profile->keep_timeline || input_remaining_size(input) < PARALLEL_MINIMUM_SIZE)
        return 1;
    const char *data;
    size_t length;
    void *mapping;
    size_t mapping_length;
    if (!input_map_rest(input, &data, &length, &mapping, &mapping_length))
        return 1;
    struct pieces *pieces = xcalloc(1, sizeof *pieces);
    cut_pieces(pieces, data, length);
    pthread_mutex_init(&pieces->lock, NULL);
    pieces->back = PIECE_COUNT;
    struct second_half half = {.pieces = pieces};
    pthread_t thread;
    struct profile *part = profile_create();
    reader_init(&half.reader, input, part, options, &half.statistics);
    half.reader.quiet = 1;
    if (reader->default_event) { /* continuing a multi-file stream */
        half.reader.default_event = xmalloc(reader->default_event_length + 1);
        memcpy(half.reader.default_event, reader->default_event,
               reader->default_event_length + 1);
        half.reader.default_event_length = reader->default_event_length;
    }
    int threaded = pthread_create(&thread, NULL, read_second_half, &half) == 0;
    int result = 0;
    if (threaded) {
        size_t piece;
        while (result == 0 && (piece = claim_piece(pieces, 0)) < PIECE_COUNT)
            result = read_mapped_lines(reader, pieces->starts[piece],
                                       (size_t)(pieces->starts[piece + 1] - pieces->starts[piece]));
        pthread_mutex_lock(&pieces->lock);
        pieces->stop = 1;
        pthread_mutex_unlock(&pieces->lock);
        pthread_join(thread, NULL);
        /* The second thread's part: pieces [back, PIECE_COUNT). */
        const char *second = pieces->starts[pieces->back];
        size_t second_length = (size_t)(data + length - second);
        if (result == 0 && second_half_usable(reader, &half)) {
            profile_merge(reader->profile, half.reader.profile);
            reader->line_number += half.reader.line_number;
            reader->statistics->samples += half.statistics.samples;
            reader->statistics->filtered_samples += half.statistics.filtered_samples;
            input_release_mapped(second, second + second_length);
        } else if (result == 0) {
            result = read_mapped_lines(reader, second, second_length);
        }
    } else {
        result = read_mapped_lines(reader, data, length);
    }
    profile_destroy(half.reader.profile);
    reader_free(&half.reader);
    pthread_mutex_destroy(&pieces->lock);
    free(pieces);
    input_unmap(mapping, mapping_length);
    return result;
}

static int perf_script_read(struct input *input, struct profile *profile,
                            const struct read_options *options,
                            struct read_statistics *statistics)
{
    static const struct read_options default_options = {.include_process_name = 1};
    if (!options)
        options = &default_options;
    struct perf_reader reader;
    reader_init(&reader, input, profile, options, statistics);
    int result = 0;
    const char *block;
    size_t block_length;
    int status = 0;
    int parallel = perf_script_read_parallel(&reader, input);
    if (parallel <= 0)
        result = parallel;
    while (parallel > 0 && (status = input_next_block(input, &block, &block_length)) > 0) {
        const char *nul = memchr(block, '\0', block_length);
        if (nul) {
            uint64_t line = reader.line_number + count_newlines(block, (size_t)(nul - block)) + 1;
            report_at_line(input, line,
                           "binary data (a NUL byte) where `perf script` text was "
                           "expected");
            result = -1;
            break;
        }
        const char *cursor = block, *end = block + block_length;
        while (cursor < end) {
            const char *newline = memchr(cursor, '\n', (size_t)(end - cursor));
            reader.line_number++;
            if (!newline) {
                /* input_next_block only hands out a line without its newline
                 * at the very end of the input. */
                report_at_line(
                    input, reader.line_number,
                    "input cut short: the last line has no newline (truncated file?): %.*s",
                    quoted_length((size_t)(end - cursor)), cursor);
                result = -1;
                break;
            }
            handle_line(&reader, cursor, (size_t)(newline - cursor));
            cursor = newline + 1;
        }
        if (result < 0)
            break;
    }
    if (status < 0)
        result = -1;
    statistics->lines += reader.line_number;
    if (result == 0 && reader.have_sample) {
        report_at_line(input, reader.line_number,
                       "note: the sample at line %llu has no blank line after it; ignored, as "
                       "stackcollapse-perf.pl does",
                       (unsigned long long)reader.sample_line);
    }
    if (result == 0 && reader.unrecognised_count > MAX_UNRECOGNISED_WARNINGS)
        fprintf(stderr, "ember: %s: %llu unrecognized lines skipped in all\n", input_name(input),
                (unsigned long long)reader.unrecognised_count);
    if (result == 0 && reader.unrecognised_count > 0 && reader.recognised_count == 0) {
        report_at_line(input, reader.first_unrecognised_line,
                       "not `perf script` output: no line is a sample header or a stack frame, "
                       "starting with: %s (for folded stacks use --format folded)",
                       reader.first_unrecognised_text);
        result = -1;
    }
    reader_free(&reader);
    return result;
}

/* ---- probe ---- */

static int perf_script_probe(const char *head, size_t length)
{
    size_t position = 0;
    int seen_header = 0;
    while (position < length) {
        const char *line = head + position;
        const char *newline = memchr(line, '\n', length - position);
        if (!newline)
            break; /* a cut-off line says nothing */
        size_t line_length = (size_t)(newline - line);
        position += line_length + 1;
        if (memchr(line, '\0', line_length))
            return 0;
        if (line_length > 0 && line[0] == '#') {
            if (bytes_start_with(line, line_length, "# ========") && !seen_header)
                return PROBE_HEADER_SCORE;
            continue;
        }
        if (line_length == 0)
            continue;
        if (!seen_header) {
            struct header_fields header;
            struct stack_fields fields;
            /* Text cut from the middle of a perf script may start with the
             * tail of a callchain. */
            if (is_perl_space((unsigned char)line[0]) && match_stack(line, line_length, &fields))
                continue;
            if (!match_header(line, line_length, &header))
                return 0;
            seen_header = 1;
            continue;
        }
        /* The line after the first header: a frame, tab- or space-indented
         * (very old perf printed frames unindented: less sure then). */
        struct stack_fields fields;
        struct header_fields header;
        if (!match_stack(line, line_length, &fields))
            return 0;
        if (is_perl_space((unsigned char)line[0]))
            return PROBE_HEADER_SCORE;
        return match_header(line, line_length, &header) ? 0 : PROBE_UNINDENTED_SCORE;
    }
    return 0;
}

static const char *const perf_script_extensions[] = {".perf", ".perf-script", ".stacks", NULL};

const struct format perf_script_format = {
    .name = "perf-script",
    .extensions = perf_script_extensions,
    .probe = perf_script_probe,
    .read = perf_script_read,
    .write = NULL,
};
