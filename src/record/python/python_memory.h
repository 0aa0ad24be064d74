/* python_memory.h — reads another process's memory with process_vm_readv,
 * several ranges per system call, counting the calls. Never writes. */
#ifndef EMBER_PYTHON_MEMORY_H
#define EMBER_PYTHON_MEMORY_H

#include <stddef.h>
#include <stdint.h>

struct remote_memory {
    int pid;
    uint64_t calls; /* process_vm_readv calls made */
};

/* One range to read: size bytes at address into buffer. */
struct remote_range {
    uint64_t address;
    void *buffer;
    size_t size;
};

/* Reads one range whole. Returns 0, or an errno value (EFAULT: not
 * mapped, ESRCH: the process is gone, EPERM: not allowed). */
int remote_read(struct remote_memory *memory, uint64_t address, void *buffer, size_t size);

/* Reads count ranges in as few calls as possible (up to 1024 ranges per
 * call). Returns the number of leading ranges read whole (count when all
 * were); *error gets the errno value of the first failure, 0 if none. A
 * range that could not be read stops the call there, as the kernel does:
 * later ranges are retried in a call of their own, so each range is
 * reported by ok[i] (may be NULL) as read (1) or not (0). */
size_t remote_read_ranges(struct remote_memory *memory, const struct remote_range *ranges,
                          size_t count, unsigned char *ok, int *error);

/* Reads a 64-bit word at address; 0 or an errno value. */
int remote_read_word(struct remote_memory *memory, uint64_t address, uint64_t *value);

#endif
