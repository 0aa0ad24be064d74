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
