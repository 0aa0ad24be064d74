/* fuzz/pprof.c — libFuzzer harness for the pprof reader (gzipped or plain
 * protobuf) and the pprof writer. Built by `make fuzzers` into
 * build/fuzz/pprof; seeds in fuzz/seeds/pprof/ (first byte: options, see
 * fuzz/harness.h).
 *
 * Besides fuzz_reader()'s read + folded write, when the option byte has
 * bit 0x01 set (--pid, which pprof ignores) the input is read again with
 * --label-frames for the keys Go uses, written back with the pprof writer
 * (gzipped and plain), and that output must read again: a profile ember
 * accepted must survive its own writer.
 */
#include "harness.h"

#include "util/gzip.h"

static void read_write_read(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"phase", "bytes", "goroutine"};
    struct read_options options = {.label_frame_keys = keys, .label_frame_key_count = 3};
    const struct format *pprof = format_by_name("pprof");
    const struct format *plain = format_by_name("pprof-uncompressed");
    if (!pprof || !plain)
        abort();
    struct input input;
    input_open_memory(&input, (const char *)data, size, "fuzz-input");
    struct profile *profile = profile_create();
    struct read_statistics statistics = {0};
    int status = pprof->read(&input, profile, &options, &statistics);
    input_close(&input);
    if (status == 0) {
        for (int compressed = 0; compressed < 2; compressed++) {
            char *bytes = NULL;
            size_t length = 0;
            FILE *sink = open_memstream(&bytes, &length);
            if (!sink)
                abort();
            struct write_options write_options = {.sample_type = profile->default_sample_type};
            int written = (compressed ? pprof : plain)->write(sink, profile, &write_options);
            fclose(sink);
            if (written != 0 || (compressed && !gzip_has_magic(bytes, length)))
                abort();
            struct input again;
            input_open_memory(&again, bytes, length, "fuzz-rewritten");
            struct profile *reread = profile_create();
            struct read_statistics reread_statistics = {0};
            struct read_options none = {0};
            if (pprof->read(&again, reread, &none, &reread_statistics) != 0)
                abort(); /* ember wrote something it cannot read */
            if (reread->sample_type_count != profile->sample_type_count)
                abort();
            profile_destroy(reread);
            input_close(&again);
            free(bytes);
        }
    }
    profile_destroy(profile);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader("pprof", data, size);
    if (size > 0 && (data[0] & 0x01))
        read_write_read(data + 1, size - 1);
    return 0;
}
