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
 * into memory; unless their first lines are sorted (then the previous
 * line's frames make parsing cheap) they are parsed on two threads: the main thread parses the first half
 * into the profile, a worker the second half into a profile of its own,
 * which is then merged in. Every count is an integer in almost every file,
 * so the sums are exact in any order; if either half holds a count that is
 * not a small integer, the worker's profile is dropped and the second half
 * parsed again after the first, so floating-point sums stay in file order.
 *
 * Writing prints one line per stack with a non-zero self value, sorted as
 * a byte-wise sort of the stack strings (stackcollapse-perf.pl's order).
 */
#include "folded.h"
#include "stack_text.h"
#include "../util/memory.h"

#include <math.h>
#include <pthread.h>
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
    const char *bytes; /* the profile's copy */
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
    int inexact; /* a count was not an integer below 2^53 */
    /* Unsorted input (the two-thread path) rarely shares a prefix with the
     * previous line: keeping the previous line's frames would cost more
     * than it saves, so every line is looked up from the root. */
    int unsorted;
};

static uint64_t load_word(const char *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, 8);
    return word;
}

/* Frame names are hashed 8 bytes at a time, the last partial word padded
 * with zeros, and the frame's end is found in the same pass (scan_frame):
 * one walk over the bytes instead of a memchr for ';' and then a hash.
 * name_hash() gives the same value for a name whose length is known. */
static inline uint64_t hash_mix(uint64_t state, uint64_t word)
{
    return (state ^ word) * 0x87c37b91114253d5ULL;
}

static inline uint64_t hash_finish(uint64_t state, size_t length)
{
    state = (state ^ (length * 0xff51afd7ed558ccdULL)) * 0x4cf5ad432745937fULL;
    state ^= state >> 31;
    state *= 0x87c37b91114253d5ULL;
    return state ^ (state >> 29);
}

#define HASH_SEED UINT64_C(0x2545f4914f6cdd1d)

static uint64_t partial_word(const char *bytes, size_t count)
{
    uint64_t word = 0;
    memcpy(&word, bytes, count);
    return word;
}

static uint64_t name_hash(const char *bytes, size_t length)
{
    uint64_t state = HASH_SEED;
    size_t i = 0;
    for (; i + 8 <= length; i += 8)
        state = hash_mix(state, load_word(bytes + i));
    if (i < length)
        state = hash_mix(state, partial_word(bytes + i, length - i));
    return hash_finish(state, length);
}

/* The length of the frame at bytes (up to the first ';' or limit) and its
 * name_hash(). Reads only bytes[0, limit). */
static inline size_t scan_frame(const char *bytes, size_t limit, uint64_t *hash)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t separators = 0x3b3b3b3b3b3b3b3bULL; /* ';' in every byte */
    uint64_t state = HASH_SEED;
    size_t i = 0;
    for (; i + 8 <= limit; i += 8) {
        uint64_t word = load_word(bytes + i);
        uint64_t x = word ^ separators;
        /* The lowest set high bit marks the first ';' exactly. */
        uint64_t found = (x - ones) & ~x & highs;
        if (found) {
            size_t before = (size_t)__builtin_ctzll(found) >> 3;
            if (before)
                state = hash_mix(state, word & ((UINT64_C(1) << (before * 8)) - 1));
            *hash = hash_finish(state, i + before);
            return i + before;
        }
        state = hash_mix(state, word);
    }
    size_t end = i;
    while (end < limit && bytes[end] != ';')
        end++;
    if (end > i)
        state = hash_mix(state, partial_word(bytes + i, end - i));
    *hash = hash_finish(state, end);
    return end;
}

static int same_bytes(const char *a, const char *b, size_t length)
{
    if (length >= 8) {
        for (size_t i = 0; i + 8 < length; i += 8)
            if (load_word(a + i) != load_word(b + i))
                return 0;
        return load_word(a + length - 8) == load_word(b + length - 8);
    }
    return memcmp(a, b, length) == 0;
}

static void allocate_name_slots(struct folded_reader *reader, size_t slot_count)
{
    reader->name_slots = xmalloc(slot_count * sizeof *reader->name_slots);
    memset(reader->name_slots, 0xff, slot_count * sizeof *reader->name_slots);
    reader->name_slot_mask = slot_count - 1;
}

static void grow_name_slots(struct folded_reader *reader)
{
    free(reader->name_slots);
    allocate_name_slots(reader, (reader->name_slot_mask + 1) * 2);
    for (uint32_t index = 0; index < reader->name_count; index++) {
        const struct known_name *known = &reader->names[index];
        uint64_t hash = name_hash(known->bytes, known->length);
        size_t position = hash & reader->name_slot_mask;
        while (reader->name_slots[position].name != UINT32_MAX)
            position = (position + 1) & reader->name_slot_mask;
        reader->name_slots[position] = (struct name_slot){(uint32_t)(hash >> 32), index};
    }
}

static uint32_t named_frame(struct folded_reader *reader, const char *name, size_t length,
                            uint64_t hash)
{
    if (!reader->name_slots)
        allocate_name_slots(reader, 1024);
    uint32_t tag = (uint32_t)(hash >> 32);
    size_t position = hash & reader->name_slot_mask;
    for (;;) {
        const struct name_slot *slot = &reader->name_slots[position];
        if (slot->name == UINT32_MAX)
            break;
        if (slot->tag == tag) {
            const struct known_name *known = &reader->names[slot->name];
            if (known->length == length && same_bytes(known->bytes, name, length))
                return known->frame;
        }
        position = (position + 1) & reader->name_slot_mask;
    }
    struct profile *profile = reader->profile;
    uint32_t string = profile_intern(profile, name, length);
    uint32_t frame = profile_frame(profile, string, PROFILE_NONE, 0, FRAME_UNKNOWN);
    if (length > UINT32_MAX)
        return frame; /* not worth a slot */
    GROW(reader->names, reader->name_capacity, reader->name_count + 1);
    uint32_t index = (uint32_t)reader->name_count++;
    reader->names[index] = (struct known_name){profile_string(profile, string),
                                               (uint32_t)length, frame};
    reader->name_slots[position] = (struct name_slot){tag, index};
    if (reader->name_count * 2 > reader->name_slot_mask + 1)
        grow_name_slots(reader);
    return frame;
}

static void add_line(struct folded_reader *reader, const char *stack, size_t stack_length,
                     double count, int differential, double before)
{
    struct profile *profile = reader->profile;
    /* perl's split drops trailing empty fields: ";;" is the empty stack. */
    while (stack_length > 0 && stack[stack_length - 1] == ';')
        stack_length--;
    uint32_t node = PROFILE_ROOT;
    size_t begin = 0;
    if (reader->unsorted) {
        while (begin < stack_length) {
            uint64_t hash;
            size_t length = scan_frame(stack + begin, stack_length - begin, &hash);
            node = profile_child(profile, node, named_frame(reader, stack + begin, length, hash));
            begin += length + 1;
        }
    } else {
        size_t depth =
            previous_stack_shared(&reader->previous, stack, stack_length, ';', &node, &begin);
        if (stack_length > 0 && begin < stack_length) {
            for (;;) {
                uint64_t hash;
                size_t end = begin + scan_frame(stack + begin, stack_length - begin, &hash);
                node = profile_child(profile, node,
                                     named_frame(reader, stack + begin, end - begin, hash));
                previous_stack_record(&reader->previous, depth++, node, end);
                if (end == stack_length)
                    break;
                begin = end + 1;
            }
        }
        previous_stack_keep(&reader->previous, stack, stack_length, depth);
    }

    profile_add_value(profile, node, 0, count);
    if (!(count == floor(count) && count < 9007199254740992.0) ||
        (differential && !(before == floor(before) && before < 9007199254740992.0)))
        reader->inexact = 1;
    if (differential) {
        if (reader->before_type == SIZE_MAX) {
            reader->before_type = profile_add_sample_type(profile, "before", "count");
            profile->differential = 1;
        }
        profile_add_value(profile, node, reader->before_type, before);
    }
    if (reader->options && reader->options->keep_timeline)
        profile_timeline_append(profile, NAN, PROFILE_NONE, node, count);
    reader->statistics->samples++;
}

static int folded_read_line(struct folded_reader *reader, const char *line, size_t length)
{
    if (length && line[length - 1] == '\r')
        length--;
    size_t stack_length;
    double count;
    if (memchr(line, '\0', length) || !split_trailing_count(line, length, &stack_length, &count)) {
        reader->statistics->skipped_lines++;
        return 0;
    }
    size_t inner_length;
    double first;
    if (split_trailing_count(line, stack_length, &inner_length, &first)) {
        add_line(reader, line, inner_length, count, 1, first);
        return 1;
    }
    add_line(reader, line, stack_length, count, 0, 0);
    return 1;
}

static void free_reader(struct folded_reader *reader)
{
    previous_stack_free(&reader->previous);
    free(reader->name_slots);
    free(reader->names);
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

/* Inputs at least this big are parsed on two threads. */
enum { PARALLEL_MINIMUM_SIZE = 4 << 20 };

struct half_job {
    struct folded_reader reader;
    struct read_statistics statistics;
    const char *data;
    size_t length;
};

static void *read_half(void *job_pointer)
{
    struct half_job *job = job_pointer;
    read_lines(&job->reader, job->data, job->length);
    return NULL;
}

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

/* The two-thread path; returns 0, -1 on a read error, or 1 when it does not
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
                                   .statistics = statistics, .before_type = SIZE_MAX};
    if (looks_sorted(data, length)) {
        /* Reusing the previous line's frames makes parsing cheap: a second
         * thread and the merge would not pay for themselves. */
        read_lines(&reader, data, length);
        free_reader(&reader);
        input_unmap(mapping, mapping_length);
        return 0;
    }
    reader.unsorted = 1;
    /* Split after the newline nearest past the middle. */
    const char *middle = memchr(data + length / 2, '\n', length - length / 2);
    size_t first_length = middle ? (size_t)(middle - data) + 1 : length;

    struct half_job job = {.data = data + first_length, .length = length - first_length};
    job.reader = (struct folded_reader){.profile = profile_create(), .options = options,
                                        .statistics = &job.statistics, .before_type = SIZE_MAX,
                                        .unsorted = 1};
    profile_add_sample_type(job.reader.profile, "samples", "count");
    pthread_t thread;
    int threaded = pthread_create(&thread, NULL, read_half, &job) == 0;
    read_lines(&reader, data, first_length);
    if (threaded)
        pthread_join(thread, NULL);
    if (threaded && !reader.inexact && !job.reader.inexact) {
        profile_merge(profile, job.reader.profile);
        statistics->lines += job.statistics.lines;
        statistics->skipped_lines += job.statistics.skipped_lines;
        statistics->samples += job.statistics.samples;
    } else {
        read_lines(&reader, job.data, job.length);
    }
    profile_destroy(job.reader.profile);
    free_reader(&job.reader);
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
                                   .statistics = statistics, .before_type = SIZE_MAX};
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
