/* input.c — buffered file/stdin reading; see input.h. */
#include "input.h"
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { INPUT_BUFFER_SIZE = 1 << 20 };

/* input_peek() reads at most this much beyond what it was asked for: the
 * probes look at 64 KiB, and a large file is usually mapped afterwards, so
 * filling the whole buffer would only fault in and copy a megabyte that is
 * then thrown away. */
enum { PEEK_READ_SIZE = 64 << 10 };

const char *input_name(const struct input *input)
{
    return input->path && strcmp(input->path, "-") != 0 ? input->path : "<stdin>";
}

int input_open(struct input *input, const char *path)
{
    memset(input, 0, sizeof *input);
    input->path = path ? path : "-";
    if (strcmp(input->path, "-") == 0) {
        input->fd = STDIN_FILENO;
    } else {
        input->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (input->fd < 0) {
            fprintf(stderr, "ember: %s: cannot open: %s\n", path, strerror(errno));
            return -1;
        }
        input->owns_fd = 1;
    }
    struct stat status;
    if (fstat(input->fd, &status) == 0 && S_ISDIR(status.st_mode)) {
        fprintf(stderr, "ember: %s: is a directory, expected a profile file\n", input_name(input));
        if (input->owns_fd)
            close(input->fd);
        return -1;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    if (input->owns_fd)
        posix_fadvise(input->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    input->capacity = INPUT_BUFFER_SIZE;
    input->buffer = xmalloc(input->capacity + 1);
    return 0;
}

void input_open_memory(struct input *input, const char *data, size_t length, const char *name)
{
    memset(input, 0, sizeof *input);
    input->fd = -1;
    input->path = name;
    input->capacity = length ? length : 1; /* all of it is already there */
    input->buffer = xmalloc(input->capacity + 1);
    if (length)
        memcpy(input->buffer, data, length);
    input->end = length;
    input->at_eof = 1;
}

void input_close(struct input *input)
{
    if (input->owns_fd && input->fd >= 0)
        close(input->fd);
    free(input->buffer);
    input->buffer = NULL;
    input->fd = -1;
}

/* Reads up to limit more bytes after end; compacts and grows the buffer as
 * needed. Returns the number of bytes read, 0 at EOF, -1 on error. */
static long fill_at_most(struct input *input, size_t limit)
{
    if (input->at_eof || input->failed)
        return input->failed ? -1 : 0;
    if (input->start > 0 && input->start == input->end) {
        input->start = input->end = 0;
    } else if (input->end == input->capacity) {
        if (input->start > 0) {
            memmove(input->buffer, input->buffer + input->start, input->end - input->start);
            input->end -= input->start;
            input->start = 0;
        } else {
            input->capacity *= 2;
            input->buffer = xrealloc(input->buffer, input->capacity + 1);
        }
    }
    for (;;) {
        size_t room = input->capacity - input->end;
        ssize_t count = read(input->fd, input->buffer + input->end, room < limit ? room : limit);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0) {
            fprintf(stderr, "ember: %s: read error: %s\n", input_name(input), strerror(errno));
            input->failed = 1;
            return -1;
        }
        if (count == 0)
            input->at_eof = 1;
        input->end += (size_t)count;
        return count;
    }
}

static long fill(struct input *input)
{
    return fill_at_most(input, SIZE_MAX);
}

size_t input_peek(struct input *input, size_t want, const char **data)
{
    while (input->end - input->start < want && !input->at_eof && !input->failed) {
        if (input->start > 0 && input->end + want > input->capacity) {
            memmove(input->buffer, input->buffer + input->start, input->end - input->start);
            input->end -= input->start;
            input->start = 0;
        }
        size_t missing = want - (input->end - input->start);
        if (fill_at_most(input, missing > PEEK_READ_SIZE ? missing : PEEK_READ_SIZE) <= 0)
            break;
    }
    *data = input->buffer + input->start;
    size_t available = input->end - input->start;
    return available < want ? available : want;
}

int input_next_line(struct input *input, const char **line, size_t *length)
{
    size_t scanned = 0;
    for (;;) {
        char *begin = input->buffer + input->start;
        size_t available = input->end - input->start;
        char *newline = memchr(begin + scanned, '\n', available - scanned);
        if (newline) {
            *line = begin;
            *length = (size_t)(newline - begin);
            input->start += *length + 1;
            input->line_number++;
            return 1;
        }
        scanned = available;
        long count = fill(input);
        if (count < 0)
            return -1;
        if (count == 0) {
            if (input->end == input->start)
                return 0;
            *line = input->buffer + input->start;
            *length = input->end - input->start;
            input->start = input->end;
            input->line_number++;
            return 1;
        }
        /* fill() may have moved the data to the front of the buffer: scanned
         * stays valid because it counts bytes after start. */
    }
}

int input_next_block(struct input *input, const char **data, size_t *length)
{
    for (;;) {
        char *begin = input->buffer + input->start;
        size_t available = input->end - input->start;
        if (available && (input->at_eof || input->end == input->capacity)) {
            /* Hand out everything up to the last newline. */
            char *last = NULL;
            for (char *p = begin + available; p > begin; p--)
                if (p[-1] == '\n') {
                    last = p;
                    break;
                }
            if (!last && !input->at_eof) {
                if (fill(input) < 0)
                    return -1;
                continue;
            }
            size_t size = last ? (size_t)(last - begin) : available;
            *data = begin;
            *length = size;
            input->start += size;
            return 1;
        }
        long count = fill(input);
        if (count < 0)
            return -1;
        if (count == 0 && input->end == input->start)
            return 0;
    }
}

uint64_t input_remaining_size(const struct input *input)
{
    struct stat status;
    if (input->fd < 0 || fstat(input->fd, &status) != 0 || !S_ISREG(status.st_mode))
        return 0;
    off_t position = lseek(input->fd, 0, SEEK_CUR);
    if (position < 0 || position > status.st_size)
        return 0;
    return (uint64_t)(status.st_size - position) + (input->end - input->start);
}

int input_map_rest(struct input *input, const char **data, size_t *length, void **mapping,
                   size_t *mapping_length)
{
    struct stat status;
    if (input->fd < 0 || input->failed || fstat(input->fd, &status) != 0 ||
        !S_ISREG(status.st_mode) || status.st_size <= 0)
        return 0;
    off_t position = lseek(input->fd, 0, SEEK_CUR);
    size_t buffered = input->end - input->start;
    if (position < 0 || position > status.st_size || (uint64_t)position < buffered ||
        (uint64_t)status.st_size > SIZE_MAX)
        return 0;
    /* No MAP_POPULATE: that would make the whole file resident at once; the
     * reader faults pages in as it goes (with readahead) and releases them. */
    void *map = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, input->fd, 0);
    if (map == MAP_FAILED)
        return 0;
    madvise(map, (size_t)status.st_size, MADV_SEQUENTIAL);
#ifdef MADV_NOHUGEPAGE
    /* Page-cache pages may otherwise be mapped 2 MiB at a time, which the
     * reader's release every few hundred KiB cannot give back: resident
     * memory would jump by megabytes depending on how the file was cached. */
    madvise(map, (size_t)status.st_size, MADV_NOHUGEPAGE);
#endif
    size_t offset = (size_t)position - buffered;
    *data = (const char *)map + offset;
    *length = (size_t)status.st_size - offset;
    *mapping = map;
    *mapping_length = (size_t)status.st_size;
    input->start = input->end = 0;
    input->at_eof = 1;
    return 1;
}

void input_unmap(void *mapping, size_t mapping_length)
{
    munmap(mapping, mapping_length);
}

void input_release_mapped(const char *from, const char *to)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)from & ~(page - 1);
    uintptr_t end = (uintptr_t)to & ~(page - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

int input_read_all(struct input *input, char **data, size_t *length)
{
    /* A regular file's size is known: make room for all of it at once
     * (plus a little, so the read that sees EOF needs no growth). */
    uint64_t expected = input_remaining_size(input);
    if (input->start > 0) {
        memmove(input->buffer, input->buffer + input->start, input->end - input->start);
        input->end -= input->start;
        input->start = 0;
    }
    if (expected && expected < SIZE_MAX / 2 && expected + 4096 > input->capacity) {
        input->capacity = (size_t)expected + 4096;
        input->buffer = xrealloc(input->buffer, input->capacity + 1);
    }
    while (!input->at_eof) {
        if (fill(input) < 0)
            return -1;
    }
    /* Hand the buffer itself over; the input keeps a small empty one. */
    size_t size = input->end;
    input->buffer[size] = '\0';
    *data = input->buffer;
    *length = size;
    input->capacity = 1;
    input->buffer = xmalloc(input->capacity + 1);
    input->start = input->end = 0;
    return 0;
}
