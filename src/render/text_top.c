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
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void text_put_name(FILE *file, const char *name, size_t length)
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
                text_put_name(file, function->name, function->name_length);
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
            text_put_name(file, rows[i]->standard_name, rows[i]->standard_name_length);
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

/* Per name: flat = self values, cum = totals of the outermost frame of that
 * name on each path (so a recursive function counts each stack once, as
 * pprof's per-sample cum does), by a depth-first walk keeping a count of
 * each name on the current path. */
void function_table_build(struct function_table *table, const struct profile *profile,
                          size_t sample_type)
{
    size_t node_count = profile->node_count;
    size_t string_count = profile->strings.count;
    double *totals = xmalloc((node_count + 1) * sizeof *totals);
    profile_total_values(profile, sample_type, totals);
    double *flat = xcalloc(string_count + 1, sizeof *flat);
    double *cumulative = xcalloc(string_count + 1, sizeof *cumulative);
    uint32_t *on_path = xcalloc(string_count + 1, sizeof *on_path);
    uint32_t *stack = xmalloc((node_count + 1) * sizeof *stack);
    unsigned char *entered = xcalloc(node_count + 1, 1);
    table->flat_sum = 0;
    table->absolute_sum = 0;
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
            double self = profile_self_value(profile, node, sample_type);
            table->flat_sum += self;
            table->absolute_sum += fabs(self);
            if (name != PROFILE_NONE) {
                flat[name] += self;
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
    table->rows = xmalloc((string_count + 1) * sizeof *table->rows);
    table->count = 0;
    for (uint32_t name = 0; name < string_count; name++)
        if (flat[name] != 0 || cumulative[name] != 0)
            table->rows[table->count++] = (struct function_row){name, flat[name],
                                                                cumulative[name]};
    free(entered);
    free(stack);
    free(on_path);
    free(cumulative);
    free(flat);
    free(totals);
}

void function_table_free(struct function_table *table)
{
    free(table->rows);
    table->rows = NULL;
    table->count = 0;
}

struct function_sorter {
    const struct profile *profile;
    enum flat_sort_key key;
};

static int compare_function_rows(const struct function_row *a, const struct function_row *b,
                                 const struct function_sorter *sorter)
{
    double a_first = 0, b_first = 0, a_second = 0, b_second = 0;
    if (sorter->key == FLAT_SORT_FLAT) {
        a_first = fabs(a->flat), b_first = fabs(b->flat);
        a_second = fabs(a->cumulative), b_second = fabs(b->cumulative);
    } else if (sorter->key == FLAT_SORT_CUMULATIVE) {
        a_first = fabs(a->cumulative), b_first = fabs(b->cumulative);
        a_second = fabs(a->flat), b_second = fabs(b->flat);
    }
    int order = -COMPARE(a_first, b_first);
    if (order)
        return order;
    order = compare_bytes(profile_string(sorter->profile, a->name),
                          profile_string_length(sorter->profile, a->name),
                          profile_string(sorter->profile, b->name),
                          profile_string_length(sorter->profile, b->name));
    return order ? order : -COMPARE(a_second, b_second);
}

void function_table_sort(struct function_table *table, const struct profile *profile,
                         enum flat_sort_key sort)
{
    struct function_sorter sorter = {profile, sort};
    struct function_row *rows = table->rows;
    size_t count = table->count;
    struct function_row *scratch = xmalloc((count + 1) * sizeof *scratch);
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t low = 0; low < count; low += 2 * width) {
            size_t middle = low + width < count ? low + width : count;
            size_t high = low + 2 * width < count ? low + 2 * width : count;
            size_t left = low, right = middle, out = low;
            while (left < middle && right < high)
                scratch[out++] = compare_function_rows(&rows[right], &rows[left], &sorter) < 0
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

double function_rows_smallest(const struct function_row *rows, size_t count)
{
    double smallest = 0;
    for (size_t i = 0; i < count; i++) {
        double value = fabs(rows[i].flat);
        if (value == 0)
            value = fabs(rows[i].cumulative);
        if (value > 0 && (smallest == 0 || value < smallest))
            smallest = value;
    }
    return smallest;
}

void text_profile_header(FILE *file, const struct profile *profile, size_t sample_type,
                         double total, const char *unit)
{
    const struct sample_type *type = &profile->sample_types[sample_type];
    const char *sample_unit = profile_string(profile, type->unit);
    fputs("Type: ", file);
    text_put_name(file, profile_string(profile, type->type), profile_string_length(profile, type->type));
    fputc('\n', file);
    if (profile->start_time != 0) {
        /* Go's layout "Jan 2, 2006 at 3:04pm (MST)". */
        time_t seconds = (time_t)floor(profile->start_time);
        struct tm local;
        char month[16], zone[64];
        if (localtime_r(&seconds, &local) && strftime(month, sizeof month, "%b", &local) &&
            strftime(zone, sizeof zone, "%Z", &local)) {
            int hour = local.tm_hour % 12 == 0 ? 12 : local.tm_hour % 12;
            fprintf(file, "Time: %s %d, %d at %d:%02d%s (%s)\n", month, local.tm_mday,
                    local.tm_year + 1900, hour, local.tm_min, local.tm_hour < 12 ? "am" : "pm",
                    zone);
        }
    }
    double duration = round((profile->end_time - profile->start_time) * 1e9);
    if (profile->start_time != 0 && duration > 0) {
        char duration_text[64], total_text[64], ratio[80] = "";
        units_label(duration_text, sizeof duration_text, duration, "nanoseconds", "auto");
        units_label(total_text, sizeof total_text, total, sample_unit, unit);
        const char *nanoseconds;
        double total_nanoseconds = units_scale(total, sample_unit, "nanoseconds", &nanoseconds);
        if (strcmp(nanoseconds, "ns") == 0 && trunc(total_nanoseconds) != 0) {
            char share[32];
            units_percentage(share, sizeof share, trunc(total_nanoseconds), duration);
            snprintf(ratio, sizeof ratio, "(%s)", share);
        }
        fprintf(file, "Duration: %s, Total samples = %s %s\n", duration_text, total_text, ratio);
    }
}

/* "Dropped 5 nodes (cum <= 3.68kB)". */
static void put_dropped(FILE *file, size_t dropped, const char *what, double cutoff,
                        const char *sample_unit, const char *unit)
{
    char text[64];
    units_label(text, sizeof text, cutoff, sample_unit, unit);
    fprintf(file, "Dropped %zu node%s (%s <= %s)\n", dropped, dropped > 1 ? "s" : "", what, text);
}

int text_top_profile(FILE *file, const struct profile *profile, size_t sample_type,
                     const struct text_top_options *options)
{
    const char *sample_unit = profile_string(profile, profile->sample_types[sample_type].unit);
    struct function_table table;
    function_table_build(&table, profile, sample_type);
    double total = table.absolute_sum;

    /* pprof's trimming: functions whose |cum| is below node_fraction of the
     * (signed) flat sum go first, then the first `limit` rows in order. */
    double cutoff = fabs(trunc(table.flat_sum * options->node_fraction));
    size_t kept = 0;
    for (size_t i = 0; i < table.count; i++)
        if (!(fabs(table.rows[i].cumulative) < cutoff))
            table.rows[kept++] = table.rows[i];
    size_t dropped = table.count - kept;
    table.count = kept;
    function_table_sort(&table, profile, options->sort);
    size_t shown = options->limit > 0 && (size_t)options->limit < kept ? (size_t)options->limit
                                                                         : kept;
    double shown_flat = 0;
    for (size_t i = 0; i < shown; i++)
        shown_flat += table.rows[i].flat;
    const char *unit = units_table_unit(options->unit, function_rows_smallest(table.rows, shown),
                                        total, sample_unit);

    char value[64], other[64], share[32], running_share[32], cum_share[32];
    text_profile_header(file, profile, sample_type, total, unit);
    units_label(value, sizeof value, shown_flat, sample_unit, unit);
    units_label(other, sizeof other, total, sample_unit, unit);
    units_percentage(share, sizeof share, shown_flat, total);
    const char *trimmed = share;
    while (*trimmed == ' ')
        trimmed++;
    fprintf(file, "Showing nodes accounting for %s, %s of %s total\n", value, trimmed, other);
    if (total != 0) {
        if (dropped > 0)
            put_dropped(file, dropped, "cum", fabs(trunc(total * options->node_fraction)),
                        sample_unit, unit);
        if (shown > 0 && shown < kept)
            fprintf(file, "Showing top %zu nodes out of %zu\n", shown, kept);
    }
    fprintf(file, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
    double running = 0;
    for (size_t i = 0; i < shown; i++) {
        const struct function_row *row = &table.rows[i];
        running += row->flat;
        units_label(value, sizeof value, row->flat, sample_unit, unit);
        units_label(other, sizeof other, row->cumulative, sample_unit, unit);
        units_percentage(share, sizeof share, row->flat, total);
        units_percentage(running_share, sizeof running_share, running, total);
        units_percentage(cum_share, sizeof cum_share, row->cumulative, total);
        fprintf(file, "%10s %s %s %10s %s  ", value, share, running_share, other, cum_share);
        text_put_name(file, profile_string(profile, row->name),
                 profile_string_length(profile, row->name));
        fputc('\n', file);
    }
    function_table_free(&table);
    return ferror(file) ? -1 : 0;
}
