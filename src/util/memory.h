/* memory.h — allocation wrappers that abort with a message on exhaustion.
 *
 * ember treats running out of memory as fatal: callers never have to check.
 */
#ifndef EMBER_MEMORY_H
#define EMBER_MEMORY_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *pointer, size_t size);
char *xstrdup(const char *string);
/* Grows *array (of element_size elements) so that it holds at least needed. */
void grow_array(void **array, size_t *capacity, size_t needed, size_t element_size);

#define GROW(array, capacity, needed) \
    grow_array((void **)&(array), &(capacity), (needed), sizeof *(array))

#endif
