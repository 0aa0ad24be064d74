/* fuzz/perf_data.c — libFuzzer harness for the perf.data reader (header,
 * attrs, feature sections, records decoded and replayed by the record
 * session) and the folded writer on what it read. Built by `make fuzzers`
 * into build/fuzz/perf_data; run briefly by tests/run (fuzz/smoke) and for
 * long by `make fuzz` (fuzz/run). Seeds: fuzz/seeds/perf_data/ (small real
 * recordings of tests/programs/perfdata_spin.c). See fuzz/harness.h for the
 * option byte.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_reader("perf-data", data, size);
}
