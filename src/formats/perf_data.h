/* perf_data.h — perf's binary perf.data format descriptor (read only),
 * decoded and symbolized by the record session (src/record/session.h). */
#ifndef EMBER_PERF_DATA_H
#define EMBER_PERF_DATA_H

#include "format.h"

extern const struct format perf_data_format;

#endif
