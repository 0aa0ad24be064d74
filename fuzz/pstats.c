/* fuzz/pstats.c — libFuzzer harness for the cProfile / pstats reader: the
 * marshal decoder, the statistics loader and the call-tree estimate (and the
 * folded writer on what it built). Built by `make fuzzers` into
 * build/fuzz/pstats; seeds in fuzz/seeds/pstats/ (real dumps of Python 2.7
 * and 3.13, the unit tests' graph, a profile-module dump, a self-referencing
 * tuple). The option byte (fuzz/harness.h) does not matter to this reader.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_reader("pstats", data, size);
}
