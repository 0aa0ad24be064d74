/* tree.c — `ember tree FILE`: the call tree as indented text with each
 * node's total and self values (text_tree.h). Read, filtered
 * (profile_filters.h: --min-percent and --max-depth prune it), rendered.
 */
#include "commands.h"
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
        view_profile_load(path, format, sample_type_name, filter, "tree", &sample_type);
    if (!profile)
        return 1;
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
        VIEW_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct view_options view;
    view_options_init(&view);
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, VIEW_SHORT_OPTIONS "h", long_options, NULL)) != -1) {
        int taken = view_options_parse(&view, option, optarg, "tree");
        if (taken < 0)
            return 2;
        if (taken > 0)
            continue;
        switch (option) {
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
    struct profile_filter *filter;
    int status = view_options_finish(&view, "tree", &format, &filter);
    struct text_tree_options options = {view.unit};
    if (status == 0)
        status = tree_file(argv[optind], format, view.sample_type_name, filter, &options);
    profile_filter_destroy(filter);
    return status;
}
