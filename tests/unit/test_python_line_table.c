/* test_python_line_table.c — the CPython line-table decoders
 * (src/record/python/python_line_table.c): on real tables compiled by
 * every installed CPython 3.6-3.13 with the line CPython itself gives for
 * each instruction (tests/fixtures/python/line_tables.txt, written by
 * line_tables.py), on hand-built tables of each entry kind, and on
 * truncated or malformed tables. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/python/python_line_table.h"

static int linetable_hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static uint32_t linetable_decode(const char *format, const uint8_t *table, size_t size, int first,
                                 uint64_t offset)
{
    if (strcmp(format, "lnotab") == 0) return python_line_from_lnotab(table, size, first, offset);
    if (strcmp(format, "linetable") == 0)
        return python_line_from_linetable_310(table, size, first, offset);
    return python_line_from_locations(table, size, first, offset);
}

Test(python_line_table, real_tables_of_every_version)
{
    FILE *file = fopen("tests/fixtures/python/line_tables.txt", "r");
    cr_assert_not_null(file, "tests/fixtures/python/line_tables.txt (run from the repository root)");
    static char line[1 << 20];
    int versions_seen[14] = {0};
    size_t checked = 0;
    while (fgets(line, sizeof line, file)) {
        int major, minor, first;
        char format[16];
        int consumed = 0;
        cr_assert_eq(sscanf(line, "%d.%d %15s %d %n", &major, &minor, format, &first, &consumed), 4);
        char *cursor = line + consumed;
        /* the table's hex digits, up to the next space */
        size_t hex_length = strcspn(cursor, " \n");
        uint8_t *table = malloc(hex_length / 2 + 1);
        cr_assert_not_null(table);
        for (size_t i = 0; i + 1 < hex_length; i += 2)
            table[i / 2] = (uint8_t)(linetable_hex_value(cursor[i]) * 16 + linetable_hex_value(cursor[i + 1]));
        size_t size = hex_length / 2;
        cursor += hex_length;
        unsigned long offset, expected;
        int used;
        while (sscanf(cursor, " %lu:%lu%n", &offset, &expected, &used) == 2) {
            uint32_t got = linetable_decode(format, table, size, first, offset);
            cr_expect_eq(got, expected, "%d.%d %s first line %d offset %lu: line %u, CPython says %lu",
                         major, minor, format, first, offset, got, expected);
            cursor += used;
            checked++;
        }
        if (minor >= 0 && minor < 14) versions_seen[minor]++;
        free(table);
    }
    fclose(file);
    for (int minor = 6; minor <= 13; minor++)
        cr_expect_gt(versions_seen[minor], 5, "functions of 3.%d in the fixture", minor);
    cr_expect_gt(checked, 3000, "instructions checked: %zu", checked);
}

Test(python_line_table, lnotab_by_hand)
{
    /* first line 10; offsets 0-5 line 10, 6-9 line 12, 10- line 11, then
     * +300 lines in steps of 127 + 46 at offset 20 */
    const uint8_t table[] = {6, 2, 4, (uint8_t)-1, 10, 127, 0, 127, 0, 46};
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 0), 10);
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 5), 10);
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 6), 12);
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 10), 11);
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 19), 11);
    cr_expect_eq(python_line_from_lnotab(table, sizeof table, 10, 20), 311);
    cr_expect_eq(python_line_from_lnotab(NULL, 0, 7, 40), 7);
    /* an odd trailing byte is ignored */
    cr_expect_eq(python_line_from_lnotab(table, 3, 10, 8), 12);
}

Test(python_line_table, linetable_310_by_hand)
{
    /* [0,4) line 5 (+0 from first 5), [4,8) no line, [8,8) empty +3, [8,12) line 9 */
    const uint8_t table[] = {4, 0, 4, (uint8_t)-128, 0, 3, 4, 1};
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 0), 5);
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 3), 5);
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 4), 0);
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 8), 9);
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 11), 9);
    cr_expect_eq(python_line_from_linetable_310(table, sizeof table, 5, 12), 0, "past the end");
}

/* The header byte of a location entry: code, length in code units. */
static uint8_t location_header(unsigned code, unsigned units)
{
    return (uint8_t)(0x80 | (code << 3) | (units - 1));
}

Test(python_line_table, locations_by_hand)
{
    const uint8_t table[] = {
        location_header(0, 1), 0x05,                  /* short form: line 20 (first), 1 unit */
        location_header(11, 2), 4, 8,                 /* one-line form +1: line 21, 2 units */
        location_header(13, 1), 0x04,                 /* no columns, +2: line 23 */
        location_header(13, 1), 0x03,                 /* no columns, -1: line 22 */
        location_header(15, 3),                       /* no location: 3 units */
        location_header(14, 1), 0x40 | 0x10, 0x01, 0, 1, 1, /* long, +(0x10 + 64)/2 = +40: 62 */
        location_header(10, 8), 0, 0,                 /* one-line +0: line 62, 8 units */
    };
    const int first = 20;
    uint32_t expected[] = {20, 21, 21, 23, 22, 0, 0, 0, 62, 62, 62, 62, 62, 62, 62, 62, 62};
    for (size_t unit = 0; unit < sizeof expected / sizeof expected[0]; unit++)
        cr_expect_eq(python_line_from_locations(table, sizeof table, first, 2 * unit), expected[unit],
                     "code unit %zu", unit);
    cr_expect_eq(python_line_from_locations(table, sizeof table, first, 2 * 17), 0, "past the end");
}

Test(python_line_table, malformed_tables_give_no_line)
{
    /* a varint running off the end, then a table cut inside an entry */
    const uint8_t runaway[] = {location_header(13, 1), 0x41, 0x41, 0x41};
    cr_expect_eq(python_line_from_locations(runaway, sizeof runaway, 3, 0), 0);
    const uint8_t cut[] = {location_header(14, 1), 0x02};
    cr_expect_eq(python_line_from_locations(cut, sizeof cut, 3, 0), 0);
    const uint8_t no_header[] = {0x05, 0x05};
    cr_expect_eq(python_line_from_locations(no_header, sizeof no_header, 3, 0), 0);
    /* a varint longer than 64 bits */
    uint8_t endless[40];
    endless[0] = location_header(13, 1);
    memset(endless + 1, 0x7f, sizeof endless - 1);
    cr_expect_eq(python_line_from_locations(endless, sizeof endless, 3, 0), 0);
    /* negative lines are not lines */
    const uint8_t below[] = {location_header(13, 1), 0x0b};
    cr_expect_eq(python_line_from_locations(below, sizeof below, 3, 0), 0);
    /* sixteen deltas of about 2^59 (beyond any C int line): refused, not
     * summed into a signed overflow (found by fuzz/python_line_table) */
    uint8_t huge[16 * 12];
    for (int entry = 0; entry < 16; entry++) {
        uint8_t *at = huge + 12 * entry;
        at[0] = location_header(13, 1);
        memset(at + 1, 0x40, 10);
        at[10] = 0x40 | 0x01; /* bit 54 of the raw varint */
        at[11] = 0x01;        /* bit 60: a delta of 2^59 + 2^53 */
    }
    cr_expect_eq(python_line_from_locations(huge, sizeof huge, 3, 0), 0);
    cr_expect_eq(python_line_from_locations(huge, sizeof huge, 3, 30), 0);
}
