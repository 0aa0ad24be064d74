/* test_symbols.c — unit tests of the ELF symbolizer (src/record/symbols.c):
 * demangling, /proc/PID/maps parsing, and looking up this test program's
 * own functions through its live mappings. */
#include <criterion/criterion.h>

#include "record/symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A function with a symbol of its own, to be found by address. */
__attribute__((noinline)) int symbols_test_target(int value);
__attribute__((noinline)) int symbols_test_target(int value)
{
    return value * 3 + 1;
}

static char *read_self_maps(size_t *length)
{
    FILE *file = fopen("/proc/self/maps", "r");
    cr_assert_not_null(file);
    char *text = NULL;
    size_t size = 0;
    FILE *sink = open_memstream(&text, &size);
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
        fwrite(buffer, 1, got, sink);
    fclose(file);
    fclose(sink);
    *length = size;
    return text;
}

Test(symbols, demangles_cpp_and_rust_without_parameters)
{
    char *name = symbol_demangle("_ZN3foo3barEi");
    cr_assert_str_eq(name, "foo::bar");
    free(name);
    name = symbol_demangle("_ZN4core3fmt5write17h1234567890abcdefE");
    cr_assert_str_eq(name, "core::fmt::write");
    free(name);
    name = symbol_demangle("_RNvCs15kBYyAo9fc_7mycrate4main");
    cr_assert_str_eq(name, "mycrate::main");
    free(name);
    cr_assert_null(symbol_demangle("main"));
    cr_assert_null(symbol_demangle("_Zgarbage!"));
}

Test(symbols, parses_maps_lines_and_skips_pseudo_files)
{
    const char *maps = "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n"
                       "00e03000-00e24000 rw-p 00000000 00:00 0           [heap]\n"
                       "7f0000000000-7f0000001000 r-xp 00002000 08:02 1 /lib/with space.so\n"
                       "not a mapping\n"
                       "35b1800000-35b1820000 r-xp 00000000 08:02 135522  /usr/lib64/ld-2.15.so\n"
                       "7fff0000-7fff1000 rw-p 00000000 00:00 0\n";
    struct symbolizer *symbolizer = symbolizer_create();
    cr_assert_eq(symbolizer_add_maps_text(symbolizer, maps, strlen(maps)), 3);
    struct symbol_info info;
    cr_assert_eq(symbolizer_lookup(symbolizer, 0x7f0000000010, &info), 0); /* file absent */
    cr_assert_str_eq(info.module, "/lib/with space.so");
    cr_assert_eq(info.module_offset, 0x2010);
    cr_assert_eq(symbolizer_lookup(symbolizer, 0x10, &info), 0);
    cr_assert_null(info.module);
    symbolizer_destroy(symbolizer);
}

Test(symbols, finds_own_function_through_live_mappings)
{
    size_t length;
    char *maps = read_self_maps(&length);
    struct symbolizer *symbolizer = symbolizer_create();
    cr_assert_gt(symbolizer_add_maps_text(symbolizer, maps, length), 0);
    struct symbol_info info;
    uintptr_t address = (uintptr_t)&symbols_test_target;
    cr_assert_eq(symbolizer_lookup(symbolizer, address, &info), 1);
    cr_assert_str_eq(info.function, "symbols_test_target");
    cr_assert_not_null(strstr(info.module, "unit"), "module %s", info.module);
    /* inside the function, and the cached answer a second time */
    cr_assert_eq(symbolizer_lookup(symbolizer, address + 1, &info), 1);
    cr_assert_str_eq(info.function, "symbols_test_target");
    cr_assert_eq(symbolizer_lookup(symbolizer, address + 1, &info), 1);
    cr_assert_str_eq(info.function, "symbols_test_target");
    symbolizer_destroy(symbolizer);
    free(maps);
    cr_assert_eq(symbols_test_target(1), 4);
}

Test(symbols, file_cache_tells_files_of_one_path_apart)
{
    /* One path, two files (two containers): the recorded device and inode
     * decide; build ids decide before them (when both files have one);
     * with neither, the path. */
    struct symbol_file_cache *cache = symbol_file_cache_create();
    const char *path = "/nonexistent/ember-test/app";
    struct symbol_file_identity first = {0, 0x27, 2}, second = {0, 0x28, 2};
    struct symbol_file *a = symbol_file_cache_get(cache, path, path, 0, NULL, 0, &first);
    struct symbol_file *b = symbol_file_cache_get(cache, path, path, 0, NULL, 0, &second);
    cr_assert_neq(a, b);
    cr_assert_eq(symbol_file_cache_get(cache, path, path, 0, NULL, 0, &first), a);
    cr_assert_eq(symbol_file_cache_get(cache, path, path, 0, NULL, 0, &second), b);
    /* Unknown identity: the last file of that path. */
    cr_assert_eq(symbol_file_cache_get(cache, path, path, 0, NULL, 0, NULL), b);
    symbol_file_cache_destroy(cache);
    cache = symbol_file_cache_create();
    static const uint8_t id_one[20] = {1, 2, 3}, id_two[20] = {4, 5, 6};
    struct symbol_file *c = symbol_file_cache_get(cache, path, path, 0, id_one, 20, NULL);
    struct symbol_file *d = symbol_file_cache_get(cache, path, path, 0, id_two, 20, NULL);
    cr_assert_neq(c, d);
    cr_assert_eq(symbol_file_cache_get(cache, "/elsewhere/app", "/elsewhere/app", 0, id_one, 20,
                                       NULL),
                 c);
    symbol_file_cache_destroy(cache);
}
