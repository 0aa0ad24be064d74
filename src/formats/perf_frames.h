/* perf_frames.h — the frame names stackcollapse-perf.pl makes of one
 * `perf script` callchain line (address, symbol, module), shared by the
 * perf script text reader (perf_script.c) and the perf record session
 * (src/record/session.c), so both name frames byte for byte alike.
 *
 * The rules (stackcollapse-perf.pl's): "+0x..." offsets removed, old-style
 * "a->b" inline chains split (parts after the first get _[i]), "[unknown]"
 * replaced by "[module base name]" (with --addrs "[module <address>]"),
 * "(...)" pseudo frames skipped, ';' -> ':', argument lists cut (not Go
 * methods nor "(anonymous namespace)"), quotes dropped, the Java "L" prefix
 * removed for java processes, and _[k] / _[j] annotations on demand; with
 * --inline, user-space frames are expanded from DWARF (inline.h).
 */
#ifndef EMBER_PERF_FRAMES_H
#define EMBER_PERF_FRAMES_H

#include "../model/profile.h"

#include <stddef.h>
#include <stdint.h>

struct inline_resolver;

/* perl's character classes on bytes (\s, \w, \d), for the perf script
 * parsers (this file's and perf_script.c's). */
enum { PERL_CLASS_SPACE = 1, PERL_CLASS_WORD = 2, PERL_CLASS_DIGIT = 4 };
extern const unsigned char perl_character_classes[256];

static inline int is_perl_space(unsigned char byte)
{
    return perl_character_classes[byte] & PERL_CLASS_SPACE;
}

static inline int is_digit(unsigned char byte)
{
    return perl_character_classes[byte] & PERL_CLASS_DIGIT;
}

static inline int is_word(unsigned char byte)
{
    return perl_character_classes[byte] & PERL_CLASS_WORD;
}

static inline int is_lower_hex(unsigned char byte)
{
    return is_digit(byte) || (unsigned)(byte - 'a') < 6u;
}

struct perf_frame_options {
    int annotate_kernel;   /* --kernel: "_[k]" */
    int annotate_jit;      /* --jit: "_[j]" */
    int include_addresses; /* --addrs */
    int inline_frames;     /* --inline */
    int inline_context;    /* --context */
};

/* One callchain line as perf script prints it: "ADDRESS SYMBOL (MODULE)". */
struct perf_frame_text {
    const char *address; /* hex digits as printed, no "0x" */
    size_t address_length;
    const char *symbol;  /* "name+0x1f", "name" or "[unknown]" */
    size_t symbol_length;
    const char *module;  /* "/usr/lib/x.so", "[kernel.kallsyms]", "[unknown]" */
    size_t module_length;
};

/* Turns lines into frames of one profile. Owns its scratch space and the
 * --inline resolver. */
struct perf_frame_namer {
    struct profile *profile;
    struct perf_frame_options options;
    char *scratch;
    size_t scratch_capacity;
    struct inline_resolver *resolver; /* --inline, else NULL */
};

void perf_frame_namer_init(struct perf_frame_namer *namer, struct profile *profile,
                           const struct perf_frame_options *options);
void perf_frame_namer_free(struct perf_frame_namer *namer);

/* Appends the frame ids of one line, outermost (root-first) first, to
 * *frames (grown as needed; *count and *capacity updated). java: the process
 * name starts with "java" (changes tidying). Adds nothing for "(...)"
 * pseudo frames. */
void perf_frame_namer_build(struct perf_frame_namer *namer, const struct perf_frame_text *line,
                            int java, uint32_t **frames, size_t *count, size_t *capacity);

/* The frame of an already tidied name; its kind follows the _[k] / _[j] /
 * _[i] suffix, so frames are distinct exactly when their names are. */
uint32_t perf_frame_for_name(struct profile *profile, const char *name, size_t length);

/* A sample header line as stackcollapse-perf.pl matches it,
 * /^(\S.+?)\s+(\d+)\/[*](\d+)*\s+/ (slashes, then digits): the process name, then PID/TID or a lone
 * TID (tid_length 0). Returns 1 when the line matches. Shared by the perf
 * script reader and the session (which names roots from the header perf
 * script would print). */
struct perf_header_fields {
    const char *comm;
    size_t comm_length;
    const char *pid;
    size_t pid_length;
    const char *tid;
    size_t tid_length;
    size_t ids_end; /* offset just after the pid/tid digits */
};
int perf_header_match(const char *line, size_t length, struct perf_header_fields *fields);

/* A callchain line as stackcollapse-perf.pl matches it,
 * /^\s*(\w+)\s*(.+) \((.*)\)/ with perl's greedy and backtracking outcome:
 * the module starts after the last " (" that has a ')' after it. Fills
 * fields (spans into line), *text_start_offset (where the symbol starts
 * when no backtracking happens) and *backtracked. Returns 1 on a match. */
int perf_stack_line_match(const char *line, size_t length, struct perf_frame_text *fields,
                          size_t *text_start_offset, int *backtracked);

#endif
