/* gperftools_heap.h — reader of gperftools' text heap profile (HEAPPROFILE). */
#ifndef EMBER_GPERFTOOLS_HEAP_H
#define EMBER_GPERFTOOLS_HEAP_H

#include "format.h"

extern const struct format gperftools_heap_format;

#endif
