/* svg_tables.c — palette.map and --nameattr tables; see svg_tables.h. */
#define _GNU_SOURCE /* getline, qsort_r */
#include "svg_tables.h"
#include "../util/memory.h"
#include "../util/output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- palette map ---- */

void palette_map_init(struct palette_map *map)
{
    memset(map, 0, sizeof *map);
    arena_init(&map->arena);
    intern_init(&map->names, &map->arena);
}

void palette_map_free(struct palette_map *map)
{
    intern_free(&map->names);
    arena_free(&map->arena);
    free(map->colors);
    memset(map, 0, sizeof *map);
}

static void strip_newline(char *line, size_t *length)
{
    if (*length && line[*length - 1] == '\n')
        line[--*length] = '\0';
}

void palette_map_set(struct palette_map *map, const char *name, size_t length, const char *color)
{
    uint32_t id = intern_bytes(&map->names, name, length);
    if (id >= map->color_capacity) {
        size_t old = map->color_capacity;
        GROW(map->colors, map->color_capacity, (size_t)id + 1);
        memset(map->colors + old, 0, (map->color_capacity - old) * sizeof *map->colors);
    }
    map->colors[id] = arena_strndup(&map->arena, color, strlen(color));
}

const char *palette_map_get(const struct palette_map *map, const char *name, size_t length)
{
    uint32_t id = intern_find(&map->names, name, length);
    return id == UINT32_MAX || id >= map->color_capacity ? NULL : map->colors[id];
}

int palette_map_read(struct palette_map *map, const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "ember flamegraph: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t capacity = 0;
    ssize_t read_length;
    while ((read_length = getline(&line, &capacity, file)) >= 0) {
        size_t length = (size_t)read_length;
        strip_newline(line, &length);
        /* perl's split("->", $line): the key, then the value up to any next "->". */
        char *arrow = strstr(line, "->");
        if (!arrow)
            continue;
        char *value = arrow + 2;
        char *next = strstr(value, "->");
        if (next)
            *next = '\0';
        palette_map_set(map, line, (size_t)(arrow - line), value);
    }
    free(line);
    fclose(file);
    return 0;
}

static int compare_names(const void *left, const void *right, void *table_pointer)
{
    const struct intern_table *table = table_pointer;
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    size_t length_a = intern_length(table, a), length_b = intern_length(table, b);
    int result = memcmp(intern_string(table, a), intern_string(table, b),
                        length_a < length_b ? length_a : length_b);
    if (result)
        return result;
    return length_a < length_b ? -1 : length_a > length_b;
}

int palette_map_write(const struct palette_map *map, const char *path)
{
    uint32_t *ids = xmalloc((map->names.count + 1) * sizeof *ids);
    size_t count = 0;
    for (uint32_t id = 0; id < map->names.count; id++)
        if (id < map->color_capacity && map->colors[id])
            ids[count++] = id;
    qsort_r(ids, count, sizeof *ids, compare_names, (void *)&map->names);
    struct output output;
    if (output_open(&output, path) < 0) {
        free(ids);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        fwrite(intern_string(&map->names, ids[i]), 1, intern_length(&map->names, ids[i]),
               output.file);
        fprintf(output.file, "->%s\n", map->colors[ids[i]]);
    }
    free(ids);
    return output_commit(&output);
}

/* ---- name attributes ---- */

void name_attribute_table_init(struct name_attribute_table *table)
{
    memset(table, 0, sizeof *table);
    arena_init(&table->arena);
    intern_init(&table->names, &table->arena);
}

void name_attribute_table_free(struct name_attribute_table *table)
{
    intern_free(&table->names);
    arena_free(&table->arena);
    free(table->attributes);
    memset(table, 0, sizeof *table);
}

static void set_attribute(struct name_attribute_table *table, struct name_attributes *attributes,
                          const char *key, size_t key_length, const char *value)
{
    static const char *const keys[] = {"title", "href", "target", "id", "class", "g_extra",
                                       "a_extra"};
    const char **slots[] = {&attributes->title, &attributes->href,    &attributes->target,
                            &attributes->id,    &attributes->class_name, &attributes->g_extra,
                            &attributes->a_extra};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == key_length && memcmp(keys[i], key, key_length) == 0)
            *slots[i] = arena_strndup(&table->arena, value, strlen(value));
}

int name_attribute_table_read(struct name_attribute_table *table, const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "ember flamegraph: can't read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t capacity = 0;
    ssize_t read_length;
    unsigned long line_number = 0;
    int status = 0;
    while ((read_length = getline(&line, &capacity, file)) >= 0) {
        line_number++;
        size_t length = (size_t)read_length;
        strip_newline(line, &length);
        char *tab = memchr(line, '\t', length);
        if (!tab) {
            fprintf(stderr, "ember flamegraph: %s:%lu: invalid format (want NAME<TAB>key=value...)\n",
                    path, line_number);
            status = -1;
            break;
        }
        uint32_t id = intern_bytes(&table->names, line, (size_t)(tab - line));
        if (id >= table->attribute_capacity) {
            size_t old = table->attribute_capacity;
            GROW(table->attributes, table->attribute_capacity, (size_t)id + 1);
            memset(table->attributes + old, 0,
                   (table->attribute_capacity - old) * sizeof *table->attributes);
        }
        struct name_attributes *attributes = &table->attributes[id];
        memset(attributes, 0, sizeof *attributes);
        char *field = tab + 1;
        char *end = line + length;
        while (field < end) {
            char *field_end = memchr(field, '\t', (size_t)(end - field));
            if (!field_end)
                field_end = end;
            *field_end = '\0';
            char *equals = strchr(field, '=');
            if (equals)
                set_attribute(table, attributes, field, (size_t)(equals - field), equals + 1);
            field = field_end + 1;
        }
    }
    free(line);
    fclose(file);
    return status;
}

const struct name_attributes *name_attribute_table_get(const struct name_attribute_table *table,
                                                       const char *name, size_t length)
{
    uint32_t id = intern_find(&table->names, name, length);
    return id == UINT32_MAX || id >= table->attribute_capacity ? NULL : &table->attributes[id];
}
