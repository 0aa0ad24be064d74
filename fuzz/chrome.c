/* fuzz/chrome.c — libFuzzer harness for the chrome reader (and the folded writer
 * on what it read). Built by `make fuzzers` into build/fuzz/chrome; run briefly
 * by tests/run (fuzz/smoke) and for long by `make fuzz` (fuzz/run). Seeds:
 * fuzz/seeds/chrome/ (the first byte is the option byte of fuzz/harness.h: '@'
 * plain, '`' with the timeline); dictionary: fuzz/chrome.dict.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_reader("chrome", data, size);
}
