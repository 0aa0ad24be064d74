/* gperftools_cpu.h — reader of gperftools' binary CPU profile (CPUPROFILE). */
#ifndef EMBER_GPERFTOOLS_CPU_H
#define EMBER_GPERFTOOLS_CPU_H

#include "format.h"

extern const struct format gperftools_cpu_format;

#endif
