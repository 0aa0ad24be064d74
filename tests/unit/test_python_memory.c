/* test_python_memory.c — remote_read_ranges (src/record/python/
 * python_memory.c) on this very process: ranges that share a page go to
 * the kernel as one span with the bytes between read into scratch, and
 * each range must still come back whole and alone, in the order given;
 * a range on a page that is not mapped fails by itself, the ranges after
 * it are still read. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "record/python/python_memory.h"

/* Three pages: the first two readable with known bytes, the third not
 * mapped. */
static uint8_t *map_pages(void)
{
    long page = sysconf(_SC_PAGESIZE);
    cr_assert_eq(page, 4096);
    uint8_t *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(pages, MAP_FAILED);
    for (size_t i = 0; i < 2 * 4096; i++)
        pages[i] = (uint8_t)(i * 7 + i / 251);
    cr_assert_eq(munmap(pages + 2 * 4096, 4096), 0);
    return pages;
}

Test(python_memory, ranges_sharing_pages_come_back_whole_and_in_place)
{
    uint8_t *pages = map_pages();
    struct remote_memory memory = {getpid(), 0};
    uint8_t buffers[8][64];
    memset(buffers, 0xee, sizeof buffers);
    /* offsets and sizes: two on one page with a gap, one right after,
     * one back down (not merged: reads keep their order), one crossing
     * into the second page, one ending on it, one on the unmapped page,
     * one after it */
    const size_t at[8] = {16, 100, 164, 40, 4090, 5000, 2 * 4096 + 8, 300};
    const size_t size[8] = {8, 64, 16, 32, 12, 64, 8, 24};
    struct remote_range ranges[8];
    for (int i = 0; i < 8; i++)
        ranges[i] = (struct remote_range){(uint64_t)(uintptr_t)(pages + at[i]), buffers[i], size[i]};
    unsigned char ok[8];
    memset(ok, 9, sizeof ok);
    int error = -1;
    size_t leading = remote_read_ranges(&memory, ranges, 8, ok, &error);
    cr_expect_eq(leading, 6, "the ranges before the unmapped one");
    cr_expect_eq(error, EFAULT);
    for (int i = 0; i < 8; i++) {
        cr_expect_eq(ok[i], i != 6, "range %d", i);
        if (i == 6) continue;
        cr_expect_eq(memcmp(buffers[i], pages + at[i], size[i]), 0, "range %d's bytes", i);
        for (size_t j = size[i]; j < sizeof buffers[i]; j++)
            cr_expect_eq(buffers[i][j], 0xee, "range %d wrote past its size", i);
    }
    cr_expect_leq(memory.calls, 3);
    munmap(pages, 2 * 4096);
}

Test(python_memory, a_range_running_into_an_unmapped_page_fails_alone)
{
    uint8_t *pages = map_pages();
    struct remote_memory memory = {getpid(), 0};
    uint8_t first[8], crossing[32], after[8];
    /* the second shares the first's page and runs off the mapped pages */
    struct remote_range ranges[3] = {
        {(uint64_t)(uintptr_t)(pages + 4096 + 100), first, sizeof first},
        {(uint64_t)(uintptr_t)(pages + 2 * 4096 - 16), crossing, sizeof crossing},
        {(uint64_t)(uintptr_t)(pages + 64), after, sizeof after},
    };
    unsigned char ok[3];
    int error = 0;
    size_t leading = remote_read_ranges(&memory, ranges, 3, ok, &error);
    cr_expect_eq(leading, 1);
    cr_expect_eq(ok[0], 1);
    cr_expect_eq(ok[1], 0);
    cr_expect_eq(ok[2], 1);
    cr_expect_eq(memcmp(first, pages + 4096 + 100, sizeof first), 0);
    cr_expect_eq(memcmp(after, pages + 64, sizeof after), 0);
    munmap(pages, 2 * 4096);
}

/* Many pieces (more local iovecs than the kernel keeps on its stack): the
 * batch goes through one local buffer and is copied out; each range must
 * still get exactly its own bytes, also when the call stops partway. */
Test(python_memory, many_small_ranges_come_back_whole_and_in_place)
{
    uint8_t *pages = map_pages();
    struct remote_memory memory = {getpid(), 0};
    enum { COUNT = 14 };
    uint8_t buffers[COUNT][40];
    memset(buffers, 0xee, sizeof buffers);
    /* gaps on one page (merged spans), jumps back (new spans), both pages,
     * one range on the unmapped page, ranges after it */
    const size_t at[COUNT] = {8, 24, 72, 200, 1000, 16, 4100, 4160, 4300, 7000, 2 * 4096 + 64, 3000, 3040, 5000};
    const size_t size[COUNT] = {8, 16, 32, 40, 8, 8, 24, 8, 40, 16, 8, 16, 24, 32};
    struct remote_range ranges[COUNT];
    for (int i = 0; i < COUNT; i++)
        ranges[i] = (struct remote_range){(uint64_t)(uintptr_t)(pages + at[i]), buffers[i], size[i]};
    unsigned char ok[COUNT];
    int error = 0;
    size_t leading = remote_read_ranges(&memory, ranges, COUNT, ok, &error);
    cr_expect_eq(leading, 10, "the ranges before the unmapped one");
    cr_expect_eq(error, EFAULT);
    for (int i = 0; i < COUNT; i++) {
        cr_expect_eq(ok[i], i != 10, "range %d", i);
        if (i != 10)
            cr_expect_eq(memcmp(buffers[i], pages + at[i], size[i]), 0, "range %d's bytes", i);
        for (size_t j = i == 10 ? 0 : size[i]; j < sizeof buffers[i]; j++)
            cr_expect_eq(buffers[i][j], 0xee, "range %d: a byte written outside it", i);
    }
    munmap(pages, 2 * 4096);
}
