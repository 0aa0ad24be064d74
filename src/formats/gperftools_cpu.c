/* gperftools_cpu.c — reader of gperftools' binary CPU profile (what
 * libprofiler writes for CPUPROFILE=FILE or ProfilerStart(FILE)).
 *
 * Layout (gperftools docs/cpuprofile-fileformat): machine words ("slots")
 * of the recording machine's pointer size and byte order —
 *   header   0, 3 (header words that follow), 0 (version), PERIOD
 *            (microseconds between samples), 0 (padding)
 *   records  COUNT, DEPTH, DEPTH program counters (innermost first)
 *   trailer  0, 1, 0
 * then the text of /proc/self/maps at the end of the run. The word size and
 * byte order are found as pprof finds them: the first of 64-bit little,
 * 64-bit big, 32-bit little, 32-bit big endian whose header reads 0, 3,
 * 0, >0, 0.
 *
 * Addresses are symbolized with ember's ELF symbolizer (src/record/
 * symbols.c) from the mappings of the trailing text, in the files on this
 * machine. As pprof does, every address but the first of a stack is a
 * return address and is looked up one byte earlier (inside the call), and
 * a second address equal to the first (the signal PC that the unwinder
 * reported again) is dropped.
 *
 * Model mapping: sample types ("samples", "count") and ("cpu",
 * "nanoseconds") = COUNT * PERIOD * 1000, the default (pprof's choice, the
 * last type); period = PERIOD * 1000 ns. Frames are functions (kind
 * FRAME_NATIVE, file = the mapped module); an address without a symbol is a
 * frame named "0xADDRESS".
 *
 * Errors name the byte offset: a header in no known layout, a record whose
 * addresses run past the end, no trailer.
 */
#include "gperftools_cpu.h"
#include "native_frames.h"
#include "../record/symbols.h"
#include "../util/diagnostics.h"
#include "../util/memory.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct word_layout {
    size_t size;    /* 4 or 8 */
    int big_endian;
};

static uint64_t read_word(const unsigned char *bytes, struct word_layout layout)
{
    uint64_t value = 0;
    if (layout.big_endian) {
        for (size_t i = 0; i < layout.size; i++)
            value = value << 8 | bytes[i];
    } else {
        for (size_t i = layout.size; i-- > 0;)
            value = value << 8 | bytes[i];
    }
    return value;
}

/* Finds the layout whose header reads 0, 3, 0, >0, 0 (as pprof does: a
 * header longer than 3 words is allowed by the format but never written,
 * and accepting it would take a big-endian file for a little-endian one). */
static int detect_layout(const unsigned char *data, size_t length, struct word_layout *layout)
{
    static const struct word_layout candidates[] = {{8, 0}, {8, 1}, {4, 0}, {4, 1}};
    for (size_t c = 0; c < sizeof candidates / sizeof candidates[0]; c++) {
        struct word_layout candidate = candidates[c];
        if (length < 5 * candidate.size)
            continue;
        uint64_t words[5];
        for (size_t i = 0; i < 5; i++)
            words[i] = read_word(data + i * candidate.size, candidate);
        if (words[0] == 0 && words[1] == 3 && words[2] == 0 && words[3] > 0 && words[4] == 0) {
            *layout = candidate;
            return 1;
        }
    }
    return 0;
}

struct record {
    size_t offset; /* of its first program counter */
    uint64_t depth;
    uint64_t count;
};

static int gperftools_cpu_read(struct input *input, struct profile *profile,
                               const struct read_options *options,
                               struct read_statistics *statistics)
{
    char *text;
    size_t length;
    if (input_read_all(input, &text, &length) < 0)
        return -1;
    const unsigned char *data = (const unsigned char *)text;
    struct word_layout layout;
    if (!detect_layout(data, length, &layout)) {
        report_at_offset(input_name(input), 0,
                         "not a gperftools CPU profile: expected the header words 0, 3, 0, "
                         "PERIOD, 0 in 32- or 64-bit words of either byte order");
        free(text);
        return -1;
    }
    size_t word = layout.size;
    uint64_t header_words = read_word(data + word, layout);
    uint64_t period = read_word(data + 3 * word, layout);
    if (header_words > (length / word) - 2) {
        report_at_offset(input_name(input), word,
                         "header announces %" PRIu64 " words, more than the file holds",
                         header_words);
        free(text);
        return -1;
    }
    size_t offset = (size_t)(2 + header_words) * word;
    struct record *records = NULL;
    size_t record_count = 0, record_capacity = 0;
    int trailer = 0, failed = 0;
    while (!failed) {
        if (length - offset < 2 * word) {
            report_at_offset(input_name(input), offset,
                             "the profile ends without its trailer: expected a record "
                             "(COUNT, DEPTH, addresses) or the end marker 0, 1, 0");
            failed = 1;
            break;
        }
        uint64_t count = read_word(data + offset, layout);
        uint64_t depth = read_word(data + offset + word, layout);
        size_t record_offset = offset;
        offset += 2 * word;
        if (depth > (length - offset) / word) {
            report_at_offset(input_name(input), record_offset,
                             "record of %" PRIu64 " addresses runs past the end of "
                             "the file (%zu bytes)",
                             depth, length);
            failed = 1;
            break;
        }
        if (count == 0 && depth == 1 && read_word(data + offset, layout) == 0) {
            offset += word;
            trailer = 1;
            break;
        }
        if (count > (1ULL << 53)) {
            report_at_offset(input_name(input), record_offset,
                             "record count %" PRIu64 " is beyond any real profile", count);
            failed = 1;
            break;
        }
        GROW(records, record_capacity, record_count + 1);
        records[record_count++] = (struct record){offset, depth, count};
        offset += (size_t)depth * word;
    }
    if (failed || !trailer) {
        free(records);
        free(text);
        return -1;
    }

    struct symbolizer *symbolizer = symbolizer_create();
    symbolizer_add_maps_text(symbolizer, text + offset, length - offset);
    struct native_frames frames;
    native_frames_init(&frames, profile, symbolizer);
    size_t samples_type = profile_add_sample_type(profile, "samples", "count");
    size_t cpu_type = profile_add_sample_type(profile, "cpu", "nanoseconds");
    profile->default_sample_type = cpu_type;
    profile->period = (double)period * 1000.0;
    profile->period_type = profile_intern_cstring(profile, "cpu");
    char period_text[32];
    snprintf(period_text, sizeof period_text, "%" PRIu64, period);
    profile_add_label(profile, "sampling_period_us", period_text);

    uint32_t *stack = NULL;
    size_t stack_capacity = 0;
    for (size_t r = 0; r < record_count; r++) {
        const struct record *record = &records[r];
        if (record->depth > stack_capacity)
            GROW(stack, stack_capacity, (size_t)record->depth);
        size_t depth = 0;
        uint64_t first = 0;
        for (uint64_t i = 0; i < record->depth; i++) {
            uint64_t address = read_word(data + record->offset + i * word, layout);
            if (i == 0)
                first = address;
            else if (i == 1 && address == first)
                continue;
            uint64_t lookup = i == 0 || address == 0 ? address : address - 1;
            stack[depth++] = native_frames_get(&frames, lookup, address);
        }
        for (size_t i = 0; i < depth / 2; i++) { /* innermost first -> root first */
            uint32_t swap = stack[i];
            stack[i] = stack[depth - 1 - i];
            stack[depth - 1 - i] = swap;
        }
        uint32_t node = profile_add_stack(profile, stack, depth);
        profile_add_value(profile, node, samples_type, (double)record->count);
        profile_add_value(profile, node, cpu_type, (double)record->count * (double)period * 1000.0);
        if (options && options->keep_timeline)
            profile_timeline_append(profile, NAN, PROFILE_NONE, node,
                                    (double)record->count * (double)period * 1000.0);
        statistics->samples++;
    }
    statistics->lines = record_count;
    free(stack);
    native_frames_free(&frames);
    symbolizer_destroy(symbolizer);
    free(records);
    free(text);
    return 0;
}

static int gperftools_cpu_probe(const char *head, size_t length)
{
    struct word_layout layout;
    return detect_layout((const unsigned char *)head, length, &layout) ? 95 : 0;
}

const struct format gperftools_cpu_format = {
    .name = "gperftools-cpu",
    .extensions = NULL,
    .probe = gperftools_cpu_probe,
    .read = gperftools_cpu_read,
    .write = NULL,
};
