/* austin.h — reader of austin's text output (Python sampling profiler). */
#ifndef EMBER_AUSTIN_H
#define EMBER_AUSTIN_H

#include "format.h"

extern const struct format austin_format;

#endif
