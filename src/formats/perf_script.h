/* perf_script.h — the `perf script` text format descriptor (read only). */
#ifndef EMBER_PERF_SCRIPT_H
#define EMBER_PERF_SCRIPT_H

#include "format.h"

extern const struct format perf_script_format;

#endif
