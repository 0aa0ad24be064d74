/* speedscope.h — speedscope's JSON file format, read and written. */
#ifndef EMBER_SPEEDSCOPE_H
#define EMBER_SPEEDSCOPE_H

#include "format.h"

extern const struct format speedscope_format;

#endif
