/* pyspy.h — reader of py-spy's raw output (py-spy record --format raw). */
#ifndef EMBER_PYSPY_H
#define EMBER_PYSPY_H

#include "format.h"

extern const struct format pyspy_format;

#endif
