/* units.c — scaling values to units and percentages; see units.h.
 *
 * The rules are pprof's (internal/measurement): the tables below hold the
 * same unit names, aliases and factors, and the choices (largest unit the
 * value reaches at least once, the family's default otherwise) are the
 * same, so the figures match `go tool pprof -top` digit for digit.
 */
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct unit {
    const char *name;        /* printed, e.g. "kB" */
    const char *aliases[4];  /* lower-case, singular; NULL-terminated */
    double factor;           /* in the family's base unit */
};

struct unit_family {
    const struct unit *units;
    size_t count;
    const char *default_name; /* when the target unit is not in the family */
    double default_factor;
};

static const struct unit byte_units[] = {
    {"B", {"b", "byte", NULL}, 1},
    {"kB", {"kb", "kbyte", "kilobyte", NULL}, 1024.0},
    {"MB", {"mb", "mbyte", "megabyte", NULL}, 1024.0 * 1024},
    {"GB", {"gb", "gbyte", "gigabyte", NULL}, 1024.0 * 1024 * 1024},
    {"TB", {"tb", "tbyte", "terabyte", NULL}, 1024.0 * 1024 * 1024 * 1024},
    {"PB", {"pb", "pbyte", "petabyte", NULL}, 1024.0 * 1024 * 1024 * 1024 * 1024},
};

static const struct unit time_units[] = {
    {"ns", {"ns", "nanosecond", NULL}, 1},
    {"us", {"\xce\xbcs", "us", "microsecond", NULL}, 1e3},
    {"ms", {"ms", "millisecond", NULL}, 1e6},
    {"s", {"s", "sec", "second", NULL}, 1e9},
    {"hrs", {"hour", "hr", NULL}, 3600e9},
};

static const struct unit compute_units[] = {
    {"n*GCU", {"nanogcu", NULL}, 1e-9},
    {"u*GCU", {"microgcu", NULL}, 1e-6},
    {"m*GCU", {"milligcu", NULL}, 1e-3},
    {"GCU", {"gcu", NULL}, 1},
    {"k*GCU", {"kilogcu", NULL}, 1e3},
    {"M*GCU", {"megagcu", NULL}, 1e6},
    {"G*GCU", {"gigagcu", NULL}, 1e9},
    {"T*GCU", {"teragcu", NULL}, 1e12},
    {"P*GCU", {"petagcu", NULL}, 1e15},
};

#define FAMILY(units, default_name, default_factor) \
    {units, sizeof units / sizeof units[0], default_name, default_factor}

static const struct unit_family families[] = {
    FAMILY(byte_units, "B", 1),
    FAMILY(time_units, "s", 1e9),
    FAMILY(compute_units, "GCU", 1),
};
enum { FAMILY_COUNT = sizeof families / sizeof families[0] };

/* The unit of family that text names: lower-cased, a trailing 's' dropped
 * from names longer than two bytes, then matched against the aliases. */
static const struct unit *find_unit(const struct unit_family *family, const char *text)
{
    char lower[64];
    size_t length = strlen(text);
    if (length >= sizeof lower)
        return NULL;
    for (size_t i = 0; i < length; i++)
        lower[i] = (char)tolower((unsigned char)text[i]);
    lower[length] = '\0';
    if (length > 2 && lower[length - 1] == 's')
        lower[--length] = '\0';
    for (size_t i = 0; i < family->count; i++)
        for (size_t a = 0; family->units[i].aliases[a]; a++)
            if (strcmp(family->units[i].aliases[a], lower) == 0)
                return &family->units[i];
    return NULL;
}

static int is_automatic(const char *unit)
{
    return strcmp(unit, "minimum") == 0 || strcmp(unit, "auto") == 0;
}

double units_scale(double value, const char *from_unit, const char *to_unit,
                   const char **unit_name)
{
    if (value < 0) {
        double scaled = units_scale(-value, from_unit, to_unit, unit_name);
        return -scaled;
    }
    for (size_t f = 0; f < FAMILY_COUNT; f++) {
        const struct unit_family *family = &families[f];
        const struct unit *from = find_unit(family, from_unit);
        if (!from)
            continue;
        double base = value * from->factor;
        if (is_automatic(to_unit)) {
            const struct unit *best = NULL;
            for (size_t i = 0; i < family->count; i++)
                if ((!best || family->units[i].factor >= best->factor) &&
                    base / family->units[i].factor >= 1.0)
                    best = &family->units[i];
            if (best) {
                *unit_name = best->name;
                return base / best->factor;
            }
        } else {
            const struct unit *to = find_unit(family, to_unit);
            if (to) {
                *unit_name = to->name;
                return base / to->factor;
            }
        }
        *unit_name = family->default_name;
        return base / family->default_factor;
    }
    if (strcmp(to_unit, "count") == 0 || strcmp(to_unit, "sample") == 0 ||
        strcmp(to_unit, "unit") == 0 || is_automatic(to_unit))
        *unit_name = "";
    else
        *unit_name = to_unit;
    return value;
}

int units_label(char *buffer, size_t size, double value, const char *from_unit,
                const char *to_unit)
{
    const char *unit;
    double scaled = units_scale(value, from_unit, to_unit, &unit);
    char number[64];
    int length = snprintf(number, sizeof number, "%.2f", scaled);
    if (length >= 3 && (size_t)length < sizeof number &&
        strcmp(number + length - 3, ".00") == 0)
        number[length -= 3] = '\0';
    if (strcmp(number, "0") == 0 || strcmp(number, "-0") == 0)
        return snprintf(buffer, size, "0");
    return snprintf(buffer, size, "%s%s", number, unit);
}

int units_percentage(char *buffer, size_t size, double value, double total)
{
    double ratio = total != 0 ? fabs(value / total) * 100 : 0;
    if (ratio >= 99.95 && ratio <= 100.05)
        return snprintf(buffer, size, "  100%%");
    if (ratio >= 1.0)
        return snprintf(buffer, size, "%5.2f%%", ratio);
    return snprintf(buffer, size, "%5.2g%%", ratio);
}

const char *units_table_unit(const char *requested, double smallest, double total,
                             const char *sample_unit)
{
    if (strcmp(requested, "minimum") != 0)
        return requested;
    double low = fabs(smallest), high = fabs(total);
    if (low == 0)
        low = high;
    const char *low_unit, *high_unit, *unit;
    units_scale(low, sample_unit, "minimum", &low_unit);
    units_scale(high, sample_unit, "minimum", &high_unit);
    unit = low_unit;
    if (strcmp(low_unit, high_unit) != 0 && low * 100 < high)
        units_scale(100 * low, sample_unit, "minimum", &unit);
    return unit[0] ? unit : sample_unit;
}

int units_known(const char *unit)
{
    if (is_automatic(unit) || strcmp(unit, "count") == 0 || strcmp(unit, "sample") == 0 ||
        strcmp(unit, "unit") == 0)
        return 1;
    for (size_t f = 0; f < FAMILY_COUNT; f++)
        if (find_unit(&families[f], unit))
            return 1;
    return 0;
}
