/* main.c — the `ember` command: dispatches to a subcommand. */
#include "commands.h"
#include "../formats/format.h"

#include <stdio.h>
#include <string.h>

#ifndef EMBER_VERSION
#define EMBER_VERSION "0.1.0"
#endif

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"collapse", command_collapse, "fold `perf script` output into stacks (stackcollapse-perf.pl)"},
    {"flamegraph", command_flamegraph, "draw a profile as an interactive SVG flame graph (flamegraph.pl)"},
    {"diff", command_diff, "compare two profiles: difffolded.pl's two-count stacks, or a differential SVG"},
    {"convert", command_convert, "convert a profile; the output format follows -o's extension"},
    {"fetch", command_fetch, "download a profile from a Go program's net/http/pprof and draw it"},
    {"top", command_top, "the costliest functions: pstats' table for cProfile files, else pprof's -top"},
    {"peek", command_peek, "callers and callees of the functions matching a regex (pprof -peek)"},
    {"tree", command_tree, "the call tree as indented text with totals, a flame graph for the terminal"},
    {"view", command_view, "one self-contained HTML page: flame graph, table, sandwich, diff"},
    {"record", command_record, "sample a command, running processes or the system (perf_event_open) and draw"},
    {"dump", command_dump, "print the Python stack of every thread of a running CPython process"},
};

enum { SUBCOMMAND_COUNT = sizeof subcommands / sizeof subcommands[0] };

static void print_help(FILE *file)
{
    fprintf(file,
            "usage: ember COMMAND [OPTIONS] [FILE...]\n"
            "\n"
            "ember turns profiles into flame graphs.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
        fprintf(file, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(file,
            "  %-12s %s\n"
            "  %-12s %s\n"
            "\n"
            "Formats:\n",
            "help", "this text; `ember help COMMAND` or `ember COMMAND --help` for one command",
            "version", "print the version");
    format_list(file);
    fprintf(file,
            "  Any of them can also be drawn: `ember convert IN -o out.svg`, `ember flamegraph IN`.\n"
            "\n"
            "Typical use:\n"
            "  ember record -F 999 -- ./program          (writes ember.svg)\n"
            "  perf record -F 999 -g -- ./program\n"
            "  perf script | ember collapse | ember flamegraph > out.svg\n"
            "  ember convert perf.txt -o out.svg\n");
}

int main(int argc, char **argv)
{
    static char stdout_buffer[1 << 18];
    setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);

    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc > 2) {
            for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
                if (strcmp(argv[2], subcommands[i].name) == 0) {
                    char *help_argv[] = {argv[2], "--help", NULL};
                    return subcommands[i].run(2, help_argv);
                }
            fprintf(stderr, "ember: no command named '%s'\n", argv[2]);
            return 2;
        }
        print_help(stdout);
        return 0;
    }
    if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
        printf("ember %s\n", EMBER_VERSION);
        return 0;
    }
    for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "ember: '%s' is not a command; see `ember help`\n", name);
    return 2;
}
