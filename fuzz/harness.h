/* harness.h — the body shared by ember's libFuzzer harnesses (fuzz/NAME.c).
 *
 * One harness per reader: each fuzz/NAME.c defines LLVMFuzzerTestOneInput
 * by calling fuzz_reader() with its format's name. The input's first byte
 * chooses the read options (so the corpus covers --pid, --tid, --kernel,
 * --jit, --all, --addrs, event filters and the timeline), the rest is the
 * file. The profile that was read is then written with the folded writer
 * to an in-memory stream, so the writer and the model's sorting are fuzzed
 * too. The format's probe also sees the bytes, as the guesser would.
 *
 * Option byte (bit = meaning when set):
 *   0x01 --pid          0x02 --tid          0x04 --kernel    0x08 --jit
 *   0x10 --addrs        0x20 keep timeline  0x40 process-name root frame (as
 *                                           stackcollapse-perf.pl always has)
 *   0x80 --event-filter=cpu-clock (and a second filter, cycles)
 * (--all is --kernel --jit: 0x0c.) Seeds in fuzz/seeds/NAME/ start with a
 * printable option byte: '@' (0x40) is stackcollapse-perf.pl's defaults,
 * 'C' adds --pid --tid, 'L' --all, 'P' --addrs, '`' the timeline.
 *
 * Any spare bytes between the end of the data and the buffer's capacity are
 * poisoned for AddressSanitizer, so a reader that reads past the last line
 * is caught even if the buffer is larger than the data (input_open_memory()
 * sizes it to the data today). The byte at capacity is the input's NUL
 * terminator slot, which input_read_all() writes, so it stays unpoisoned.
 */
#ifndef EMBER_FUZZ_HARNESS_H
#define EMBER_FUZZ_HARNESS_H

#include "formats/format.h"
#include "model/profile.h"
#include "util/input.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(address, size) ASAN_POISON_MEMORY_REGION(address, size)
#define FUZZ_UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION(address, size)
#endif
#endif
#ifndef FUZZ_POISON
#define FUZZ_POISON(address, size) ((void)(address), (void)(size))
#define FUZZ_UNPOISON(address, size) ((void)(address), (void)(size))
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_options_from_byte(uint8_t byte, struct read_options *options)
{
    static const char *event_filters[] = {"cpu-clock", "cycles"};
    options->include_pid = (byte & 0x01) != 0;
    options->include_tid = (byte & 0x02) != 0;
    options->annotate_kernel = (byte & 0x04) != 0;
    options->annotate_jit = (byte & 0x08) != 0;
    options->include_addresses = (byte & 0x10) != 0;
    options->keep_timeline = (byte & 0x20) != 0;
    options->include_process_name = (byte & 0x40) != 0;
    if (byte & 0x80) {
        options->event_filters = event_filters;
        options->event_filter_count = 2;
    }
    /* --inline and --context stay off: they open files named by the input. */
}

static void fuzz_write_folded(const struct profile *profile)
{
    const struct format *folded = format_by_name("folded");
    if (!folded || !folded->write)
        abort();
    for (size_t type = 0; type < profile->sample_type_count && type < 2; type++) {
        char *text = NULL;
        size_t length = 0;
        FILE *sink = open_memstream(&text, &length);
        if (!sink)
            abort();
        struct write_options write_options = {.sample_type = type};
        (void)folded->write(sink, profile, &write_options);
        fclose(sink);
        free(text);
    }
}

static int fuzz_reader(const char *format_name, const uint8_t *data, size_t size)
{
    const struct format *format = format_by_name(format_name);
    if (!format || !format->read)
        abort(); /* the harness is built against a registry without this reader */
    if (size == 0)
        return 0;
    struct read_options options = {0};
    fuzz_options_from_byte(data[0], &options);
    const char *text = (const char *)data + 1;
    size_t length = size - 1;

    if (format->probe) {
        int score = format->probe(text, length);
        if (score < 0 || score > 100)
            abort();
    }

    struct input input;
    input_open_memory(&input, text, length, "fuzz-input");
    FUZZ_POISON(input.buffer + input.end, input.capacity - input.end);
    struct profile *profile = profile_create();
    profile->keep_timeline = options.keep_timeline;
    struct read_statistics statistics = {0};
    int status = format->read(&input, profile, &options, &statistics);
    if (status == 0)
        fuzz_write_folded(profile);
    profile_destroy(profile);
    FUZZ_UNPOISON(input.buffer + input.end, input.capacity - input.end);
    input_close(&input);
    return 0;
}

#endif
