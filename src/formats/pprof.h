/* pprof.h — pprof's profile.proto format descriptors.
 *
 * pprof_format reads .pb.gz, .pb and .pprof files (gzip-compressed or not,
 * sniffed) and writes gzip-compressed protobuf (.pb.gz, .pprof);
 * pprof_uncompressed_format writes the same protobuf without gzip (.pb).
 */
#ifndef EMBER_PPROF_H
#define EMBER_PPROF_H

#include "format.h"

extern const struct format pprof_format;
extern const struct format pprof_uncompressed_format;

#endif
