/* fuzz/pstats.c — libFuzzer harness for the cProfile / pstats reader: the
 * marshal decoder, the statistics loader and the call-tree estimate (and the
 * folded writer on what it built), then `ember top`'s pstats table of the
 * same bytes, sorted by a key the option byte picks (with and without a
 * limit). Built by `make fuzzers` into build/fuzz/pstats; seeds in
 * fuzz/seeds/pstats/ (real dumps of Python 2.7 and 3.13, the unit tests'
 * graph, a profile-module dump, a self-referencing tuple); dictionary
 * fuzz/pstats.dict. The reader ignores the option byte's reader options.
 */
#include "harness.h"
#include "formats/pstats.h"
#include "render/text_top.h"

static void fuzz_top(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {
        "calls", "cumulative", "filename", "line", "name", "nfl", "pcalls", "stdname",
        "time", "time,name", "line,cumulative", "cumu",
    };
    struct pstats_sort sort;
    char bad_key[64];
    if (pstats_sort_parse(keys[data[0] % (sizeof keys / sizeof keys[0])], &sort, bad_key,
                          sizeof bad_key) < 0)
        abort();
    struct input input;
    input_open_memory(&input, (const char *)data + 1, size - 1, "fuzz-input");
    struct pstats stats;
    if (pstats_load(&stats, &input) == 0) {
        char *text = NULL;
        size_t length = 0;
        FILE *sink = open_memstream(&text, &length);
        if (!sink)
            abort();
        (void)text_top_pstats(sink, &stats, &sort, (data[0] & 0x80) ? 3 : -1, "header");
        fclose(sink);
        free(text);
        pstats_free(&stats);
    }
    input_close(&input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader("pstats", data, size);
    if (size > 0)
        fuzz_top(data, size);
    return 0;
}
