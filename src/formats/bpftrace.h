/* bpftrace.h — reader of bpftrace's stack map dumps (@[ustack, kstack] = count()). */
#ifndef EMBER_BPFTRACE_H
#define EMBER_BPFTRACE_H

#include "format.h"

extern const struct format bpftrace_format;

#endif
