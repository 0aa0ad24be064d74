/* python_memory.c — process_vm_readv with several ranges per call (see
 * python_memory.h). */
#define _GNU_SOURCE
#include "python_memory.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define RANGES_PER_CALL 1024

int remote_read(struct remote_memory *memory, uint64_t address, void *buffer, size_t size)
{
    if (size == 0) return 0;
    if (address == 0) return EFAULT;
    struct iovec local = {buffer, size};
    struct iovec remote = {(void *)(uintptr_t)address, size};
    memory->calls++;
    ssize_t got = process_vm_readv(memory->pid, &local, 1, &remote, 1, 0);
    if (got < 0) return errno ? errno : EIO;
    return (size_t)got == size ? 0 : EFAULT;
}

int remote_read_word(struct remote_memory *memory, uint64_t address, uint64_t *value)
{
    return remote_read(memory, address, value, sizeof *value);
}

/* Consecutive ranges are sent as one remote span when the next starts at
 * or after the end of the span, on the page where the span ends: the kernel
 * pins and looks up each remote span's pages separately, and a span costs
 * as much as a page to set up, while the bytes between the two ranges (read
 * into a scratch buffer) touch no page that either range does not. The
 * order of the reads is the order of the ranges either way (a span is
 * copied in ascending order). */
#define PAGE_SIZE_ASSUMED 4096

static int shares_last_page(uint64_t span_end, uint64_t next)
{
    return next >= span_end && next / PAGE_SIZE_ASSUMED == (span_end - 1) / PAGE_SIZE_ASSUMED;
}

/* Above UIO_FASTIOV (8) iovecs on a side, the kernel allocates and frees
 * an array for them in every call. A batch of more than that many local
 * pieces but at most STAGING_SIZE bytes is read into one local buffer and
 * copied out (a few KiB: far cheaper than the allocation). */
#define FAST_IOVECS 8
#define STAGING_SIZE 16384

size_t remote_read_ranges(struct remote_memory *memory, const struct remote_range *ranges,
                          size_t count, unsigned char *ok, int *error) {
    struct iovec local[2 * RANGES_PER_CALL], remote[RANGES_PER_CALL];
    static_assert(2 * RANGES_PER_CALL <= 2048, "within IOV_MAX");
    uint8_t scratch[PAGE_SIZE_ASSUMED]; /* the gaps' bytes, never looked at */
    uint8_t staging[STAGING_SIZE];
    size_t leading = 0, index = 0;
    int leading_done = 0;
    *error = 0;
    while (index < count) {
        size_t batch = 0, local_count = 0, remote_count = 0;
        /* ranges at address 0 or of size 0 are not sent to the kernel */
        while (index + batch < count && remote_count < RANGES_PER_CALL) {
            const struct remote_range *range = &ranges[index + batch];
            if (range->address == 0 || range->size == 0) break;
            if (remote_count > 0) {
                struct iovec *span = &remote[remote_count - 1];
                uint64_t span_end = (uint64_t)(uintptr_t)span->iov_base + span->iov_len;
                if (shares_last_page(span_end, range->address) && local_count + 2 <= 2 * RANGES_PER_CALL) {
                    size_t gap = (size_t)(range->address - span_end);
                    if (gap) local[local_count++] = (struct iovec){scratch, gap};
                    local[local_count++] = (struct iovec){range->buffer, range->size};
                    span->iov_len += gap + range->size;
                    batch++;
                    continue;
                }
            }
            if (local_count + 2 > 2 * RANGES_PER_CALL) break;
            local[local_count++] = (struct iovec){range->buffer, range->size};
            remote[remote_count++] = (struct iovec){(void *)(uintptr_t)range->address, range->size};
            batch++;
        }
        size_t whole = 0;
        if (batch > 0) {
            size_t total = 0;
            for (size_t i = 0; i < remote_count; i++) total += remote[i].iov_len;
            int staged = local_count > FAST_IOVECS && total <= STAGING_SIZE;
            if (staged) local[0] = (struct iovec){staging, total};
            memory->calls++;
            ssize_t got = process_vm_readv(memory->pid, local, staged ? 1 : local_count, remote, remote_count, 0);
            if (got < 0) {
                if (!*error) *error = errno ? errno : EIO;
                if (errno == ESRCH || errno == EPERM || errno == EACCES) {
                    for (size_t i = index; i < count; i++)
                        if (ok) ok[i] = 0;
                    return leading;
                }
                got = 0;
            }
            /* the ranges copied whole: their bytes, and the gaps before
             * them, within what the kernel copied */
            uint64_t copied = (uint64_t)got, position = 0;
            for (; whole < batch; whole++) {
                const struct remote_range *range = &ranges[index + whole];
                if (whole > 0) {
                    const struct remote_range *before = &ranges[index + whole - 1];
                    uint64_t before_end = before->address + before->size;
                    if (shares_last_page(before_end, range->address))
                        position += range->address - before_end;
                }
                if (position + range->size > copied) break;
                if (staged) memcpy(range->buffer, staging + position, range->size);
                position += range->size;
            }
        }
        for (size_t i = 0; i < whole; i++)
            if (ok) ok[index + i] = 1;
        if (!leading_done) leading += whole;
        index += whole;
        if (index < count && whole < batch + 1) {
            /* ranges[index] failed (or is null): mark it and go on after it */
            if (whole < batch || batch == 0) {
                if (ok) ok[index] = 0;
                if (!*error) *error = EFAULT;
                leading_done = 1;
                index++;
            }
        }
    }
    return leading;
}
