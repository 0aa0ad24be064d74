/* python_debug_offsets.h — 3.13+'s _Py_DebugOffsets: the block at the
 * start of _PyRuntime where CPython publishes its own structure offsets
 * for out-of-process readers. The reader reads it from the process and
 * lays it over the header-derived table: the process is authoritative,
 * differences are counted (a cross-check of the generated table). */
#ifndef EMBER_PYTHON_DEBUG_OFFSETS_H
#define EMBER_PYTHON_DEBUG_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "python_layout.h"

/* block: the bytes read at _PyRuntime (at least layout->debug->size).
 * Checks the "xdebugpy" cookie and the version against major.minor;
 * copies every published offset into layout. Returns the number of
 * offsets that differed from the table, or -1 (message in error) when
 * the block is not a valid _Py_DebugOffsets of this version or describes
 * a free-threaded build. */
int python_debug_offsets_apply(const uint8_t *block, size_t size, struct python_layout *layout,
                               char *error, size_t error_size);

#endif
