/* format.c — the registry of formats and the guesser; see format.h.
 *
 * To add a format: write src/formats/NAME.c exporting a `struct format`,
 * declare it in its header, and add one line to `registry` below.
 */
#include "format.h"
#include "folded.h"
#include "perf_script.h"
#include "perf_data.h"
#include "gperftools_heap.h"
#include "gperftools_cpu.h"
#include "pprof.h"
#include "pstats.h"
#include "bpftrace.h"
#include "pyspy.h"
#include "speedscope.h"
#include "flamebearer.h"
#include "chrome.h"
#include "austin.h"

#include <string.h>

static const struct format *const registry[] = {
    &folded_format,
    &perf_script_format,
    &perf_data_format,
    &gperftools_heap_format,
    &gperftools_cpu_format,
    &pprof_format,
    &pprof_uncompressed_format,
    &pstats_format,
    &bpftrace_format,
    &pyspy_format,
    &speedscope_format,
    &flamebearer_format,
    &chrome_format,
    &austin_format,
};

enum { REGISTRY_SIZE = sizeof registry / sizeof registry[0], PROBE_BYTES = 64 * 1024 };

const struct format *format_by_name(const char *name)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

static int has_suffix(const char *string, const char *suffix)
{
    size_t length = strlen(string), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(string + length - suffix_length, suffix) == 0;
}

static const struct format *format_by_extension(const char *path, int for_writing)
{
    if (!path)
        return NULL;
    const struct format *best = NULL;
    size_t best_length = 0;
    for (size_t i = 0; i < REGISTRY_SIZE; i++) {
        if (for_writing && !registry[i]->write)
            continue;
        if (!for_writing && !registry[i]->read)
            continue;
        for (const char *const *extension = registry[i]->extensions; extension && *extension;
             extension++) {
            size_t length = strlen(*extension);
            if (length > best_length && has_suffix(path, *extension)) {
                best = registry[i];
                best_length = length;
            }
        }
    }
    return best;
}

const struct format *format_for_output_path(const char *path)
{
    return format_by_extension(path, 1);
}

const struct format *format_guess(struct input *input)
{
    const char *head;
    size_t length = input_peek(input, PROBE_BYTES, &head);
    if (length == 0)
        return NULL;
    const struct format *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < REGISTRY_SIZE; i++) {
        if (!registry[i]->probe || !registry[i]->read)
            continue;
        int score = registry[i]->probe(head, length);
        if (score > best_score) {
            best = registry[i];
            best_score = score;
        }
    }
    if (best)
        return best;
    return format_by_extension(input->path, 0);
}

void format_list(FILE *file)
{
    int width = 0;
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        if ((int)strlen(registry[i]->name) > width)
            width = (int)strlen(registry[i]->name);
    for (size_t i = 0; i < REGISTRY_SIZE; i++) {
        const struct format *format = registry[i];
        const char *mode = format->read && format->write ? "read/write"
                           : format->read                ? "read"
                                                         : "write";
        fprintf(file, "  %-*s  %-10s", width, format->name, mode);
        for (const char *const *extension = format->extensions; extension && *extension;
             extension++)
            fprintf(file, " %s", *extension);
        fputc('\n', file);
    }
}

int format_read_input(struct input *input, const struct format *format, struct profile *profile,
                      const struct read_options *options, struct read_statistics *statistics)
{
    const char *head;
    if (input_peek(input, 1, &head) == 0) {
        if (input->failed)
            return -1;
        fprintf(stderr, "ember: %s: empty input, no profile to read\n", input_name(input));
        return -1;
    }
    if (!format)
        format = format_guess(input);
    if (!format) {
        size_t length = input_peek(input, 16, &head);
        fprintf(stderr, "ember: %s: unrecognised profile format (starts with", input_name(input));
        for (size_t i = 0; i < length; i++)
            fprintf(stderr, " %02x", (unsigned char)head[i]);
        fprintf(stderr, "); name one with --format\n");
        return -1;
    }
    if (!format->read) {
        fprintf(stderr, "ember: format %s cannot be read\n", format->name);
        return -1;
    }
    return format->read(input, profile, options, statistics);
}
