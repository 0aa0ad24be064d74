/* fuzz/bpftrace.c — libFuzzer harness for the bpftrace reader (and the folded
 * writer on what it read). Built by `make fuzzers` into build/fuzz/bpftrace;
 * run briefly by tests/run (fuzz/smoke) and for long by `make fuzz`
 * (fuzz/run). Seeds: fuzz/seeds/bpftrace/. See fuzz/harness.h for the option byte.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_reader("bpftrace", data, size);
}
