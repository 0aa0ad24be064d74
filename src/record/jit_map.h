/* jit_map.h — symbols of JIT-compiled code from a perf map file
 * (/tmp/perf-PID.map, written by V8, the JVM's perf-map-agent, Python 3.12
 * -X perf, ...): lines "START SIZE NAME", START and SIZE in hexadecimal
 * (an optional 0x), NAME to the end of the line. Addresses are the
 * process's own (JIT code is anonymous memory).
 */
#ifndef EMBER_JIT_MAP_H
#define EMBER_JIT_MAP_H

#include "symbol_table.h"

#include <stddef.h>

/* Adds the symbols of map text to table and finishes it. Malformed lines
 * are skipped. Returns the number of symbols added. */
size_t jit_map_parse(struct symbol_table *table, const char *text, size_t length);
/* Reads path; 0 symbols when it cannot be read. */
size_t jit_map_load(struct symbol_table *table, const char *path);

#endif
