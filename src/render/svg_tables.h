/* svg_tables.h — the two per-function tables flamegraph.pl reads from files:
 *
 *   palette map (--cp)   "palette.map": one "name->colour" per line; colours
 *                        found there are reused, new ones are added, and the
 *                        whole map is written back sorted by name.
 *   name attributes      (--nameattr FILE) "name<TAB>key=value<TAB>..." per
 *                        line; keys title, href, target, id, class and the
 *                        raw-attribute keys g_extra / a_extra.
 *
 * Both are keyed by the full frame name (annotations included). Values are
 * kept as given; the SVG writer escapes them for their context.
 */
#ifndef EMBER_SVG_TABLES_H
#define EMBER_SVG_TABLES_H

#include "../model/arena.h"
#include "../model/intern.h"

#include <stddef.h>

struct palette_map {
    struct arena arena;
    struct intern_table names;
    char **colors; /* by name id; NULL when not set */
    size_t color_capacity;
};

void palette_map_init(struct palette_map *map);
void palette_map_free(struct palette_map *map);
/* Reads path if it exists. Returns 0, or -1 after printing why. */
int palette_map_read(struct palette_map *map, const char *path);
/* The colour stored for name, or NULL. */
const char *palette_map_get(const struct palette_map *map, const char *name, size_t length);
void palette_map_set(struct palette_map *map, const char *name, size_t length, const char *color);
/* Writes the map sorted by name, atomically. Returns 0 or -1 (reported). */
int palette_map_write(const struct palette_map *map, const char *path);

struct name_attributes {
    const char *title, *href, *target, *id, *class_name, *g_extra, *a_extra;
};

struct name_attribute_table {
    struct arena arena;
    struct intern_table names;
    struct name_attributes *attributes; /* by name id */
    size_t attribute_capacity;
};

void name_attribute_table_init(struct name_attribute_table *table);
void name_attribute_table_free(struct name_attribute_table *table);
/* Returns 0, or -1 after printing why (unreadable file, line without a tab). */
int name_attribute_table_read(struct name_attribute_table *table, const char *path);
/* The attributes for name, or NULL. */
const struct name_attributes *name_attribute_table_get(const struct name_attribute_table *table,
                                                       const char *name, size_t length);

#endif
