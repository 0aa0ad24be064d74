/* peek.c — `ember peek RE FILE`: the callers and callees of the functions
 * whose names match RE, as `go tool pprof -peek RE` prints them
 * (text_peek.h). Read, filtered (profile_filters.h), then rendered.
 *
 * RE is a PCRE2 pattern searched anywhere in a name (Go's MatchString):
 * anchor it with ^ and $ for whole names.
 */
#include "commands.h"
#include "view_input.h"
#include "../render/text_peek.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember peek [--sort flat|cum] [--unit UNIT] [--format NAME]\n"
            "                  [--sample-type TYPE] [FILTERS] RE FILE\n"
            "\n"
            "Prints the callers and callees of every function whose name matches the\n"
            "regular expression RE (PCRE2, searched anywhere in the name), as\n"
            "`go tool pprof -peek RE` does: per function, its callers with the value of\n"
            "the stacks where they call it and that value's share of the function's cum,\n"
            "the function's flat, flat%%, sum%%, cum and cum%%, then its callees the same\n"
            "way. A stack counts once per caller/callee pair however deep it recurses.\n"
            "\n"
            "Options:\n"
            "  -s, --sort KEY       order of the functions: flat (default) or cum\n"
            "  -u, --unit UNIT      units of the values: minimum (default), auto, or a unit\n"
            "                       (ns, us, ms, s, hrs, B, kB, MB, GB, TB, PB)\n"
            "  -f, --format NAME    input format instead of guessing\n"
            "  -t, --sample-type T  sample type to show (name or index)\n"
            "  -h, --help           this text\n");
    profile_filter_options_usage(file);
}

/* text_peek's predicate: the compiled pattern searched in the name. */
struct peek_pattern {
    pcre2_code *code;
    pcre2_match_data *match_data;
};

static int name_matches(void *context, const char *name, size_t length)
{
    struct peek_pattern *pattern = context;
    return pcre2_match(pattern->code, (PCRE2_SPTR)name, length, 0, 0, pattern->match_data,
                       NULL) >= 0;
}

/* Compiles RE; 0, or 2 after printing what is wrong and where. */
static int compile_pattern(struct peek_pattern *pattern, const char *text)
{
    int code;
    PCRE2_SIZE offset;
    pattern->code = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (!pattern->code) {
        char message[256];
        if (pcre2_get_error_message(code, (PCRE2_UCHAR *)message, sizeof message) < 0)
            strcpy(message, "invalid regular expression");
        fprintf(stderr, "ember peek: bad regular expression '%s': %s (at offset %zu)\n", text,
                message, (size_t)offset);
        return 2;
    }
    pattern->match_data = pcre2_match_data_create_from_pattern(pattern->code, NULL);
    return 0;
}

/* load -> filter -> render. */
static int peek_file(const char *path, const struct format *format, const char *sample_type_name,
                     const struct profile_filter *filter, struct peek_pattern *pattern,
                     const char *pattern_text, const struct text_peek_options *options)
{
    size_t sample_type;
    struct profile *profile =
        view_profile_load(path, format, sample_type_name, filter, "peek", &sample_type);
    if (!profile)
        return 1;
    size_t matched = 0;
    int status = 0;
    if (text_peek(stdout, profile, sample_type, name_matches, pattern, options, &matched) < 0 ||
        fflush(stdout) != 0) {
        fprintf(stderr, "ember peek: writing the report failed: %s\n", strerror(errno));
        status = 1;
    } else if (matched == 0) {
        fprintf(stderr, "ember peek: %s: no function matches '%s'\n", path, pattern_text);
        status = 1;
    }
    profile_destroy(profile);
    return status;
}

int command_peek(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"sort", required_argument, NULL, 's'},
        VIEW_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct view_options view;
    view_options_init(&view);
    struct text_peek_options options = {FLAT_SORT_FLAT, NULL};
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "s:" VIEW_SHORT_OPTIONS "h", long_options, NULL)) !=
           -1) {
        int taken = view_options_parse(&view, option, optarg, "peek");
        if (taken < 0)
            return 2;
        if (taken > 0)
            continue;
        switch (option) {
        case 's':
            if (flat_sort_parse(optarg, &options.sort) < 0 || options.sort == FLAT_SORT_NAME) {
                fprintf(stderr, "ember peek: unknown sort key '%s'; valid: flat, cum\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        fprintf(stderr, "ember peek: need a regular expression and exactly one FILE\n");
        usage(stderr);
        return 2;
    }
    const struct format *format;
    struct profile_filter *filter;
    int status = view_options_finish(&view, "peek", &format, &filter);
    struct peek_pattern pattern = {NULL, NULL};
    if (status == 0)
        status = compile_pattern(&pattern, argv[optind]);
    options.unit = view.unit;
    if (status == 0)
        status = peek_file(argv[optind + 1], format, view.sample_type_name, filter, &pattern,
                           argv[optind], &options);
    profile_filter_destroy(filter);
    pcre2_match_data_free(pattern.match_data);
    pcre2_code_free(pattern.code);
    return status;
}
