/* flamebearer.h — Pyroscope's flamebearer JSON, written (the format of the
 * /render answer; used by ember's server and HTML viewer). */
#ifndef EMBER_FLAMEBEARER_H
#define EMBER_FLAMEBEARER_H

#include "format.h"

extern const struct format flamebearer_format;

#endif
