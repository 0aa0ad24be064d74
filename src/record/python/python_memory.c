/* python_memory.c — process_vm_readv with several ranges per call (see
 * python_memory.h). */
#define _GNU_SOURCE
#include "python_memory.h"

#include <errno.h>
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

size_t remote_read_ranges(struct remote_memory *memory, const struct remote_range *ranges,
                          size_t count, unsigned char *ok, int *error) {
    struct iovec local[RANGES_PER_CALL], remote[RANGES_PER_CALL];
    size_t leading = 0, index = 0;
    int leading_done = 0;
    *error = 0;
    while (index < count) {
        size_t batch = 0;
        /* ranges at address 0 or of size 0 are not sent to the kernel */
        while (index + batch < count && batch < RANGES_PER_CALL) {
            const struct remote_range *range = &ranges[index + batch];
            if (range->address == 0 || range->size == 0) break;
            local[batch].iov_base = range->buffer;
            local[batch].iov_len = range->size;
            remote[batch].iov_base = (void *)(uintptr_t)range->address;
            remote[batch].iov_len = range->size;
            batch++;
        }
        size_t whole = 0;
        if (batch > 0) {
            memory->calls++;
            ssize_t got = process_vm_readv(memory->pid, local, batch, remote, batch, 0);
            if (got < 0) {
                if (!*error) *error = errno ? errno : EIO;
                if (errno == ESRCH || errno == EPERM || errno == EACCES) {
                    for (size_t i = index; i < count; i++)
                        if (ok) ok[i] = 0;
                    return leading;
                }
                got = 0;
            }
            size_t remaining = (size_t)got;
            while (whole < batch && remaining >= local[whole].iov_len) {
                remaining -= local[whole].iov_len;
                whole++;
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
