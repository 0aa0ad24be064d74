/* units.h — numbers of a sample type written for people: values scaled to
 * a unit (740ms, 94.50kB, 1.16s) and percentages, by pprof's rules, so
 * `ember top`, `peek` and `tree` print what `go tool pprof` prints.
 *
 * Units come in families: bytes (B, kB, MB, GB, TB, PB; factor 1024),
 * time (ns, us, ms, s, hrs) and Google compute units (n*GCU ... P*GCU). A
 * unit name is recognised case-insensitively by its aliases ("bytes",
 * "kilobyte", "MB", "nanoseconds", "ms", "sec", ...; a trailing "s" of a
 * name longer than two letters is ignored). Counts ("count", "samples", or
 * any unit outside the families) are printed as plain numbers.
 *
 * The output unit is what pprof's -unit takes: a unit of the value's
 * family ("ms", "MB"; a name outside the family gives the family's default,
 * s or B), "auto" (each value in its own largest unit >= 1), or "minimum"
 * (one unit for a whole table, chosen by units_table_unit()).
 *
 * Strings returned are static or the unit text passed in: nothing to free.
 */
#ifndef EMBER_UNITS_H
#define EMBER_UNITS_H

#include <stddef.h>

/* Scales value from from_unit to to_unit (pprof's measurement.Scale).
 * Returns the scaled value; *unit_name is set to the unit to print after
 * it ("ms"), "" when the unit is not worth printing (counts). */
double units_scale(double value, const char *from_unit, const char *to_unit,
                   const char **unit_name);

/* Writes value scaled to to_unit with two decimals, ".00" dropped, and the
 * unit appended ("740ms", "94.50kB", "5"); a value that rounds to zero is
 * "0". Returns the length written (truncated to size). */
int units_label(char *buffer, size_t size, double value, const char *from_unit,
                const char *to_unit);

/* Writes value as a percentage of total in six columns: "  100%" within
 * 0.05 of 100, "%5.2f%%" from 1%, else two significant digits ("0.013%").
 * A zero total gives "    0%". */
int units_percentage(char *buffer, size_t size, double value, double total);

/* The one unit a table whose smallest non-zero value is smallest and whose
 * total is total should use when the requested unit is "minimum": the
 * smallest value's natural unit, or when that unit differs from the
 * total's and the smallest value is below 1% of the total, the unit of 100
 * times the smallest value (so it still shows as at least 0.01). Falls back
 * to sample_unit for counts. Any other requested unit is returned as is. */
const char *units_table_unit(const char *requested, double smallest, double total,
                             const char *sample_unit);

/* 1 when unit is "minimum", "auto" or names a unit of one of the families;
 * for validating --unit. */
int units_known(const char *unit);

#endif
