/* format.h — the one interface every profile format implements.
 *
 * A format is a descriptor: a name, the file extensions it owns, a probe
 * that scores how likely a file's first bytes are in this format, a reader
 * that fills a Profile from an input, and a writer that prints a Profile.
 * Either function may be NULL (read-only or write-only formats). format.c
 * holds the registry and the guesser; adding a format is one file plus one
 * line there.
 */
#ifndef EMBER_FORMAT_H
#define EMBER_FORMAT_H

#include "../model/profile.h"
#include "../util/input.h"

#include <stdint.h>
#include <stdio.h>

/* Options that shape what a reader puts into the profile. Zero = defaults. */
struct read_options {
    /* perf script (stackcollapse-perf.pl's flags) */
    int include_pid;        /* --pid: root frame "comm-PID" */
    int include_tid;        /* --tid: root frame "comm-PID/TID" */
    int annotate_kernel;    /* --kernel: "_[k]" suffix */
    int annotate_jit;       /* --jit: "_[j]" suffix */
    int include_addresses;  /* --addrs: unknown frames as "[dso <addr>]" */
    int inline_frames;      /* --inline: expand inlined frames with DWARF */
    int inline_context;     /* --context: with --inline, add ":file:line" */
    int include_process_name; /* root frame = comm; stackcollapse-perf.pl always does */
    const char **event_filters; /* --event-filter, may repeat */
    size_t event_filter_count;
    /* any format */
    int keep_timeline;      /* record input order, for flame charts */
    /* pprof-like formats */
    const char *const *label_frame_keys; /* --label-frames KEY: labels become root frames */
    size_t label_frame_key_count;
};

/* What a reader saw, for the messages the CLI prints afterwards. */
struct read_statistics {
    uint64_t lines;            /* lines read */
    uint64_t skipped_lines;    /* malformed lines ignored (flamegraph.pl prints this) */
    uint64_t samples;          /* samples or stacks accepted */
    uint64_t filtered_samples; /* samples dropped by an event filter */
    char first_event[128];     /* perf script: the event kept when no filter is given */
};

struct write_options {
    size_t sample_type; /* which sample type to write when a format holds one */
};

struct format {
    const char *name;
    const char *const *extensions; /* NULL-terminated, e.g. {".folded", NULL} */
    /* Returns 0 (surely not) to 100 (surely) from the first bytes. */
    int (*probe)(const char *head, size_t length);
    /* Returns 0, or -1 after printing a message naming the input and line. */
    int (*read)(struct input *input, struct profile *profile, const struct read_options *options,
                struct read_statistics *statistics);
    /* Returns 0, or -1 after printing a message. */
    int (*write)(FILE *file, const struct profile *profile, const struct write_options *options);
};

/* Registry. */
const struct format *format_by_name(const char *name);
/* The format that owns path's extension for writing, or NULL. */
const struct format *format_for_output_path(const char *path);
/* The most likely reader for an input, from its first bytes (peeked, not
 * consumed) and then its name; NULL when nothing recognises it. */
const struct format *format_guess(struct input *input);
/* Prints "name (extensions)" lines, for help texts. */
void format_list(FILE *file);

/* Reads a whole input with a guessed or named format (NULL = guess). On
 * success returns 0; else prints why and returns -1. */
int format_read_input(struct input *input, const struct format *format, struct profile *profile,
                      const struct read_options *options, struct read_statistics *statistics);

/* Shared helper for writers and readers: formats a count as perl would
 * print the number (integers exactly, otherwise %.15g). Returns length. */
int format_count(char *buffer, size_t size, double value);

#endif
