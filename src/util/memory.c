/* memory.c — allocation wrappers; see memory.h. */
#include "memory.h"

#include <stdio.h>
#include <string.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "ember: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *pointer = malloc(size ? size : 1);
    if (!pointer)
        out_of_memory(size);
    return pointer;
}

void *xcalloc(size_t count, size_t size)
{
    void *pointer = calloc(count ? count : 1, size ? size : 1);
    if (!pointer)
        out_of_memory(count * size);
    return pointer;
}

void *xrealloc(void *pointer, size_t size)
{
    void *result = realloc(pointer, size ? size : 1);
    if (!result)
        out_of_memory(size);
    return result;
}

char *xstrdup(const char *string)
{
    size_t length = strlen(string);
    char *copy = xmalloc(length + 1);
    memcpy(copy, string, length + 1);
    return copy;
}

void grow_array(void **array, size_t *capacity, size_t needed, size_t element_size)
{
    if (needed <= *capacity)
        return;
    size_t new_capacity = *capacity ? *capacity : 16;
    while (new_capacity < needed)
        new_capacity *= 2;
    *array = xrealloc(*array, new_capacity * element_size);
    *capacity = new_capacity;
}
