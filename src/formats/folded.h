/* folded.h — the folded-stacks format descriptor. */
#ifndef EMBER_FOLDED_H
#define EMBER_FOLDED_H

#include "format.h"

extern const struct format folded_format;

#endif
