/* fuzz/gperftools_heap.c — libFuzzer harness for the gperftools-heap reader (and the folded
 * writer on what it read). Built by `make fuzzers` into build/fuzz/gperftools_heap;
 * run briefly by tests/run (fuzz/smoke) and for long by `make fuzz`
 * (fuzz/run). Seeds: fuzz/seeds/gperftools_heap/. See fuzz/harness.h for the option byte.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_reader("gperftools-heap", data, size);
}
