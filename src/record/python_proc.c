/* python_proc.c — /proc parsing for the Python sampler; see python_proc.h. */
#include "python_proc.h"
#include "../util/memory.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int proc_stat_parse(const char *text, size_t length, char *state, int *ppid)
{
    const char *close = NULL;
    for (size_t i = length; i > 0; i--)
        if (text[i - 1] == ')') {
            close = text + i - 1;
            break;
        }
    /* ") S 123": the state and a space at least. */
    if (!close || (size_t)(close - text) + 4 > length || close[1] != ' ')
        return -1;
    const char *cursor = close + 2;
    const char *end = text + length;
    char letter = *cursor++;
    if (cursor >= end || *cursor != ' ')
        return -1;
    cursor++;
    int negative = 0;
    if (cursor < end && *cursor == '-') {
        negative = 1;
        cursor++;
    }
    if (cursor >= end || *cursor < '0' || *cursor > '9')
        return -1;
    long parent = 0;
    while (cursor < end && *cursor >= '0' && *cursor <= '9' && parent < 100000000)
        parent = parent * 10 + (*cursor++ - '0');
    if (state)
        *state = letter;
    if (ppid)
        *ppid = negative ? -(int)parent : (int)parent;
    return 0;
}

long proc_statm_resident_pages(const char *text, size_t length)
{
    size_t i = 0;
    while (i < length && text[i] >= '0' && text[i] <= '9')
        i++;
    if (i == 0 || i >= length || text[i] != ' ')
        return -1;
    i++;
    size_t start = i;
    long pages = 0;
    while (i < length && text[i] >= '0' && text[i] <= '9' && pages < (1L << 50))
        pages = pages * 10 + (text[i++] - '0');
    return i == start ? -1 : pages;
}

size_t proc_descendants_of(int root_pid, const int (*pairs)[2], size_t pair_count, int *out,
                           size_t out_capacity)
{
    /* A process is a descendant when its parent is root_pid or a
     * descendant; passes repeat until nothing new is found (a chain of k
     * generations in table order needs at most k passes). */
    size_t count = 0;
    int found = 1;
    while (found) {
        found = 0;
        for (size_t i = 0; i < pair_count && count < out_capacity; i++) {
            int pid = pairs[i][0], parent = pairs[i][1];
            if (pid == root_pid)
                continue;
            int known = 0, parent_known = parent == root_pid;
            for (size_t j = 0; j < count && !(known && parent_known); j++) {
                if (out[j] == pid)
                    known = 1;
                if (out[j] == parent)
                    parent_known = 1;
            }
            if (!known && parent_known) {
                out[count++] = pid;
                found = 1;
            }
        }
    }
    /* Table order, as promised: the passes appended by generation. */
    size_t sorted = 0;
    for (size_t i = 0; i < pair_count && sorted < count; i++)
        for (size_t j = sorted; j < count; j++)
            if (out[j] == pairs[i][0]) {
                int swap = out[sorted];
                out[sorted] = out[j];
                out[j] = swap;
                sorted++;
                break;
            }
    return count;
}

long proc_read_small(const char *path, char *buffer, size_t size)
{
    char full[128];
    snprintf(full, sizeof full, "/proc/%s", path);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t length = read(fd, buffer, size - 1);
    close(fd);
    if (length < 0)
        return -1;
    if (length > 0 && buffer[length - 1] == '\n')
        length--;
    buffer[length] = 0;
    return (long)length;
}

size_t proc_descendants(int root_pid, int **pids, size_t *capacity)
{
    DIR *directory = opendir("/proc");
    if (!directory)
        return 0;
    int (*pairs)[2] = NULL;
    size_t pair_count = 0, pair_capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end || pid <= 0)
            continue;
        char path[64], text[512];
        snprintf(path, sizeof path, "%ld/stat", pid);
        long length = proc_read_small(path, text, sizeof text);
        int parent;
        if (length <= 0 || proc_stat_parse(text, (size_t)length, NULL, &parent) != 0)
            continue;
        GROW(pairs, pair_capacity, pair_count + 1);
        pairs[pair_count][0] = (int)pid;
        pairs[pair_count][1] = parent;
        pair_count++;
    }
    closedir(directory);
    GROW(*pids, *capacity, pair_count + 1);
    size_t count = proc_descendants_of(root_pid, (const int(*)[2])pairs, pair_count, *pids,
                                       *capacity);
    free(pairs);
    return count;
}
