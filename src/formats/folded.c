/* folded.c — folded stacks ("a;b;c 42"), the lingua franca of flame graphs.
 *
 * Reading follows flamegraph.pl's parser: the count is the last
 * whitespace-separated field and must look like \d+(\.\d*)? ; if what is
 * left before it also ends in such a number, the line is differential
 * ("stack BEFORE AFTER"). Frames are split on ';' with trailing empty
 * frames dropped (as perl's split does). Lines that do not parse, or that
 * hold NUL bytes, are skipped and counted. Unlike flamegraph.pl, a trailing
 * '\r' (CRLF files) is tolerated.
 *
 * Model mapping: sample type 0 is ("samples", "count") and holds the count
 * (the AFTER count of a differential line); a differential profile has a
 * second type ("before", "count"). Identical stacks are summed.
 *
 * Large files (when the caller allows any id order, see input.h) are mapped
 * into memory. Sorted ones (their first lines are in byte order) are read
 * reusing the previous line's frames, which makes parsing cheap. Unsorted
 * ones are read on two threads: this one turns lines into frame ids and
 * counts, a tree builder (model/tree_builder.h) walks and grows the call
 * tree; the result is the same profile, in the same order, as one thread
 * would build.
 *
 * Writing prints one line per stack with a non-zero self value, sorted as
 * a byte-wise sort of the stack strings (stackcollapse-perf.pl's order).
 */
#include "folded.h"
#include "stack_text.h"
#include "../model/tree_builder.h"
#include "../util/memory.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_perl_space(unsigned char byte)
{
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r' || byte == '\f' ||
           byte == '\v';
}

static int is_digit(unsigned char byte)
{
    return byte >= '0' && byte <= '9';
}

/* Finds a trailing count in line[0..length): sets *stack_length (the part
 * before the whitespace that precedes the count) and *count. Returns 1 when
 * found. */
static int split_trailing_count(const char *line, size_t length, size_t *stack_length,
                                double *count)
{
    size_t end = length;
    size_t start = end;
    /* The usual case, digits only (an integer): read while scanning back. */
    uint64_t scanned = 0, place = 1;
    while (start > 0 && is_digit((unsigned char)line[start - 1])) {
        start--;
        if (end - start <= 15) {
            scanned += (uint64_t)(line[start] - '0') * place;
            place *= 10;
        }
    }
    if (start > 0 && line[start - 1] != '.') {
        if (start == end || !is_perl_space((unsigned char)line[start - 1]))
            return 0;
        if (end - start <= 15) {
            *count = (double)scanned;
            *stack_length = start - 1;
            return 1;
        }
    }
    start = end;
    while (start > 0 && (is_digit((unsigned char)line[start - 1]) || line[start - 1] == '.'))
        start--;
    if (start == end || start == 0 || !is_perl_space((unsigned char)line[start - 1]))
        return 0;
    /* The token must be \d+(\.\d*)? : digits first, at most one dot. */
    if (!is_digit((unsigned char)line[start]))
        return 0;
    int dots = 0;
    for (size_t i = start; i < end; i++)
        if (line[i] == '.' && ++dots > 1)
            return 0;
    size_t token_length = end - start;
    if (!dots && token_length <= 15) {
        /* The usual case, an integer: no need for strtod. */
        uint64_t value = 0;
        for (size_t i = start; i < end; i++)
            value = value * 10 + (uint64_t)(line[i] - '0');
        *count = (double)value;
        *stack_length = start - 1;
        return 1;
    }
    char number[64];
    if (token_length >= sizeof number) {
        /* Absurdly long digit strings still parse, as perl would, to a huge double. */
        char *copy = xmalloc(token_length + 1);
        memcpy(copy, line + start, token_length);
        copy[token_length] = '\0';
        *count = strtod(copy, NULL);
        free(copy);
    } else {
        memcpy(number, line + start, token_length);
        number[token_length] = '\0';
        *count = strtod(number, NULL);
    }
    *stack_length = start - 1;
    return 1;
}

struct name_slot {
    uint32_t tag;  /* high half of the name's hash */
    uint32_t name; /* index into names, UINT32_MAX when empty */
};

struct known_name {
    uint64_t first, last; /* the name's key (see name_key) */
    const char *bytes;    /* the profile's copy */
    uint32_t length;
    uint32_t frame;
};

struct folded_reader {
    struct profile *profile;
    const struct read_options *options;
    struct read_statistics *statistics;
    size_t before_type; /* index of "before", or SIZE_MAX until needed */
    /* The previous stack, to reuse the frames it shares with the next one:
     * folded files are usually sorted, so consecutive lines share long
     * prefixes and most frames need no hashing at all. */
    struct previous_stack previous;
    /* Folded frames have only a name, and a file holds few distinct names
     * (thousands) among millions of frames: the reader maps name bytes to
     * frame ids itself, in a small table with a cheap hash, so a frame
     * costs neither the string table's hash and probe nor the frame
     * table's; only names not seen yet go to the profile. */
    struct name_slot *name_slots; /* open addressing, power-of-two size */
    size_t name_slot_mask;
    struct known_name *names;     /* what name_slots point to */
    size_t name_count, name_capacity;
    /* Unsorted input (read_unsorted_lines): the frame ids of the line
     * being read and where each frame ends in its stack; the stack before
     * it, whose first frames it may share; whether lines must be handed on
     * in file order (a count is not a whole number, or the counts' sum
     * could round), and the sum of the counts so far. */
    uint32_t *line_frames;
    size_t *line_frame_ends;
    size_t line_frame_capacity;
    const char *previous_stack_text;
    size_t previous_stack_length, previous_frame_count;
    int keep_file_order;
    uint64_t count_sum;
};

static uint64_t load_word(const char *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, 8);
    return word;
}

/* Frame names are looked up by a key of three numbers: the length, the
 * first 8 bytes and the last 8 (shorter names: their bytes in the first
 * word, zero-padded, and 0 in the last). Computing it costs the same for a
 * name of any length, and for names of up to 16 bytes the two words hold
 * every byte, so equal keys mean equal names without reading the stored
 * name at all; longer names compare their middle bytes too. Names that
 * share length, start and end (rare) only share a hash bucket. */
struct name_key {
    uint64_t first, last;
    size_t length;
};

static uint64_t partial_word(const char *bytes, size_t count)
{
    uint64_t word = 0;
    memcpy(&word, bytes, count);
    return word;
}

/* The key of bytes[0, length); reading only those bytes. */
static inline struct name_key name_key(const char *bytes, size_t length)
{
    if (length >= 8)
        return (struct name_key){load_word(bytes), load_word(bytes + length - 8), length};
    return (struct name_key){partial_word(bytes, length), 0, length};
}

/* The same key, for a name that ends at least 8 bytes into readable memory
 * (bytes + length - 8 may be read): no variable-length copy. */
static inline struct name_key name_key_with_room(const char *bytes, size_t length)
{
    if (length >= 8)
        return (struct name_key){load_word(bytes), load_word(bytes + length - 8), length};
    if (length == 0)
        return (struct name_key){0, 0, 0};
    return (struct name_key){load_word(bytes + length - 8) >> ((8 - length) * 8), 0, length};
}

static inline uint64_t name_key_hash(struct name_key key)
{
    /* Two multiplies; the shift brings the well-mixed high half down to
     * the bits that pick the slot. */
    uint64_t state = (key.first ^ (key.last * 0x4cf5ad432745937fULL) ^ key.length) *
                     0x87c37b91114253d5ULL;
    return state ^ (state >> 32);
}

/* The key of the frame stack[begin, end): a frame that ends 8 or more
 * bytes into its stack (every one but the first) is read without a
 * variable-length copy. */
static inline struct name_key frame_key(const char *stack, size_t begin, size_t end)
{
    return end >= 8 ? name_key_with_room(stack + begin, end - begin)
                    : name_key(stack + begin, end - begin);
}

/* The length of the frame at bytes: up to the first ';' or limit. Reads
 * only bytes[0, limit). */
static inline size_t frame_length(const char *bytes, size_t limit)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t separators = 0x3b3b3b3b3b3b3b3bULL; /* ';' in every byte */
    size_t i = 0;
    for (; i + 8 <= limit; i += 8) {
        uint64_t x = load_word(bytes + i) ^ separators;
        /* The lowest set high bit marks the first ';' exactly. */
        uint64_t found = (x - ones) & ~x & highs;
        if (found)
            return i + ((size_t)__builtin_ctzll(found) >> 3);
    }
    while (i < limit && bytes[i] != ';')
        i++;
    return i;
}

/* A reader starts with this one empty slot (mask 0), so lookups need no
 * "allocated yet?" test: the first miss allocates the real table. */
static const struct name_slot no_name_slots[1] = {{UINT32_MAX, UINT32_MAX}};

/* Readers start with no table: no_name_slots, never written. */
#define NO_NAME_SLOTS ((struct name_slot *)no_name_slots)

static void allocate_name_slots(struct folded_reader *reader, size_t slot_count)
{
    reader->name_slots = xmalloc(slot_count * sizeof *reader->name_slots);
    memset(reader->name_slots, 0xff, slot_count * sizeof *reader->name_slots);
    reader->name_slot_mask = slot_count - 1;
}

static void grow_name_slots(struct folded_reader *reader)
{
    if (reader->name_slots != NO_NAME_SLOTS)
        free(reader->name_slots);
    allocate_name_slots(reader, (reader->name_slot_mask + 1) * 2);
    for (uint32_t index = 0; index < reader->name_count; index++) {
        const struct known_name *known = &reader->names[index];
        uint64_t hash = name_key_hash((struct name_key){known->first, known->last, known->length});
        size_t position = hash & reader->name_slot_mask;
        while (reader->name_slots[position].name != UINT32_MAX)
            position = (position + 1) & reader->name_slot_mask;
        reader->name_slots[position] = (struct name_slot){(uint32_t)(hash >> 32), index};
    }
}

/* Whether two names of the same length (> 16) whose first and last 8 bytes
 * are equal have equal bytes between. */
static inline int same_middle(const char *a, const char *b, size_t length)
{
    for (size_t i = 8; i < length - 8; i += 8)
        if (load_word(a + i) != load_word(b + i))
            return 0;
    return 1;
}

/* The slow path of named_frame: a name not seen yet, whose probe ended at
 * the empty slot at position. */
static __attribute__((noinline)) uint32_t add_named_frame(struct folded_reader *reader,
                                                          const char *name, struct name_key key,
                                                          uint64_t hash, size_t position)
{
    if (reader->name_slots == NO_NAME_SLOTS) {
        allocate_name_slots(reader, 1024);
        position = hash & reader->name_slot_mask;
    }
    struct profile *profile = reader->profile;
    uint32_t string = profile_intern(profile, name, key.length);
    uint32_t frame = profile_frame(profile, string, PROFILE_NONE, 0, FRAME_UNKNOWN);
    if (key.length > UINT32_MAX)
        return frame; /* not worth a slot */
    GROW(reader->names, reader->name_capacity, reader->name_count + 1);
    uint32_t index = (uint32_t)reader->name_count++;
    reader->names[index] = (struct known_name){key.first, key.last, profile_string(profile, string),
                                               (uint32_t)key.length, frame};
    reader->name_slots[position] = (struct name_slot){(uint32_t)(hash >> 32), index};
    if (reader->name_count * 2 > reader->name_slot_mask + 1)
        grow_name_slots(reader);
    return frame;
}

/* The frame id of the name at bytes whose key is key and hash
 * name_key_hash(key). */
static inline uint32_t named_frame_hashed(struct folded_reader *reader, const char *name,
                                          struct name_key key, uint64_t hash)
{
    uint32_t tag = (uint32_t)(hash >> 32);
    size_t position = hash & reader->name_slot_mask;
    for (;;) {
        const struct name_slot *slot = &reader->name_slots[position];
        if (slot->name == UINT32_MAX)
            return add_named_frame(reader, name, key, hash, position);
        if (slot->tag == tag) {
            const struct known_name *known = &reader->names[slot->name];
            if (known->length == key.length && known->first == key.first &&
                known->last == key.last &&
                (key.length <= 16 || same_middle(known->bytes, name, key.length)))
                return known->frame;
        }
        position = (position + 1) & reader->name_slot_mask;
    }
}

static inline uint32_t named_frame(struct folded_reader *reader, const char *name,
                                   struct name_key key)
{
    return named_frame_hashed(reader, name, key, name_key_hash(key));
}

/* Keeps frame number index (ending at offset end of its stack) of the
 * line being read. */
static inline void keep_frame(struct folded_reader *reader, size_t index, uint32_t frame,
                              size_t end)
{
    if (index == reader->line_frame_capacity) {
        GROW(reader->line_frames, reader->line_frame_capacity, index + 1);
        reader->line_frame_ends = xrealloc(reader->line_frame_ends,
                                           reader->line_frame_capacity *
                                               sizeof *reader->line_frame_ends);
    }
    reader->line_frames[index] = frame;
    reader->line_frame_ends[index] = end;
}

/* The frame ids of a stack (stack_length > 0, not ending in ';') into
 * reader->line_frames; returns how many, and in *shared how many of them are
 * the previous stack's. The frames it shares with the
 * stack read before it (same bytes up to a ';'; common is the length of
 * their common prefix when known, else SIZE_MAX) keep that stack's ids; the
 * ';' after them are found 16 bytes at a time where SSE2 is there (every
 * x86-64). */
static size_t collect_frame_ids(struct folded_reader *reader, const char *stack,
                                size_t stack_length, size_t common, size_t *shared)
{
    size_t count = 0;
    if (reader->previous_stack_text) {
        if (common == SIZE_MAX)
            common = stack_common_prefix(stack, stack_length, reader->previous_stack_text,
                                         reader->previous_stack_length);
        /* A frame of the previous stack that ends before the common prefix
         * does is followed by ';' in both: count them (the ends ascend). */
        size_t low = 0, high = reader->previous_frame_count;
        while (low < high) {
            size_t middle = (low + high) / 2;
            if (reader->line_frame_ends[middle] < common)
                low = middle + 1;
            else
                high = middle;
        }
        count = low;
    }
    *shared = count;
    size_t begin = count ? reader->line_frame_ends[count - 1] + 1 : 0;
    reader->previous_stack_text = stack;
    reader->previous_stack_length = stack_length;
#ifdef __SSE2__
    const __m128i separators = _mm_set1_epi8(';');
    for (size_t block = begin; block < stack_length; block += 16) {
        __m128i bytes;
        if (block + 16 <= stack_length) {
            bytes = _mm_loadu_si128((const __m128i *)(const void *)(stack + block));
        } else {
            char tail[16] = {0};
            memcpy(tail, stack + block, stack_length - block);
            bytes = _mm_loadu_si128((const __m128i *)(const void *)tail);
        }
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, separators));
        while (mask) {
            size_t end = block + (size_t)__builtin_ctz(mask);
            mask &= mask - 1;
            keep_frame(reader, count++,
                       named_frame(reader, stack + begin, frame_key(stack, begin, end)), end);
            begin = end + 1;
        }
    }
#else
    for (;;) {
        size_t length = frame_length(stack + begin, stack_length - begin);
        if (begin + length == stack_length)
            break;
        keep_frame(reader, count++,
                   named_frame(reader, stack + begin, name_key(stack + begin, length)),
                   begin + length);
        begin += length + 1;
    }
#endif
    keep_frame(reader, count++,
               named_frame(reader, stack + begin, frame_key(stack, begin, stack_length)),
               stack_length);
    reader->previous_frame_count = count;
    return count;
}

/* A line parsed: its stack (trailing ';' dropped) and counts. */
struct parsed_line {
    const char *stack;
    size_t stack_length;
    double count, before;
    int differential;
};

/* Parses one line (counts, stack) into line; returns 0 for a line that
 * does not parse (counted as skipped). */
static int parse_line(struct folded_reader *reader, const char *text, size_t length,
                      struct parsed_line *line)
{
    if (length && text[length - 1] == '\r')
        length--;
    size_t stack_length;
    if (memchr(text, '\0', length) ||
        !split_trailing_count(text, length, &stack_length, &line->count)) {
        reader->statistics->skipped_lines++;
        return 0;
    }
    size_t inner_length;
    line->before = 0;
    line->differential = split_trailing_count(text, stack_length, &inner_length, &line->before);
    if (line->differential)
        stack_length = inner_length;
    /* perl's split drops trailing empty fields: ";;" is the empty stack. */
    while (stack_length > 0 && text[stack_length - 1] == ';')
        stack_length--;
    line->stack = text;
    line->stack_length = stack_length;
    /* Sums of whole numbers are exact in any order while the total stays
     * below 2^53 (what the unsorted path needs to know to sort lines). */
    const double limit = 4503599627370496.0; /* 2^52: two counts fit below 2^53 */
    if (!(line->count == floor(line->count) && line->count < limit) ||
        !(line->before == floor(line->before) && line->before < limit))
        reader->keep_file_order = 1;
    else if ((reader->count_sum += (uint64_t)line->count + (uint64_t)line->before) >=
             (UINT64_C(1) << 53))
        reader->keep_file_order = 1;
    return 1;
}

static void add_line(struct folded_reader *reader, const struct parsed_line *line)
{
    struct profile *profile = reader->profile;
    const char *stack = line->stack;
    size_t stack_length = line->stack_length;
    uint32_t node = PROFILE_ROOT;
    size_t begin = 0;
    size_t depth =
        previous_stack_shared(&reader->previous, stack, stack_length, ';', &node, &begin);
    if (stack_length > 0 && begin < stack_length) {
        for (;;) {
            size_t end = begin + frame_length(stack + begin, stack_length - begin);
            node = profile_child(profile, node,
                                 named_frame(reader, stack + begin, frame_key(stack, begin, end)));
            previous_stack_record(&reader->previous, depth++, node, end);
            if (end == stack_length)
                break;
            begin = end + 1;
        }
    }
    previous_stack_keep(&reader->previous, stack, stack_length, depth);

    profile_add_value(profile, node, 0, line->count);
    if (line->differential) {
        if (reader->before_type == SIZE_MAX) {
            reader->before_type = profile_add_sample_type(profile, "before", "count");
            profile->differential = 1;
        }
        profile_add_value(profile, node, reader->before_type, line->before);
    }
    if (reader->options && reader->options->keep_timeline)
        profile_timeline_append(profile, NAN, PROFILE_NONE, node, line->count);
    reader->statistics->samples++;
}

static int folded_read_line(struct folded_reader *reader, const char *text, size_t length)
{
    struct parsed_line line;
    if (!parse_line(reader, text, length, &line))
        return 0;
    add_line(reader, &line);
    return 1;
}

static void free_reader(struct folded_reader *reader)
{
    previous_stack_free(&reader->previous);
    if (reader->name_slots != NO_NAME_SLOTS)
        free(reader->name_slots);
    free(reader->names);
    free(reader->line_frames);
    free(reader->line_frame_ends);
}

/* Inputs mapped into memory give their pages back every this many bytes. */
enum { RELEASE_EVERY = 2 << 20 };

/* Parses the lines of mapped data[0, length) as folded_read does lines from
 * an input, releasing the pages it is done with. */
static void read_lines(struct folded_reader *reader, const char *data, size_t length)
{
    const char *end = data + length;
    const char *released = data;
    while (data < end) {
        if ((size_t)(data - released) >= RELEASE_EVERY) {
            input_release_mapped(released, data);
            released = data;
        }
        const char *newline = memchr(data, '\n', (size_t)(end - data));
        size_t line_length = newline ? (size_t)(newline - data) : (size_t)(end - data);
        reader->statistics->lines++;
        if (!(line_length == 0 || (line_length == 1 && data[0] == '\r')))
            folded_read_line(reader, data, line_length);
        data += line_length + 1;
    }
}

/* ---- unsorted input ----
 *
 * Lines are read in windows of WINDOW_LINES and each window is handed to
 * the tree builder in byte order of its stacks: neighbours in a sorted
 * window share most of their first frames (two thirds of them on the
 * corpus's A/B file, against a tenth in file order), which the reader then
 * neither scans nor names (collect_frame_ids) and the builder does not walk
 * (tree_builder_add). The tree is the same in any order; the sums too, as
 * long as every count is a whole number and their total stays below 2^53
 * (exact in any order): otherwise the lines go on in file order. */
enum { WINDOW_LINES = 1024 };

struct line_window {
    struct parsed_line lines[WINDOW_LINES];
    /* The lines in the order handed on, the common prefix of each with the
     * one before, and room for sorting. */
    struct parsed_line *order[WINDOW_LINES], *spare[WINDOW_LINES];
    size_t common[WINDOW_LINES], spare_common[WINDOW_LINES];
    size_t count;
    int in_file_order;
};


/* Hands one parsed line to the tree builder; common: the length of the
 * common prefix of its stack and the previous line's, SIZE_MAX if unknown. */
static void add_unsorted_line(struct folded_reader *reader, struct tree_builder *builder,
                              const struct parsed_line *line, size_t common)
{
    if (line->differential && reader->before_type == SIZE_MAX) {
        tree_builder_drain(builder);
        reader->before_type = profile_add_sample_type(reader->profile, "before", "count");
        reader->profile->differential = 1;
    }
    size_t shared = 0;
    size_t frame_count =
        line->stack_length > 0
            ? collect_frame_ids(reader, line->stack, line->stack_length, common, &shared)
            : 0;
    /* Sample type 0 is the count; the BEFORE type is 1 (this path starts
     * from a profile without sample types). */
    double values[2] = {line->count, line->before};
    tree_builder_add(builder, reader->line_frames, frame_count, shared, values,
                     line->differential ? 2 : 1);
    reader->statistics->samples++;
}

/* Whether line a sorts before line b, h being the length of their stacks'
 * common prefix (a stack that is a prefix of the other first). */
static int sorts_before(const struct parsed_line *a, const struct parsed_line *b, size_t h)
{
    if (h == a->stack_length)
        return a->stack_length < b->stack_length;
    if (h == b->stack_length)
        return 0;
    return (unsigned char)a->stack[h] < (unsigned char)b->stack[h];
}

/* The length of the common prefix of a's and b's stacks, known to be at
 * least from. */
static size_t common_from(const struct parsed_line *a, const struct parsed_line *b, size_t from)
{
    size_t limit = a->stack_length < b->stack_length ? a->stack_length : b->stack_length;
    return from + stack_common_prefix(a->stack + from, limit - from, b->stack + from, limit - from);
}

/* Sorts lines[0, n) by their stacks' bytes and sets common[i] to the length
 * of the common prefix of lines[i - 1]'s and lines[i]'s stacks (common[0]
 * is 0): a merge sort that remembers common prefixes (Ng and Kakehi's LCP
 * merge), so that the long prefixes unsorted stacks share are compared
 * about once instead of once per comparison. spare and spare_common hold n
 * entries. */
static void sort_lines(struct parsed_line **lines, size_t *common, size_t n,
                       struct parsed_line **spare, size_t *spare_common)
{
    if (n < 2) {
        if (n == 1)
            common[0] = 0;
        return;
    }
    size_t middle = n / 2;
    sort_lines(lines, common, middle, spare, spare_common);
    sort_lines(lines + middle, common + middle, n - middle, spare, spare_common);
    /* Merge. left_common / right_common: the common prefix of the next
     * line of each run with the last line merged. */
    size_t left = 0, right = middle, out = 0;
    size_t left_common, right_common;
    size_t first = common_from(lines[left], lines[right], 0);
    if (sorts_before(lines[left], lines[right], first)) {
        spare[out] = lines[left++];
        right_common = first;
        left_common = left < middle ? common[left] : 0;
    } else {
        spare[out] = lines[right++];
        left_common = first;
        right_common = right < n ? common[right] : 0;
    }
    spare_common[out++] = 0;
    while (left < middle && right < n) {
        int take_left;
        if (left_common != right_common) {
            /* The one sharing more with the last line merged is smaller. */
            take_left = left_common > right_common;
        } else {
            size_t h = common_from(lines[left], lines[right], left_common);
            take_left = sorts_before(lines[left], lines[right], h);
            if (take_left)
                right_common = h;
            else
                left_common = h;
        }
        if (take_left) {
            spare_common[out] = left_common;
            spare[out++] = lines[left++];
            if (left < middle)
                left_common = common[left];
        } else {
            spare_common[out] = right_common;
            spare[out++] = lines[right++];
            if (right < n)
                right_common = common[right];
        }
    }
    for (int first_rest = 1; left < middle; first_rest = 0) {
        spare_common[out] = first_rest ? left_common : common[left];
        spare[out++] = lines[left++];
    }
    for (int first_rest = 1; right < n; first_rest = 0) {
        spare_common[out] = first_rest ? right_common : common[right];
        spare[out++] = lines[right++];
    }
    memcpy(lines, spare, n * sizeof *lines);
    memcpy(common, spare_common, n * sizeof *common);
}

static void flush_window(struct folded_reader *reader, struct tree_builder *builder,
                         struct line_window *window)
{
    for (size_t i = 0; i < window->count; i++)
        window->order[i] = &window->lines[i];
    if (window->in_file_order) {
        for (size_t i = 0; i < window->count; i++)
            add_unsorted_line(reader, builder, window->order[i], SIZE_MAX);
    } else {
        sort_lines(window->order, window->common, window->count, window->spare,
                   window->spare_common);
        for (size_t i = 0; i < window->count; i++)
            add_unsorted_line(reader, builder, window->order[i], i ? window->common[i] : SIZE_MAX);
    }
    window->count = 0;
    window->in_file_order = reader->keep_file_order;
}

struct unsorted_input {
    struct folded_reader *reader;
    const char *data;
    size_t length;
};

/* The producer of read_unsorted_lines: reads the lines, window by window,
 * into frame ids and counts for the tree builder. */
static void produce_unsorted_lines(struct tree_builder *builder, void *input_pointer)
{
    struct unsorted_input *input = input_pointer;
    struct folded_reader *reader = input->reader;
    struct line_window *window = xmalloc(sizeof *window);
    window->count = 0;
    window->in_file_order = reader->keep_file_order;
    const char *data = input->data;
    const char *end = data + input->length;
    const char *released = data;
    while (data < end) {
        const char *newline = memchr(data, '\n', (size_t)(end - data));
        size_t line_length = newline ? (size_t)(newline - data) : (size_t)(end - data);
        reader->statistics->lines++;
        if (!(line_length == 0 || (line_length == 1 && data[0] == '\r')) &&
            parse_line(reader, data, line_length, &window->lines[window->count])) {
            if (reader->keep_file_order)
                window->in_file_order = 1;
            if (++window->count == WINDOW_LINES) {
                flush_window(reader, builder, window);
                /* Every line read so far is done with. */
                const char *next = data + line_length + 1 < end ? data + line_length + 1 : end;
                if ((size_t)(next - released) >= RELEASE_EVERY) {
                    input_release_mapped(released, next);
                    released = next;
                }
            }
        }
        data += line_length + 1;
    }
    flush_window(reader, builder, window);
    free(window);
}

/* Parses unsorted mapped data[0, length): the lines read on a second
 * thread, the call tree built on this one (see tree_builder.h). */
static void read_unsorted_lines(struct folded_reader *reader, const char *data, size_t length)
{
    struct unsorted_input input = {reader, data, length};
    tree_builder_run(reader->profile, produce_unsorted_lines, &input);
}

/* Inputs at least this big are read by the paths below. */
enum { PARALLEL_MINIMUM_SIZE = 4 << 20 };

/* Whether the first lines are in byte order (the output of sort or of a
 * collapse script), judged on up to 64 of them. */
static int looks_sorted(const char *data, size_t length)
{
    const char *previous = NULL;
    size_t previous_length = 0;
    const char *end = data + length;
    for (int lines = 0; lines < 64 && data < end; lines++) {
        const char *newline = memchr(data, '\n', (size_t)(end - data));
        size_t line_length = newline ? (size_t)(newline - data) : (size_t)(end - data);
        if (previous) {
            size_t common = line_length < previous_length ? line_length : previous_length;
            int order = memcmp(previous, data, common);
            if (order > 0 || (order == 0 && previous_length > line_length))
                return 0;
        }
        previous = data;
        previous_length = line_length;
        data += line_length + 1;
    }
    return 1;
}

/* The path for big mapped files; returns 0, -1 on a read error, or 1 when it does not
 * apply (nothing consumed). */
static int folded_read_parallel(struct input *input, struct profile *profile,
                                const struct read_options *options,
                                struct read_statistics *statistics)
{
    if (!input->any_id_order || (options && options->keep_timeline) || profile->keep_timeline ||
        profile->node_count != 1 || profile->frame_count != 0 || profile->sample_type_count != 0 ||
        input_remaining_size(input) < PARALLEL_MINIMUM_SIZE)
        return 1;
    const char *data;
    size_t length;
    void *mapping;
    size_t mapping_length;
    if (!input_map_rest(input, &data, &length, &mapping, &mapping_length))
        return 1;
    profile_add_sample_type(profile, "samples", "count");
    struct folded_reader reader = {.profile = profile, .options = options,
                                   .statistics = statistics, .before_type = SIZE_MAX, .name_slots = NO_NAME_SLOTS};
    if (looks_sorted(data, length)) {
        /* Reusing the previous line's frames makes parsing cheap: a second
         * thread would not pay for itself. */
        read_lines(&reader, data, length);
        free_reader(&reader);
        input_unmap(mapping, mapping_length);
        return 0;
    }
    read_unsorted_lines(&reader, data, length);
    free_reader(&reader);
    input_unmap(mapping, mapping_length);
    return 0;
}

static int folded_read(struct input *input, struct profile *profile,
                       const struct read_options *options, struct read_statistics *statistics)
{
    int parallel = folded_read_parallel(input, profile, options, statistics);
    if (parallel <= 0)
        return parallel;
    struct folded_reader reader = {.profile = profile, .options = options,
                                   .statistics = statistics, .before_type = SIZE_MAX, .name_slots = NO_NAME_SLOTS};
    if (profile->sample_type_count == 0)
        profile_add_sample_type(profile, "samples", "count");
    const char *line;
    size_t length;
    int status;
    while ((status = input_next_line(input, &line, &length)) > 0) {
        statistics->lines++;
        if (length == 0 || (length == 1 && line[0] == '\r'))
            continue; /* blank lines are not malformed */
        folded_read_line(&reader, line, length);
    }
    free_reader(&reader);
    return status < 0 ? -1 : 0;
}

/* Probe: most of the first non-blank lines end in " NUMBER" and contain no
 * tab-indented perf callchain lines. */
static int folded_probe(const char *head, size_t length)
{
    size_t position = 0, good = 0, bad = 0;
    while (position < length && good + bad < 20) {
        const char *line = head + position;
        const char *newline = memchr(line, '\n', length - position);
        size_t line_length = newline ? (size_t)(newline - line) : length - position;
        if (!newline && position > 0)
            break; /* a cut-off last line says nothing */
        position += line_length + 1;
        if (line_length && line[line_length - 1] == '\r')
            line_length--;
        if (line_length == 0)
            continue;
        size_t stack_length;
        double count;
        if (memchr(line, '\0', line_length) || line[0] == '\t' || line[0] == '#' ||
            !split_trailing_count(line, line_length, &stack_length, &count))
            bad++;
        else
            good++;
    }
    if (good == 0)
        return 0;
    return bad == 0 ? 60 : (good > bad * 4 ? 30 : 0);
}

int format_count(char *buffer, size_t size, double value)
{
    if (value == floor(value) && fabs(value) < 9007199254740992.0 && size >= 24) {
        /* Integers by hand: printf's floating-point path is slow. */
        char digits[24];
        size_t count = 0, length = 0;
        uint64_t magnitude = (uint64_t)fabs(value);
        do {
            digits[count++] = (char)('0' + magnitude % 10);
            magnitude /= 10;
        } while (magnitude);
        if (value < 0)
            buffer[length++] = '-';
        while (count)
            buffer[length++] = digits[--count];
        buffer[length] = '\0';
        return (int)length;
    }
    return snprintf(buffer, size, "%.15g", value);
}

static int folded_write(FILE *file, const struct profile *profile,
                        const struct write_options *options)
{
    size_t type = options ? options->sample_type : 0;
    if (profile->sample_type_count == 0)
        return 0;
    long before_type = profile->differential ? profile_find_sample_type(profile, "before") : -1;
    uint32_t *stacks = xmalloc(profile->node_count * sizeof *stacks);
    size_t count = 0;
    for (uint32_t node = 0; node < profile->node_count; node++) {
        int nonzero = profile_self_value(profile, node, type) != 0 ||
                      (before_type >= 0 && profile_self_value(profile, node, (size_t)before_type) != 0);
        if (nonzero)
            stacks[count++] = node;
    }
    profile_sort_stacks(profile, stacks, count);
    uint32_t *path = xmalloc((profile_max_depth(profile) + 1) * sizeof *path);
    char number[64];
    for (size_t i = 0; i < count; i++) {
        size_t depth = profile_root_path(profile, stacks[i], path);
        for (size_t level = 0; level < depth; level++) {
            if (level)
                putc_unlocked(';', file);
            fwrite(profile_frame_name(profile, path[level]), 1,
                   profile_frame_name_length(profile, path[level]), file);
        }
        if (before_type >= 0) {
            putc_unlocked(' ', file);
            format_count(number, sizeof number,
                         profile_self_value(profile, stacks[i], (size_t)before_type));
            fputs(number, file);
        }
        putc_unlocked(' ', file);
        format_count(number, sizeof number, profile_self_value(profile, stacks[i], type));
        fputs(number, file);
        putc_unlocked('\n', file);
    }
    free(path);
    free(stacks);
    return ferror(file) ? -1 : 0;
}

static const char *const folded_extensions[] = {".folded", ".collapsed", ".fold", NULL};

const struct format folded_format = {
    .name = "folded",
    .extensions = folded_extensions,
    .probe = folded_probe,
    .read = folded_read,
    .write = folded_write,
};
