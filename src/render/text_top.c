/* text_top.c — `ember top`'s tables; see text_top.h.
 *
 * The pstats table follows CPython's Lib/pstats.py (3.6-3.13 print the
 * same): sort_stats() compares (cc, nc, tt, ct, file, line, name,
 * standard name) rows field by field with a stable sort over the dict's
 * order; print_stats() prints the header, "Ordered by", the optional
 * "List reduced" line and one line per function with %8.3f numbers.
 */
#include "text_top.h"
#include "../formats/format.h"
#include "../util/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes a name with control bytes shown as \xNN, so a hostile name
 * cannot break the table's lines. */
static void put_name(FILE *file, const char *name, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)name[i];
        if (byte < 0x20 || byte == 0x7f)
            fprintf(file, "\\x%02x", byte);
        else
            putc(byte, file);
    }
}

/* ---------- pstats sort keys ---------- */

struct sort_key_definition {
    const char *word;
    const char *description;
    int fields[3][2]; /* (field, direction); field -1 ends */
};

/* pstats' sort_arg_dict_default, in its order (the order decides which
 * abbreviations are ambiguous). */
static const struct sort_key_definition sort_keys[] = {
    {"calls", "call count", {{1, -1}, {-1, 0}}},
    {"ncalls", "call count", {{1, -1}, {-1, 0}}},
    {"cumtime", "cumulative time", {{3, -1}, {-1, 0}}},
    {"cumulative", "cumulative time", {{3, -1}, {-1, 0}}},
    {"filename", "file name", {{4, 1}, {-1, 0}}},
    {"line", "line number", {{5, 1}, {-1, 0}}},
    {"module", "file name", {{4, 1}, {-1, 0}}},
    {"name", "function name", {{6, 1}, {-1, 0}}},
    {"nfl", "name/file/line", {{6, 1}, {4, 1}, {5, 1}}},
    {"pcalls", "primitive call count", {{0, -1}, {-1, 0}}},
    {"stdname", "standard name", {{7, 1}, {-1, 0}}},
    {"time", "internal time", {{2, -1}, {-1, 0}}},
    {"tottime", "internal time", {{2, -1}, {-1, 0}}},
};
enum { SORT_KEY_COUNT = sizeof sort_keys / sizeof sort_keys[0] };

/* pstats' get_sort_arg_defs(): every key and each of its prefixes maps to
 * the key, except fragments met twice (walking each key from its full
 * length down, stopping at the first fragment already taken), which are
 * dropped. Returns the definition word maps to, or NULL. */
static const struct sort_key_definition *resolve_sort_key(const char *word, size_t length)
{
    struct {
        const char *text;
        size_t length;
        int key;
        int bad;
    } fragments[256];
    size_t count = 0;
    for (int key = 0; key < SORT_KEY_COUNT; key++) {
        for (size_t fragment_length = strlen(sort_keys[key].word); fragment_length > 0;
             fragment_length--) {
            size_t existing = 0;
            while (existing < count &&
                   !(fragments[existing].length == fragment_length &&
                     memcmp(fragments[existing].text, sort_keys[key].word, fragment_length) == 0))
                existing++;
            if (existing < count) {
                fragments[existing].bad = 1;
                break;
            }
            fragments[count].text = sort_keys[key].word;
            fragments[count].length = fragment_length;
            fragments[count].key = key;
            fragments[count].bad = 0;
            count++;
        }
    }
    for (size_t i = 0; i < count; i++)
        if (!fragments[i].bad && fragments[i].length == length &&
            memcmp(fragments[i].text, word, length) == 0)
            return &sort_keys[fragments[i].key];
    return NULL;
}

int pstats_sort_parse(const char *keys, struct pstats_sort *sort, char *bad_key,
                      size_t bad_key_size)
{
    memset(sort, 0, sizeof *sort);
    const char *word = keys;
    for (;;) {
        const char *comma = strchr(word, ',');
        size_t length = comma ? (size_t)(comma - word) : strlen(word);
        const struct sort_key_definition *definition = resolve_sort_key(word, length);
        if (!definition) {
            snprintf(bad_key, bad_key_size, "%.*s", (int)length, word);
            return -1;
        }
        for (int i = 0; i < 3 && definition->fields[i][0] >= 0; i++) {
            if (sort->field_count == PSTATS_MAX_SORT_FIELDS) {
                snprintf(bad_key, bad_key_size, "%.*s (too many keys)", (int)length, word);
                return -1;
            }
            sort->fields[sort->field_count].field = definition->fields[i][0];
            sort->fields[sort->field_count].direction = definition->fields[i][1];
            sort->field_count++;
        }
        size_t used = strlen(sort->description);
        snprintf(sort->description + used, sizeof sort->description - used, "%s%s",
                 used ? ", " : "", definition->description);
        if (!comma)
            return 0;
        word = comma + 1;
    }
}

void pstats_sort_list(FILE *file)
{
    for (int key = 0; key < SORT_KEY_COUNT; key++)
        fprintf(file, "%s%s", key ? ", " : "", sort_keys[key].word);
}

/* ---------- the pstats table ---------- */

struct pstats_row {
    const struct pstats_function *function;
    char *standard_name; /* func_std_string() */
    size_t standard_name_length;
};

/* func_std_string(): "file:line(name)", or for built-ins ("~", 0, "<x>")
 * "{x}" (or the bare name when it is not in angle brackets). */
static void make_standard_name(struct pstats_row *row)
{
    const struct pstats_function *function = row->function;
    if (function->line == 0 && function->file_length == 1 && function->file[0] == '~') {
        const char *name = function->name;
        size_t length = function->name_length;
        if (length >= 1 && name[0] == '<' && name[length - 1] == '>') {
            size_t inner = length >= 2 ? length - 2 : 0;
            row->standard_name = xmalloc(inner + 3);
            row->standard_name[0] = '{';
            memcpy(row->standard_name + 1, name + 1, inner);
            row->standard_name[inner + 1] = '}';
            row->standard_name_length = inner + 2;
        } else {
            row->standard_name = xmalloc(length + 1);
            memcpy(row->standard_name, name, length);
            row->standard_name_length = length;
        }
        return;
    }
    char line[32];
    int line_length = snprintf(line, sizeof line, "%lld", (long long)function->line);
    size_t length = function->file_length + 1 + (size_t)line_length + 1 + function->name_length + 1;
    row->standard_name = xmalloc(length + 1);
    char *out = row->standard_name;
    memcpy(out, function->file, function->file_length);
    out += function->file_length;
    *out++ = ':';
    memcpy(out, line, (size_t)line_length);
    out += line_length;
    *out++ = '(';
    memcpy(out, function->name, function->name_length);
    out += function->name_length;
    *out++ = ')';
    row->standard_name_length = length;
}

static int compare_bytes(const char *a, size_t length_a, const char *b, size_t length_b)
{
    int order = memcmp(a, b, length_a < length_b ? length_a : length_b);
    if (order)
        return order < 0 ? -1 : 1;
    return length_a < length_b ? -1 : length_a > length_b ? 1 : 0;
}

/* Python's l < r / l > r, so NaN compares equal to everything, as there. */
#define COMPARE(left, right) ((left) < (right) ? -1 : (left) > (right) ? 1 : 0)

static int compare_field(const struct pstats_row *a, const struct pstats_row *b, int field)
{
    const struct pstats_function *x = a->function, *y = b->function;
    switch (field) {
    case 0: return COMPARE(x->primitive_calls, y->primitive_calls);
    case 1: return COMPARE(x->total_calls, y->total_calls);
    case 2: return COMPARE(x->total_time, y->total_time);
    case 3: return COMPARE(x->cumulative_time, y->cumulative_time);
    case 4: return compare_bytes(x->file, x->file_length, y->file, y->file_length);
    case 5: return COMPARE(x->line, y->line);
    case 6: return compare_bytes(x->name, x->name_length, y->name, y->name_length);
    default:
        return compare_bytes(a->standard_name, a->standard_name_length, b->standard_name,
                             b->standard_name_length);
    }
}

static int compare_rows(const struct pstats_row *a, const struct pstats_row *b,
                        const struct pstats_sort *sort)
{
    for (size_t i = 0; i < sort->field_count; i++) {
        int order = compare_field(a, b, sort->fields[i].field);
        if (order)
            return order * sort->fields[i].direction;
    }
    return 0;
}

/* A stable bottom-up merge sort (Python's sort is stable; glibc's qsort
 * is neither stable nor safe with NaN's inconsistent comparisons). */
static void sort_rows(struct pstats_row **rows, size_t count, const struct pstats_sort *sort)
{
    struct pstats_row **scratch = xmalloc((count + 1) * sizeof *scratch);
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t low = 0; low < count; low += 2 * width) {
            size_t middle = low + width < count ? low + width : count;
            size_t high = low + 2 * width < count ? low + 2 * width : count;
            size_t left = low, right = middle, out = low;
            while (left < middle && right < high)
                scratch[out++] = compare_rows(rows[right], rows[left], sort) < 0 ? rows[right++]
                                                                               : rows[left++];
            while (left < middle)
                scratch[out++] = rows[left++];
            while (right < high)
                scratch[out++] = rows[right++];
        }
        memcpy(rows, scratch, count * sizeof *rows);
    }
    free(scratch);
}

/* Python's "%8.3f" (nan and inf without a sign C would add). */
static void put_f8(FILE *file, double value)
{
    if (isnan(value))
        fprintf(file, "%8s", "nan");
    else
        fprintf(file, "%8.3f", value);
}

static int is_jprofile_key(const struct pstats_function *function)
{
    return function->line == 0 && function->file_length == 8 &&
           memcmp(function->file, "jprofile", 8) == 0 && function->name_length == 8 &&
           memcmp(function->name, "profiler", 8) == 0;
}

int text_top_pstats(FILE *file, const struct pstats *stats, const struct pstats_sort *sort,
                    long limit, const char *header_line)
{
    size_t count = stats->keyed_count;
    if (header_line)
        fprintf(file, "%s\n\n", header_line);

    /* Python's ints do not overflow; a hostile file's counts can overflow
     * 64 bits, and then the sums are printed from long doubles. */
    int64_t total_calls = 0, primitive_calls = 0;
    long double wide_total_calls = 0, wide_primitive_calls = 0;
    int overflow = 0;
    double total_time = 0;
    for (size_t i = 0; i < count; i++) {
        const struct pstats_function *function = &stats->functions[i];
        overflow |= __builtin_add_overflow(total_calls, function->total_calls, &total_calls);
        overflow |= __builtin_add_overflow(primitive_calls, function->primitive_calls,
                                           &primitive_calls);
        wide_total_calls += function->total_calls;
        wide_primitive_calls += function->primitive_calls;
        total_time += function->total_time;
        for (uint32_t edge = function->first_caller;
             edge < function->first_caller + function->caller_count; edge++)
            if (is_jprofile_key(&stats->functions[stats->edges[edge].caller])) {
                fprintf(file, "         ");
                put_name(file, function->name, function->name_length);
                fputc('\n', file);
                break;
            }
    }
    if (overflow) {
        fprintf(file, "         %.0Lf function calls ", wide_total_calls);
        if (wide_total_calls != wide_primitive_calls)
            fprintf(file, "(%.0Lf primitive calls) ", wide_primitive_calls);
    } else {
        fprintf(file, "         %lld function calls ", (long long)total_calls);
        if (total_calls != primitive_calls)
            fprintf(file, "(%lld primitive calls) ", (long long)primitive_calls);
    }
    fprintf(file, "in %.3f seconds\n\n", total_time);

    struct pstats_row *storage = xmalloc((count + 1) * sizeof *storage);
    struct pstats_row **rows = xmalloc((count + 1) * sizeof *rows);
    for (size_t i = 0; i < count; i++) {
        storage[i].function = &stats->functions[i];
        make_standard_name(&storage[i]);
        rows[i] = &storage[i];
    }
    sort_rows(rows, count, sort);
    size_t shown = count;
    if (limit >= 0 && (size_t)limit < count)
        shown = (size_t)limit;
    if (shown > 0) {
        fprintf(file, "   Ordered by: %s\n", sort->description);
        if (shown != count)
            fprintf(file, "   List reduced from %zu to %zu due to restriction <%ld>\n", count,
                    shown, limit);
        fprintf(file, "\n   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n");
        for (size_t i = 0; i < shown; i++) {
            const struct pstats_function *function = rows[i]->function;
            char calls[48];
            if (function->total_calls != function->primitive_calls)
                snprintf(calls, sizeof calls, "%lld/%lld", (long long)function->total_calls,
                         (long long)function->primitive_calls);
            else
                snprintf(calls, sizeof calls, "%lld", (long long)function->total_calls);
            fprintf(file, "%9s ", calls);
            put_f8(file, function->total_time);
            fputc(' ', file);
            if (function->total_calls == 0)
                fputs("         ", file);
            else {
                put_f8(file, function->total_time / (double)function->total_calls);
                fputc(' ', file);
            }
            put_f8(file, function->cumulative_time);
            fputc(' ', file);
            if (function->primitive_calls == 0)
                fputs("         ", file);
            else {
                put_f8(file, function->cumulative_time / (double)function->primitive_calls);
                fputc(' ', file);
            }
            put_name(file, rows[i]->standard_name, rows[i]->standard_name_length);
            fputc('\n', file);
        }
        fputs("\n\n", file);
    }
    for (size_t i = 0; i < count; i++)
        free(storage[i].standard_name);
    free(storage);
    free(rows);
    return ferror(file) ? -1 : 0;
}

/* ---------- the flat table of any profile ---------- */

int flat_sort_parse(const char *key, enum flat_sort_key *sort)
{
    if (strcmp(key, "flat") == 0 || strcmp(key, "time") == 0 || strcmp(key, "tottime") == 0)
        *sort = FLAT_SORT_FLAT;
    else if (strcmp(key, "cum") == 0 || strcmp(key, "cumulative") == 0 ||
             strcmp(key, "cumtime") == 0)
        *sort = FLAT_SORT_CUMULATIVE;
    else if (strcmp(key, "name") == 0)
        *sort = FLAT_SORT_NAME;
    else
        return -1;
    return 0;
}

struct flat_row {
    uint32_t name; /* string id */
    double flat, cumulative;
};

struct flat_sorter {
    const struct profile *profile;
    enum flat_sort_key key;
};

static int compare_flat_rows(const struct flat_row *a, const struct flat_row *b,
                             const struct flat_sorter *sorter)
{
    int order = 0;
    if (sorter->key == FLAT_SORT_FLAT)
        order = -COMPARE(a->flat, b->flat);
    else if (sorter->key == FLAT_SORT_CUMULATIVE)
        order = -COMPARE(a->cumulative, b->cumulative);
    if (order)
        return order;
    return compare_bytes(profile_string(sorter->profile, a->name),
                         profile_string_length(sorter->profile, a->name),
                         profile_string(sorter->profile, b->name),
                         profile_string_length(sorter->profile, b->name));
}

static void sort_flat_rows(struct flat_row *rows, size_t count, const struct flat_sorter *sorter)
{
    struct flat_row *scratch = xmalloc((count + 1) * sizeof *scratch);
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t low = 0; low < count; low += 2 * width) {
            size_t middle = low + width < count ? low + width : count;
            size_t high = low + 2 * width < count ? low + 2 * width : count;
            size_t left = low, right = middle, out = low;
            while (left < middle && right < high)
                scratch[out++] = compare_flat_rows(&rows[right], &rows[left], sorter) < 0
                                     ? rows[right++] : rows[left++];
            while (left < middle)
                scratch[out++] = rows[left++];
            while (right < high)
                scratch[out++] = rows[right++];
        }
        memcpy(rows, scratch, count * sizeof *rows);
    }
    free(scratch);
}

int text_top_profile(FILE *file, const struct profile *profile, size_t sample_type,
                     enum flat_sort_key sort, long limit)
{
    size_t node_count = profile->node_count;
    size_t string_count = profile->strings.count;
    double *totals = xmalloc((node_count + 1) * sizeof *totals);
    profile_total_values(profile, sample_type, totals);
    double grand_total = node_count ? totals[PROFILE_ROOT] : 0;

    /* Per name: flat = self values, cum = totals of the outermost frame of
     * that name on each path (recursion counted once), by a depth-first walk
     * with a count of each name on the current path. */
    double *flat = xcalloc(string_count + 1, sizeof *flat);
    double *cumulative = xcalloc(string_count + 1, sizeof *cumulative);
    uint32_t *on_path = xcalloc(string_count + 1, sizeof *on_path);
    uint32_t *stack = xmalloc((node_count + 1) * sizeof *stack);
    unsigned char *entered = xcalloc(node_count + 1, 1);
    size_t depth = 0;
    if (node_count)
        stack[depth++] = PROFILE_ROOT;
    while (depth) {
        uint32_t node = stack[depth - 1];
        const struct tree_node *tree = &profile->nodes[node];
        uint32_t name = tree->frame == PROFILE_NONE ? PROFILE_NONE
                                                    : profile->frames[tree->frame].name;
        if (!entered[node]) {
            entered[node] = 1;
            if (name != PROFILE_NONE) {
                flat[name] += profile_self_value(profile, node, sample_type);
                if (on_path[name]++ == 0)
                    cumulative[name] += totals[node];
            }
            for (uint32_t child = tree->first_child; child != PROFILE_NONE;
                 child = profile->nodes[child].next_sibling)
                stack[depth++] = child;
            continue;
        }
        if (name != PROFILE_NONE)
            on_path[name]--;
        depth--;
    }

    struct flat_row *rows = xmalloc((string_count + 1) * sizeof *rows);
    size_t row_count = 0;
    for (uint32_t name = 0; name < string_count; name++)
        if (flat[name] != 0 || cumulative[name] != 0)
            rows[row_count++] = (struct flat_row){name, flat[name], cumulative[name]};
    struct flat_sorter sorter = {profile, sort};
    sort_flat_rows(rows, row_count, &sorter);
    size_t shown = limit >= 0 && (size_t)limit < row_count ? (size_t)limit : row_count;

    const struct sample_type *type = &profile->sample_types[sample_type];
    char number[64], other[64];
    format_count(number, sizeof number, grand_total);
    fprintf(file, "Type: %s (%s)\n", profile_string(profile, type->type),
            profile_string(profile, type->unit));
    fprintf(file, "Showing %zu of %zu functions, total %s\n", shown, row_count, number);
    fprintf(file, "%14s %7s %7s %14s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%",
            "function");
    double running = 0;
    for (size_t i = 0; i < shown; i++) {
        running += rows[i].flat;
        format_count(number, sizeof number, rows[i].flat);
        format_count(other, sizeof other, rows[i].cumulative);
        double scale = grand_total != 0 ? 100.0 / grand_total : 0;
        fprintf(file, "%14s %6.2f%% %6.2f%% %14s %6.2f%%  ", number, rows[i].flat * scale,
                running * scale, other, rows[i].cumulative * scale);
        put_name(file, profile_string(profile, rows[i].name),
                 profile_string_length(profile, rows[i].name));
        fputc('\n', file);
    }
    free(rows);
    free(entered);
    free(stack);
    free(on_path);
    free(cumulative);
    free(flat);
    free(totals);
    return ferror(file) ? -1 : 0;
}
