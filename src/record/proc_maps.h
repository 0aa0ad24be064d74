/* proc_maps.h — one line of /proc/PID/maps ("start-end perms offset dev
 * inode path"), as the kernel writes it and as gperftools profiles carry
 * it: the one parser every reader of maps text uses. */
#ifndef EMBER_PROC_MAPS_H
#define EMBER_PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct proc_maps_line {
    uint64_t start, end, offset;
    char permissions[4];  /* "r-xp"; '-' where the line had fewer */
    const char *path;     /* into the line; "" (length 0) for an anonymous mapping */
    size_t path_length;   /* without a trailing '\r' */
};

/* Parses the line [line, end) (no newline). Returns 1, or 0 when it is not
 * a mapping line. */
int proc_maps_line_parse(const char *line, const char *end, struct proc_maps_line *out);

#endif
