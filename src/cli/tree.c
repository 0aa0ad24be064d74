/* tree.c — `ember tree FILE`: the call tree as indented text with each
 * node's total and self values (text_tree.h). Read, filtered
 * (profile_filters.h: --min-percent and --max-depth prune it), rendered.
 */
#include "commands.h"
#include "profile_filters.h"
#include "view_input.h"
#include "../render/text_tree.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember tree [--min-percent P] [--max-depth N] [--unit UNIT]\n"
            "                  [--format NAME] [--sample-type TYPE] [FILTERS] FILE\n"
            "\n"
            "Prints the call tree, one line per node: total and total%% (the node with\n"
            "everything it calls), self and self%% (its own value), and the name indented\n"
            "two spaces per level. Children come heaviest first, ties by name. With\n"
            "--min-percent P the children of a node below P%% of the total are merged\n"
            "into one \"other\" line; --max-depth N stops N levels below the root.\n"
            "\n"
            "Options:\n"
            "  -u, --unit UNIT      units of the values: minimum (default), auto, or a unit\n"
            "                       (ns, us, ms, s, hrs, B, kB, MB, GB, TB, PB)\n"
            "  -f, --format NAME    input format instead of guessing\n"
            "  -t, --sample-type T  sample type to show (name or index)\n"
            "  -h, --help           this text\n");
    profile_filter_options_usage(file);
}

/* load -> filter -> render. */
static int tree_file(const char *path, const struct format *format, const char *sample_type_name,
                     const struct profile_filter *filter, const struct text_tree_options *options)
{
    size_t sample_type;
    struct profile *profile =
        view_profile_load(path, format, sample_type_name, "tree", &sample_type);
    if (!profile)
        return 1;
    profile_filter_options_apply(filter, &profile, sample_type, "tree");
    int status = 0;
    if (text_tree(stdout, profile, sample_type, options) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "ember tree: writing the tree failed: %s\n", strerror(errno));
        status = 1;
    }
    profile_destroy(profile);
    return status;
}

int command_tree(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"unit", required_argument, NULL, 'u'},
        {"format", required_argument, NULL, 'f'},
        {"sample-type", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    struct text_tree_options options = {"minimum"};
    const char *format_name = NULL, *sample_type_name = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "u:f:t:h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg, "tree");
        if (filter_taken < 0)
            return 2;
        if (filter_taken > 0)
            continue;
        switch (option) {
        case 'u':
            if (view_check_unit(optarg, "tree") != 0)
                return 2;
            options.unit = optarg;
            break;
        case 'f': format_name = optarg; break;
        case 't': sample_type_name = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "ember tree: need exactly one FILE\n");
        usage(stderr);
        return 2;
    }
    const struct format *format;
    if (view_format_by_name(format_name, "tree", &format) != 0)
        return 2;
    struct profile_filter *filter = NULL;
    int status = 2;
    if (profile_filter_options_compile(&filter_options, "tree", &filter) == 0)
        status = tree_file(argv[optind], format, sample_type_name, filter, &options);
    profile_filter_destroy(filter);
    return status;
}
