/* test_perf_records.c — unit tests of the pieces under the record session:
 * record decoding (src/record/perf_records.c) of every sample field the
 * session uses, perf's symbol rules (symbol_table.c: aliases, sizes,
 * kallsyms order), /proc/kallsyms and perf-map parsing, and the shared
 * stackcollapse-perf.pl frame naming (src/formats/perf_frames.c). Every
 * expectation is computed by hand from the bytes below. */
#include <criterion/criterion.h>

#include "formats/perf_frames.h"
#include "model/profile.h"
#include "record/jit_map.h"
#include "record/kallsyms.h"
#include "record/perf_records.h"
#include "record/symbol_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct perf_event_header *records_header(uint64_t *words, size_t count, uint32_t type,
                                                      uint16_t misc)
{
    struct perf_event_header header = {type, misc, (uint16_t)(count * 8)};
    memcpy(words, &header, sizeof header);
    return (const struct perf_event_header *)(void *)words;
}

Test(perf_records, sample_fields_in_sample_type_order)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
                       PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
                       PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
    attr.sample_regs_user = (1u << 6) | (1u << 7) | (1u << 8); /* BP, SP, IP */
    uint64_t words[32] = {0};
    size_t n = 1;
    words[n++] = 42;                          /* identifier */
    words[n++] = 0x401000;                    /* ip */
    words[n++] = (uint64_t)7 << 32 | 5;       /* pid 5, tid 7 */
    words[n++] = 123456789;                   /* time */
    words[n++] = 1;                           /* cpu 1 */
    words[n++] = 1000;                        /* period */
    words[n++] = 3;                           /* callchain */
    words[n++] = (uint64_t)PERF_CONTEXT_USER;
    words[n++] = 0x401000;
    words[n++] = 0x402000;
    words[n++] = 2;                           /* regs abi 64 */
    words[n++] = 0x7000;                      /* bp */
    words[n++] = 0x6000;                      /* sp */
    words[n++] = 0x401000;                    /* ip */
    words[n++] = 16;                          /* stack size */
    words[n++] = 0x1111;
    words[n++] = 0x2222;
    words[n++] = 8;                           /* dyn_size */
    const struct perf_event_header *record = records_header(words, n, PERF_RECORD_SAMPLE, 0);
    struct perf_sample sample;
    const char *error = NULL;
    cr_assert_eq(perf_sample_parse(&attr, record, &sample, &error), 0, "%s", error);
    cr_assert_eq(sample.id, 42);
    cr_assert_eq(sample.ip, 0x401000);
    cr_assert_eq(sample.pid, 5);
    cr_assert_eq(sample.tid, 7);
    cr_assert_eq(sample.time, 123456789);
    cr_assert_eq(sample.cpu, 1);
    cr_assert_eq(sample.period, 1000);
    cr_assert_eq(sample.callchain_count, 3);
    cr_assert_eq(sample.callchain[2], 0x402000);
    cr_assert_eq(sample.regs_abi, 2);
    cr_assert_eq(sample.regs[1], 0x6000);
    cr_assert_eq(sample.stack_size, 8); /* dyn_size, not the 16 bytes reserved */
    cr_assert_eq(((const uint64_t *)(const void *)sample.stack)[0], 0x1111);
    uint64_t id = 0;
    cr_assert(perf_record_id(&attr, record, &id));
    cr_assert_eq(id, 42);
    /* One word short: the stack's dyn_size is missing. */
    record = records_header(words, n - 1, PERF_RECORD_SAMPLE, 0);
    cr_assert_eq(perf_sample_parse(&attr, record, &sample, &error), -1);
    cr_assert_str_eq(error, "sample cut short in STACK_USER's dyn_size");
}

Test(perf_records, lbr_branch_stack_after_the_callchain)
{
    /* perf record --call-graph lbr: CALLCHAIN, then BRANCH_STACK with
     * hw_idx (HW_INDEX), then {from, to, flags} entries. */
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN |
                       PERF_SAMPLE_BRANCH_STACK;
    attr.branch_sample_type = PERF_SAMPLE_BRANCH_USER | PERF_SAMPLE_BRANCH_CALL_STACK |
                              PERF_SAMPLE_BRANCH_HW_INDEX;
    uint64_t words[24] = {0};
    size_t n = 1;
    words[n++] = 0x401004;                    /* ip */
    words[n++] = (uint64_t)5 << 32 | 5;       /* pid 5, tid 5 */
    words[n++] = 2;                           /* callchain */
    words[n++] = (uint64_t)PERF_CONTEXT_USER;
    words[n++] = 0x401004;
    words[n++] = 2;                           /* two branch entries */
    words[n++] = 1;                           /* hw_idx */
    words[n++] = 0x402010;                    /* from (call in the caller) */
    words[n++] = 0x401000;                    /* to (the leaf) */
    words[n++] = 0;                           /* flags */
    words[n++] = 0x403020;
    words[n++] = 0x402000;
    words[n++] = 0;
    const struct perf_event_header *record = records_header(words, n, PERF_RECORD_SAMPLE, 0);
    struct perf_sample sample;
    const char *error = NULL;
    cr_assert_eq(perf_sample_parse(&attr, record, &sample, &error), 0, "%s", error);
    cr_assert_eq(sample.callchain_count, 2);
    cr_assert_eq(sample.branch_count, 2);
    cr_assert_eq(sample.branches[0], 0x402010);
    cr_assert_eq(sample.branches[1], 0x401000);
    cr_assert_eq(sample.branches[3], 0x403020);
    /* Without HW_INDEX the entries start right after the count. */
    attr.branch_sample_type &= ~(uint64_t)PERF_SAMPLE_BRANCH_HW_INDEX;
    cr_assert_eq(perf_sample_parse(&attr, record, &sample, &error), 0, "%s", error);
    cr_assert_eq(sample.branches[0], 1);
    /* Two entries need six words after the count: five are too few. */
    attr.branch_sample_type |= PERF_SAMPLE_BRANCH_HW_INDEX;
    record = records_header(words, n - 1, PERF_RECORD_SAMPLE, 0);
    cr_assert_eq(perf_sample_parse(&attr, record, &sample, &error), -1);
    cr_assert_str_eq(error, "sample's branch stack longer than the record");
}

Test(perf_records, mmap2_with_build_id_and_trailer)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID;
    attr.sample_id_all = 1;
    uint64_t words[32] = {0};
    size_t n = 1;
    words[n++] = (uint64_t)9 << 32 | 9;
    words[n++] = 0x7f0000000000;              /* start */
    words[n++] = 0x2000;                      /* length */
    words[n++] = 0x1000;                      /* file offset */
    uint8_t identity[24] = {3, 0, 0, 0, 0xab, 0xcd, 0xef};
    memcpy(&words[n], identity, 24);
    n += 3;
    words[n++] = (uint64_t)2 << 32 | 5;       /* prot r-x, flags private */
    memcpy(&words[n++], "/bin/x\0\0", 8);
    words[n++] = (uint64_t)9 << 32 | 9;       /* trailer: pid, tid */
    words[n++] = 777;                         /* time */
    words[n++] = 31;                          /* id */
    const struct perf_event_header *record =
        records_header(words, n, PERF_RECORD_MMAP2, PERF_RECORD_MISC_MMAP_BUILD_ID);
    struct perf_mmap mapping;
    const char *error = NULL;
    cr_assert_eq(perf_mmap_parse(&attr, record, &mapping, &error), 0, "%s", error);
    cr_assert_eq(mapping.start, 0x7f0000000000);
    cr_assert_eq(mapping.file_offset, 0x1000);
    cr_assert(mapping.executable);
    cr_assert_eq(mapping.build_id_size, 3);
    cr_assert_eq(mapping.build_id[2], 0xef);
    cr_assert_str_eq(mapping.path, "/bin/x");
    struct perf_sample_id trailer;
    cr_assert_eq(perf_sample_id_parse(&attr, record, &trailer, &error), 0);
    cr_assert_eq(trailer.time, 777);
    uint64_t id = 0;
    cr_assert(perf_record_id(&attr, record, &id));
    cr_assert_eq(id, 31);
}

Test(perf_records, symbol_table_follows_perfs_alias_and_size_rules)
{
    struct symbol_table table;
    symbol_table_init(&table);
    /* Three aliases at 0x100: the global beats the local and the weak. */
    symbol_table_add(&table, 0x100, 0x40, SYMBOL_LOCAL, 0, "local_alias", 11);
    symbol_table_add(&table, 0x100, 0x40, SYMBOL_WEAK, 0, "weak_alias", 10);
    symbol_table_add(&table, 0x100, 0x40, SYMBOL_GLOBAL, 0, "global_name", 11);
    /* Two globals at 0x200: fewer leading underscores win. */
    symbol_table_add(&table, 0x200, 0x10, SYMBOL_GLOBAL, 0, "__under", 7);
    symbol_table_add(&table, 0x200, 0x10, SYMBOL_GLOBAL, 0, "plain", 5);
    /* A zero-size symbol ends where the next starts; the last one at the
     * page boundary after it plus a page. */
    symbol_table_add(&table, 0x300, 0, SYMBOL_GLOBAL, 0, "sizeless", 8);
    symbol_table_add(&table, 0x380, 0, SYMBOL_GLOBAL, 0, "last", 4);
    symbol_table_finish(&table);
    const struct symbol_entry *entry = symbol_table_find(&table, 0x13f);
    cr_assert_not_null(entry);
    cr_assert_str_eq(symbol_table_name(&table, entry), "global_name");
    cr_assert_null(symbol_table_find(&table, 0x140)); /* past its size */
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x205)), "plain");
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x37f)), "sizeless");
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x1fff)), "last");
    cr_assert_null(symbol_table_find(&table, 0x2000));
    symbol_table_free(&table);
}

Test(perf_records, symbol_table_builds_perfs_tree_only_where_symbols_overlap)
{
    /* A [0,100) then B [10,20), C [20,30), D [30,40): perf's tree has B at
     * the root, A and C under it, D under C (test_perf_tree.c works it
     * out); E [200,210) overlaps nothing. */
    struct symbol_table table;
    symbol_table_init(&table);
    symbol_table_use_perf_tree(&table);
    symbol_table_add(&table, 0, 100, SYMBOL_GLOBAL, 0, "A", 1);
    symbol_table_add(&table, 10, 10, SYMBOL_GLOBAL, 0, "B", 1);
    symbol_table_add(&table, 20, 10, SYMBOL_GLOBAL, 0, "C", 1);
    symbol_table_add(&table, 30, 10, SYMBOL_GLOBAL, 0, "D", 1);
    symbol_table_add(&table, 200, 10, SYMBOL_GLOBAL, 0, "E", 1);
    symbol_table_finish(&table);
    /* Addresses nothing else holds, or nothing holds: no tree needed. */
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 205)), "E");
    cr_assert_null(symbol_table_find(&table, 150));
    cr_assert_null(symbol_table_find(&table, 210));
    cr_assert_eq(table.tree_built, 0);
    /* Inside A the tree's shape decides. */
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 15)), "B");
    cr_assert_eq(table.tree_built, 1);
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 35)), "D");
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 5)), "A");
    cr_assert_null(symbol_table_find(&table, 50)); /* A holds 50 but is off the path */
    symbol_table_free(&table);
}

/* A small deterministic generator for the comparison below. */
static uint64_t records_next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

Test(perf_records, symbol_table_answers_as_perfs_tree_everywhere)
{
    /* Random tables (distinct starts, sized symbols, some overlapping):
     * every address gets the answer of a perf tree built from the same
     * inserts, whether or not the table needed its own tree for it. */
    uint64_t state = 12345;
    for (int round = 0; round < 200; round++) {
        struct symbol_table table;
        struct perf_tree reference;
        symbol_table_init(&table);
        symbol_table_use_perf_tree(&table);
        perf_tree_init(&reference);
        size_t count = 1 + records_next_random(&state) % 40;
        uint64_t starts[40], sizes[40];
        char names[40][4];
        for (size_t i = 0; i < count; i++) {
            uint64_t start;
            int fresh;
            do { /* distinct starts: no aliases to erase */
                start = records_next_random(&state) % 1000;
                fresh = 1;
                for (size_t j = 0; j < i; j++)
                    fresh &= starts[j] != start;
            } while (!fresh);
            starts[i] = start;
            sizes[i] = records_next_random(&state) % 4 == 0 ? 1 + records_next_random(&state) % 300
                                                            : 1 + records_next_random(&state) % 30;
            snprintf(names[i], sizeof names[i], "s%zu", i);
            symbol_table_add(&table, start, sizes[i], SYMBOL_GLOBAL, 0, names[i],
                             strlen(names[i]));
            int32_t node = perf_tree_insert(&reference, start);
            reference.nodes[node].end = start + sizes[i];
        }
        symbol_table_finish(&table);
        for (uint64_t address = 0; address < 1400; address++) {
            int32_t expected = perf_tree_find(&reference, address);
            const struct symbol_entry *found = symbol_table_find(&table, address);
            if (expected < 0)
                cr_assert_null(found, "round %d, address %llu", round,
                               (unsigned long long)address);
            else
                cr_assert(found && strcmp(symbol_table_name(&table, found), names[expected]) == 0,
                          "round %d, address %llu: expected %s", round,
                          (unsigned long long)address, names[expected]);
        }
        perf_tree_free(&reference);
        symbol_table_free(&table);
    }
}

/* The name kallsyms gives address, "" when none. */
static const char *records_kernel_name(const struct kallsyms *kallsyms, uint64_t address)
{
    static char name[128];
    const char *found;
    size_t length;
    uint64_t offset;
    name[0] = '\0';
    if (kallsyms_lookup(kallsyms, address, &found, &length, &offset) && length < sizeof name) {
        memcpy(name, found, length);
        name[length] = '\0';
    }
    return name;
}

Test(perf_records, kallsyms_last_alias_wins_and_modules_are_skipped)
{
    /* memcpy and __pi_memcpy share an address: perf sizes first, so
     * memcpy stays sizeless and the later __pi_memcpy wins. */
    const char text[] = "ffffffff81000000 T _stext\n"
                        "ffffffff81000100 T memcpy\n"
                        "ffffffff81000100 T __pi_memcpy\n"
                        "ffffffff81000200 t local_text\n"
                        "ffffffff81000300 r rodata_is_skipped\n"
                        "ffffffffc0000000 t module_text\t[some_module]\n";
    struct kallsyms kallsyms;
    cr_assert_eq(kallsyms_parse(&kallsyms, text, sizeof text - 1), 4);
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff81000150), "__pi_memcpy");
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff81000350), "local_text");
    /* The last symbol reaches to the end of the page after its own. */
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff81001fff), "local_text");
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff81002000), "");
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff80000000), "");
    uint64_t address;
    cr_assert(kallsyms_find_name(&kallsyms, "_stext", &address));
    cr_assert_eq(address, 0xffffffff81000000);
    kallsyms_free(&kallsyms);
    /* Out of order lines are sorted (address, then file order). */
    const char shuffled[] = "ffffffff81000200 T later\nffffffff81000100 T earlier\n";
    cr_assert_eq(kallsyms_parse(&kallsyms, shuffled, sizeof shuffled - 1), 2);
    cr_assert_str_eq(records_kernel_name(&kallsyms, 0xffffffff81000180), "earlier");
    kallsyms_free(&kallsyms);
    /* kptr_restrict: all zero addresses mean no symbols. */
    const char hidden[] = "0000000000000000 T _stext\n0000000000000000 T memcpy\n";
    cr_assert_eq(kallsyms_parse(&kallsyms, hidden, sizeof hidden - 1), 0);
    kallsyms_free(&kallsyms);
}

Test(perf_records, perf_map_lines)
{
    const char text[] = "7f0000001000 40 LazyCompile:*fib /app.js:1\n"
                        "0x7f0000002000 0x10 py::main\n"
                        "garbage line\n";
    struct symbol_table table;
    symbol_table_init(&table);
    cr_assert_eq(jit_map_parse(&table, text, sizeof text - 1), 2);
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x7f000000103f)),
                     "LazyCompile:*fib /app.js:1");
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x7f0000002000)),
                     "py::main");
    cr_assert_null(symbol_table_find(&table, 0x7f0000001040));
    symbol_table_free(&table);
}

/* The frames perf_frames.c names for one perf script line, "a;b" form. */
static char *records_frames(const char *line, const struct perf_frame_options *options, int java)
{
    struct profile *profile = profile_create();
    struct perf_frame_namer namer;
    perf_frame_namer_init(&namer, profile, options);
    struct perf_frame_text text;
    size_t text_start;
    int backtracked;
    cr_assert(perf_stack_line_match(line, strlen(line), &text, &text_start, &backtracked));
    uint32_t *frames = NULL;
    size_t count = 0, capacity = 0;
    perf_frame_namer_build(&namer, &text, java, &frames, &count, &capacity);
    char *result = calloc(1, 1024);
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat(result, ";");
        strncat(result, profile_frame_name(profile, frames[i]),
                profile_frame_name_length(profile, frames[i]));
    }
    free(frames);
    perf_frame_namer_free(&namer);
    profile_destroy(profile);
    return result;
}

Test(perf_records, frame_names_follow_stackcollapse_perf)
{
    struct perf_frame_options plain = {0}, all = {1, 1, 1, 0, 0};
    char *name = records_frames("1175 inner_a+0xc (/tmp/prog)", &plain, 0);
    cr_assert_str_eq(name, "inner_a");
    free(name);
    name = records_frames("ffffffff81000100 memcpy+0x10 ([kernel.kallsyms])", &all, 0);
    cr_assert_str_eq(name, "memcpy_[k]");
    free(name);
    name = records_frames("cc266 [unknown] (/usr/lib/libx.so.1)", &all, 0);
    cr_assert_str_eq(name, "[libx.so.1 <cc266>]");
    free(name);
    name = records_frames("7f01 jitted+0x1 (/tmp/perf-12.map)", &all, 0);
    cr_assert_str_eq(name, "jitted_[j]");
    free(name);
    /* Old-style inline chains, argument lists, ';' and java's L prefix. */
    name = records_frames("10 a->b(int)+0x4 (/x)", &plain, 0);
    cr_assert_str_eq(name, "a;b_[i]");
    free(name);
    name = records_frames("10 Lcom/x/Y;::run (/x)", &plain, 1);
    cr_assert_str_eq(name, "com/x/Y:::run");
    free(name);
    /* A module path holding " (": the perl splits at the last one. */
    name = records_frames("cc266 [unknown] (/memfd:x (deleted))", &plain, 0);
    cr_assert_str_eq(name, "[unknown] ");
    free(name);
}

Test(perf_records, symbols_added_later_lose_an_overlap)
{
    /* A sizeless _init stretches to _start over the PLT; PLT entries added
     * afterwards (perf adds them after its fixups) do not win inside it,
     * since perf's tree meets _init first. */
    struct symbol_table table;
    symbol_table_init(&table);
    symbol_table_add(&table, 0x1000, 0, SYMBOL_GLOBAL, 0, "_init", 5);
    symbol_table_add(&table, 0x1080, 0x20, SYMBOL_GLOBAL, 0, "_start", 6);
    symbol_table_finish(&table);
    symbol_table_add(&table, 0x1030, 0x10, SYMBOL_GLOBAL, 0, "qsort@plt", 9);
    symbol_table_add(&table, 0x1040, 0x10, SYMBOL_GLOBAL, 0, "write@plt", 9);
    symbol_table_finish(&table);
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x1045)), "_init");
    cr_assert_str_eq(symbol_table_name(&table, symbol_table_find(&table, 0x1085)), "_start");
    cr_assert_null(symbol_table_find(&table, 0x10a0));
    symbol_table_free(&table);
}
