/* hotpaths.c — the example program `make demo` profiles.
 *
 * A small CPU-bound program with four distinct hot paths, so its flame graph
 * shows four clear towers under main:
 *
 *   hash_path     FNV-1a over a buffer, again and again          (~30%)
 *   sort_path     a merge sort calling a comparator by pointer    (~25%)
 *   string_path   building "key=value;" strings, numbers formatted (~20%)
 *   tree_path     a recursive walk (recurse_depth calling itself) (~25%)
 *
 * Built by demo/run with -O1 -g -fno-omit-frame-pointer so that perf's
 * frame-pointer unwinding (`perf record -g`) sees every call: the paths are
 * noinline, hot leaf functions call tally() (see there), and the hot loops
 * call no libc function (Debian's libc has no frame pointers). It runs for about 2-3 seconds; `hotpaths SECONDS` changes that.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink; /* keeps every result alive */

/* Hot functions that call nothing ("leaves") get no frame pointer from gcc
 * at -O1 even with -fno-omit-frame-pointer, and perf then loses their caller
 * (main;fnv1a instead of main;hash_path;fnv1a). Each such function ends with
 * a call to tally(), which makes gcc give it a frame. */
static NOINLINE void tally(uint64_t value)
{
    sink += value;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- hashing ------------------------------------------------------------ */

static NOINLINE uint64_t fnv1a(const unsigned char *data, size_t size)
{
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < size; i++) {
        hash ^= data[i];
        hash *= 1099511628211ull;
    }
    tally(hash & 1);
    return hash;
}

static NOINLINE void hash_path(double seconds)
{
    static unsigned char buffer[64 * 1024];
    for (size_t i = 0; i < sizeof buffer; i++)
        buffer[i] = (unsigned char)(i * 31 + 7);
    double end = now() + seconds;
    while (now() < end) {
        for (int round = 0; round < 16; round++) {
            uint64_t hash = fnv1a(buffer, sizeof buffer);
            buffer[round] = (unsigned char)hash;
            sink += hash;
        }
    }
}

/* ---- sorting ------------------------------------------------------------ */

/* A merge sort that calls its comparator through a pointer, like qsort();
 * written here rather than calling libc's qsort() because libc is built
 * without frame pointers, which would cut the stacks perf records. */
struct record {
    uint32_t key;
    char name[12];
};

typedef int (*compare_fn)(const struct record *, const struct record *);

static int compare_names(const char *left, const char *right)
{
    while (*left && *left == *right) {
        left++;
        right++;
    }
    return (unsigned char)*left - (unsigned char)*right;
}

static NOINLINE int compare_records(const struct record *left, const struct record *right)
{
    if (left->key != right->key)
        return left->key < right->key ? -1 : 1;
    return compare_names(left->name, right->name);
}

static NOINLINE void merge_sort(struct record *records, struct record *scratch, size_t count, compare_fn compare)
{
    if (count < 2)
        return;
    size_t half = count / 2;
    merge_sort(records, scratch, half, compare);
    merge_sort(records + half, scratch, count - half, compare);
    size_t left = 0, right = half, out = 0;
    while (left < half && right < count)
        scratch[out++] = compare(&records[right], &records[left]) < 0 ? records[right++] : records[left++];
    while (left < half)
        scratch[out++] = records[left++];
    while (right < count)
        scratch[out++] = records[right++];
    for (size_t i = 0; i < count; i++)
        records[i] = scratch[i];
}

static NOINLINE void fill_records(struct record *records, size_t count, uint32_t seed)
{
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        records[i].key = seed >> 20; /* few distinct keys: names get compared too */
        for (int j = 0; j < 10; j++)
            records[i].name[j] = (char)('a' + (seed >> (j * 3) & 7));
        records[i].name[10] = '\0';
    }
    tally(seed & 1);
}

static NOINLINE void sort_path(double seconds)
{
    enum { COUNT = 20000 };
    static struct record records[COUNT], scratch[COUNT];
    uint32_t seed = 1;
    double end = now() + seconds;
    while (now() < end) {
        fill_records(records, COUNT, seed++);
        merge_sort(records, scratch, COUNT, compare_records);
        sink += records[COUNT / 2].key;
    }
}

/* ---- string building ---------------------------------------------------- */

/* Appends "key=value;" to out; formats the number itself (see above for why
 * not snprintf). Returns the new length, or 0 when the buffer is full. */
static NOINLINE size_t format_number(char *out, long value)
{
    char digits[24];
    size_t count = 0;
    unsigned long magnitude = value < 0 ? 0ul - (unsigned long)value : (unsigned long)value;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    size_t length = 0;
    if (value < 0)
        out[length++] = '-';
    while (count)
        out[length++] = digits[--count];
    tally(length & 1);
    return length;
}

static NOINLINE size_t append_field(char *out, size_t used, size_t capacity, const char *key, long value)
{
    char field[64];
    size_t length = 0;
    while (*key)
        field[length++] = *key++;
    field[length++] = '=';
    length += format_number(field + length, value);
    field[length++] = ';';
    if (used + length >= capacity)
        return 0; /* full: start again */
    for (size_t i = 0; i < length; i++)
        out[used + i] = field[i];
    out[used + length] = '\0';
    return used + length;
}

static NOINLINE void string_path(double seconds)
{
    static char line[16 * 1024];
    static const char *keys[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    size_t used = 0;
    long value = 0;
    double end = now() + seconds;
    while (now() < end) {
        for (int i = 0; i < 1000; i++) {
            used = append_field(line, used, sizeof line, keys[value % 5], value * 7919);
            value++;
        }
        sink += used;
    }
}

/* ---- recursion ---------------------------------------------------------- */

static NOINLINE uint64_t recurse_depth(unsigned depth, uint64_t value)
{
    if (depth == 0)
        return value * 2654435761u;
    /* two calls per level: a full binary tree of calls */
    return recurse_depth(depth - 1, value + depth) ^ recurse_depth(depth - 1, value ^ depth);
}

static NOINLINE void tree_path(double seconds)
{
    double end = now() + seconds;
    uint64_t value = 0;
    while (now() < end)
        sink += recurse_depth(14, value++);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.5;
    if (!(seconds > 0 && seconds < 3600)) {
        fprintf(stderr, "usage: hotpaths [SECONDS]   (default 2.5)\n");
        return 2;
    }
    hash_path(seconds * 0.30);
    sort_path(seconds * 0.25);
    string_path(seconds * 0.20);
    tree_path(seconds * 0.25);
    printf("hotpaths: done (%llu)\n", (unsigned long long)(sink & 0xffff));
    return 0;
}
