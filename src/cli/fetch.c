/* fetch.c — `ember fetch URL`: download a profile from a running Go
 * program's net/http/pprof endpoints (what go-torch and `go tool pprof URL`
 * do) and draw or save it.
 *
 * The URL may be a base (http://host:port), the pprof directory
 * (.../debug/pprof/) or a full endpoint (.../debug/pprof/heap); the profile
 * is chosen by --profile NAME or the URL's last path segment. The body is
 * read with the registry's pprof reader from memory and written by the
 * writer -o's extension names (write_profile.c, as `ember convert` does);
 * with --raw and -o FILE.pb.gz the downloaded bytes are kept unchanged.
 */
#include "commands.h"
#include "profile_filters.h"
#include "write_profile.h"
#include "../util/http_fetch.h"
#include "../util/memory.h"
#include "../util/output.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    DEFAULT_CPU_SECONDS = 30,    /* as go tool pprof and go-torch */
    TIMEOUT_MARGIN_SECONDS = 30, /* default --timeout = seconds + this */
    MAX_SECONDS = 24 * 3600,
};

#define DEFAULT_URL "http://localhost:8080" /* go-torch's default */
#define DEFAULT_OUTPUT "torch.svg"          /* go-torch's default */
#define DEFAULT_MAX_BYTES ((size_t)256 << 20)

/* The profiles net/http/pprof serves as pprof protobuf. */
static const char *const known_profiles[] = {
    "profile", "heap", "allocs", "goroutine", "block", "mutex", "threadcreate", NULL,
};

struct fetch_options {
    const char *url;
    const char *suffix;         /* go-torch --suffix: the URL path to use */
    const char *profile;        /* --profile NAME, NULL = from the URL or CPU */
    const char *output_path;    /* -o/-f, NULL = default */
    int print;                  /* -p: SVG to standard output */
    int raw;                    /* --raw */
    long seconds;               /* -t/--seconds, 0 = not given */
    double timeout;             /* --timeout, 0 = seconds + 30 */
    size_t max_bytes;           /* --max-size */
    const char *sample_type;    /* --sample-type */
    struct svg_options svg;     /* --title, --width, --colors, --hash, --inverted, --reverse */
    struct profile_filter_options filters; /* --focus, --ignore, ... */
};

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember fetch [OPTIONS] [URL]\n"
            "\n"
            "Downloads a profile from a Go program's net/http/pprof endpoints and draws it\n"
            "(go-torch's and `go tool pprof URL`'s job). URL is a base (http://host:port,\n"
            "default " DEFAULT_URL "), the pprof directory (.../debug/pprof/) or a\n"
            "full endpoint (.../debug/pprof/heap); \"host:port\" means http://host:port.\n"
            "\n"
            "Profiles (--profile NAME, or the URL's last path segment; default: profile):\n"
            "  profile       CPU, recorded for --seconds (default 30) while you wait\n"
            "  heap          memory in use and allocated (default type inuse_space)\n"
            "  allocs        the same data, default type alloc_space\n"
            "  goroutine     stacks of all goroutines\n"
            "  block         where goroutines blocked (needs runtime.SetBlockProfileRate)\n"
            "  mutex         contended mutexes (needs runtime.SetMutexProfileFraction)\n"
            "  threadcreate  where OS threads were created\n"
            "--seconds on the others asks Go for a delta profile over that many seconds.\n"
            "\n"
            "Output (-o's extension chooses the writer, as in `ember convert`):\n"
            "  .svg               interactive flame graph\n");
    format_list(file);
    fprintf(file,
            "\n"
            "Options:\n"
            "  -o, --output FILE    where to write (default " DEFAULT_OUTPUT "); written atomically\n"
            "  -f, --file FILE      the same (go-torch's spelling)\n"
            "  -p, --print          write the SVG to standard output instead\n"
            "  -r, --raw            with -o FILE.pb.gz: keep the downloaded bytes unchanged;\n"
            "                       without -o: folded stacks to standard output (go-torch -r)\n"
            "  -u, --url URL        the URL (go-torch's spelling)\n"
            "  -s, --suffix PATH    URL path of the profile (go-torch's spelling)\n"
            "      --profile NAME   which profile (see above)\n"
            "  -t, --seconds N      CPU profile length, or delta length for the others\n"
            "      --sample-type T  sample type to draw or write, by name (e.g. alloc_space)\n"
            "                       or index; default: the profile's default type\n"
            "      --timeout S      give up after S seconds (default: seconds + 30)\n"
            "      --max-size N     refuse answers larger than N bytes (K, M, G suffixes;\n"
            "                       default 256M)\n"
            "      --title TEXT     SVG title (default \"Flame Graph\")\n"
            "      --width NUM      SVG width in pixels (default 1200)\n"
            "      --colors NAME    SVG palette, as `ember flamegraph --colors`\n"
            "      --hash           colours keyed by function name\n"
            "      --inverted       icicle graph\n"
            "      --reverse        stack-reversed flame graph\n"
            "  -h, --help           this text\n");
    profile_filter_options_usage(file);
    fprintf(file,
            "\n"
            "Examples:\n"
            "  ember fetch localhost:6060 --seconds 10 -o cpu.svg\n"
            "  ember fetch http://localhost:6060/debug/pprof/heap --sample-type alloc_space -o heap.svg\n"
            "  ember fetch localhost:6060 --profile goroutine -o goroutines.folded\n"
            "  ember fetch localhost:6060 --profile mutex --raw -o mutex.pb.gz\n");
}

static int is_known_profile(const char *name)
{
    for (const char *const *known = known_profiles; *known; known++)
        if (strcmp(*known, name) == 0)
            return 1;
    return 0;
}

/* source names where text came from in the message ("--seconds", "the URL's seconds="). */
static int parse_seconds(const char *source, const char *text, long *seconds)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < 1 || value > MAX_SECONDS) {
        fprintf(stderr, "ember fetch: %s '%s': expected a whole number of seconds, 1 to %d\n",
                source, text, MAX_SECONDS);
        return -1;
    }
    *seconds = value;
    return 0;
}

static int parse_positive(const char *option, const char *text, double *value)
{
    char *end;
    errno = 0;
    double number = strtod(text, &end);
    if (errno || end == text || *end || !(number > 0) || !isfinite(number) || number > 1e7) {
        fprintf(stderr, "ember fetch: --%s '%s': expected a positive number\n", option, text);
        return -1;
    }
    *value = number;
    return 0;
}

/* "1000", "64K", "256M", "1G" (powers of 1024). */
static int parse_size(const char *text, size_t *bytes)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    unsigned shift = 0;
    if (end != text && (*end == 'K' || *end == 'k'))
        shift = 10, end++;
    else if (end != text && (*end == 'M' || *end == 'm'))
        shift = 20, end++;
    else if (end != text && (*end == 'G' || *end == 'g'))
        shift = 30, end++;
    if (errno || end == text || *end || text[0] == '-' || value == 0 ||
        value > (((unsigned long long)1 << 40) >> shift)) {
        fprintf(stderr, "ember fetch: --max-size '%s': expected a byte count such as 4096, "
                        "64K, 256M or 1G (at most 1024G)\n", text);
        return -1;
    }
    *bytes = (size_t)(value << shift);
    return 0;
}

static int has_suffix(const char *string, const char *suffix)
{
    size_t length = strlen(string), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(string + length - suffix_length, suffix) == 0;
}

/* Prints up to max bytes of an answer's body on one line: printable ASCII
 * as is, anything else as \xNN, a line break ends it. */
static void print_excerpt(FILE *file, const char *body, size_t length, size_t max)
{
    while (length && isspace((unsigned char)*body))
        body++, length--;
    size_t shown = 0;
    for (; shown < length && shown < max; shown++) {
        unsigned char byte = (unsigned char)body[shown];
        if (byte == '\n' || byte == '\r')
            break;
        if (byte >= 0x20 && byte < 0x7f && byte != '\\')
            fputc(byte, file);
        else
            fprintf(file, "\\x%02x", byte);
    }
    if (shown < length && body[shown] != '\n' && body[shown] != '\r')
        fputs("...", file);
}

/* --- the URL of the endpoint ---------------------------------------------- */

/* The last path segment ("heap" of "/debug/pprof/heap"), malloc'ed. */
static char *last_segment(const char *path)
{
    const char *slash = strrchr(path, '/');
    return xstrdup(slash ? slash + 1 : path);
}

/* Removes every seconds=... from query, returning the last value seen (or
 * NULL) in *seconds_value; both malloc'ed. */
static char *query_without_seconds(const char *query, char **seconds_value)
{
    *seconds_value = NULL;
    size_t length = query ? strlen(query) : 0;
    char *kept = xmalloc(length + 1);
    size_t kept_length = 0;
    const char *part = query;
    while (part && *part) {
        const char *end = strchr(part, '&');
        size_t part_length = end ? (size_t)(end - part) : strlen(part);
        if (part_length >= 8 && strncmp(part, "seconds=", 8) == 0) {
            free(*seconds_value);
            *seconds_value = xmalloc(part_length - 8 + 1);
            memcpy(*seconds_value, part + 8, part_length - 8);
            (*seconds_value)[part_length - 8] = '\0';
        } else if (part_length > 0) {
            if (kept_length)
                kept[kept_length++] = '&';
            memcpy(kept + kept_length, part, part_length);
            kept_length += part_length;
        }
        part = end ? end + 1 : NULL;
    }
    kept[kept_length] = '\0';
    return kept;
}

struct endpoint {
    char *url;        /* what is fetched */
    char *profile;    /* profile name ("profile" = CPU), or the path's last segment */
    long seconds;     /* seconds= sent, 0 = none */
};

static void endpoint_free(struct endpoint *endpoint)
{
    free(endpoint->url);
    free(endpoint->profile);
}

/* Works out the endpoint URL from the options. Returns 0, or -1 after
 * printing why (a usage error). */
static int resolve_endpoint(const struct fetch_options *options, struct endpoint *endpoint)
{
    memset(endpoint, 0, sizeof *endpoint);
    char error[256];
    struct http_url *url = http_url_parse(options->url, error, sizeof error);
    if (!url) {
        fprintf(stderr, "ember fetch: %s: not a URL to fetch: %s\n", options->url, error);
        return -1;
    }
    char *path = options->suffix ? xstrdup(options->suffix) : http_url_path(url);
    if (path[0] != '/') {
        char *absolute = xmalloc(strlen(path) + 2);
        absolute[0] = '/';
        strcpy(absolute + 1, path);
        free(path);
        path = absolute;
    }
    const char *wanted = options->profile ? options->profile : "profile";
    size_t path_length = strlen(path);
    char *new_path = NULL;
    if (strcmp(path, "/") == 0) {
        new_path = xmalloc(sizeof "/debug/pprof/" + strlen(wanted));
        sprintf(new_path, "/debug/pprof/%s", wanted);
    } else if (path[path_length - 1] == '/' || has_suffix(path, "/pprof")) {
        new_path = xmalloc(path_length + strlen(wanted) + 2);
        sprintf(new_path, "%s%s%s", path, path[path_length - 1] == '/' ? "" : "/", wanted);
    }
    if (new_path) {
        free(path);
        path = new_path;
    }
    endpoint->profile = last_segment(path);
    if (options->profile && strcmp(endpoint->profile, options->profile) != 0) {
        fprintf(stderr, "ember fetch: the URL names the profile '%s' but --profile says '%s'\n",
                endpoint->profile, options->profile);
        free(path);
        http_url_free(url);
        endpoint_free(endpoint);
        return -1;
    }

    /* seconds=: --seconds wins; else the URL's own; CPU profiles always get one. */
    char *query = http_url_query(url);
    char *url_seconds;
    char *kept_query = query_without_seconds(query, &url_seconds);
    long seconds = options->seconds;
    if (!seconds && url_seconds && parse_seconds("the URL's seconds=", url_seconds, &seconds) < 0) {
        seconds = -1;
    } else if (!seconds && strcmp(endpoint->profile, "profile") == 0) {
        seconds = DEFAULT_CPU_SECONDS;
    }
    int status = seconds < 0 ? -1 : 0;
    if (status == 0) {
        endpoint->seconds = seconds;
        char *new_query = xmalloc(strlen(kept_query) + 32);
        if (seconds)
            sprintf(new_query, "%s%sseconds=%ld", kept_query, kept_query[0] ? "&" : "", seconds);
        else
            strcpy(new_query, kept_query);
        if (http_url_set_path(url, path) < 0 || http_url_set_query(url, new_query) < 0) {
            fprintf(stderr, "ember fetch: %s: cannot use path '%s'\n", options->url, path);
            status = -1;
        } else {
            endpoint->url = http_url_string(url);
        }
        free(new_query);
    }
    free(kept_query);
    free(url_seconds);
    free(query);
    free(path);
    http_url_free(url);
    if (status < 0)
        endpoint_free(endpoint);
    return status;
}

/* --- errors of the answer -------------------------------------------------- */

/* Prints the one-line message for an answer that is not a 2xx profile. */
static void report_http_failure(const struct endpoint *endpoint, const struct http_response *response,
                                double timeout, size_t max_bytes)
{
    const char *url = endpoint->url;
    switch (response->outcome) {
    case HTTP_FETCH_ANSWERED: break;
    case HTTP_FETCH_REFUSED:
        fprintf(stderr, "ember fetch: %s: connection refused; is the program running and "
                        "listening there?\n", url);
        return;
    case HTTP_FETCH_TIMEOUT:
        fprintf(stderr, "ember fetch: %s: no complete answer within %g s (--timeout)\n", url,
                timeout);
        return;
    case HTTP_FETCH_TOO_LARGE:
        fprintf(stderr, "ember fetch: %s: the answer is larger than %zu bytes (--max-size)\n",
                url, max_bytes);
        return;
    case HTTP_FETCH_RESOLVE:
    case HTTP_FETCH_BAD_URL:
    case HTTP_FETCH_CONNECT:
    case HTTP_FETCH_TRANSFER:
        fprintf(stderr, "ember fetch: %s: %s\n", url, response->message);
        return;
    }
    const char *body = response->body ? response->body : "";
    if (response->status == 404 && strncmp(body, "Unknown profile", 15) == 0) {
        fprintf(stderr, "ember fetch: %s: the program has no profile named '%s' "
                        "(HTTP 404 Unknown profile)\n", url, endpoint->profile);
    } else if (response->status == 404) {
        fprintf(stderr, "ember fetch: no pprof endpoint at %s; is net/http/pprof imported?\n",
                url);
    } else if (strstr(body, "cpu profiling already in use")) {
        fprintf(stderr, "ember fetch: %s: the program is already recording a CPU profile "
                        "(HTTP %ld: cpu profiling already in use); retry when it ends\n",
                url, response->status);
    } else {
        fprintf(stderr, "ember fetch: %s: HTTP %ld: ", url, response->status);
        print_excerpt(stderr, body, response->length, 200);
        fputc('\n', stderr);
    }
}

/* The hint printed when a profile has no samples. */
static const char *empty_profile_hint(const char *profile)
{
    if (strcmp(profile, "block") == 0)
        return "; the program records blocking only after runtime.SetBlockProfileRate(rate > 0)";
    if (strcmp(profile, "mutex") == 0)
        return "; the program records contention only after "
               "runtime.SetMutexProfileFraction(rate > 0)";
    return "";
}

/* --- the command ---------------------------------------------------------- */

enum option_code {
    OPTION_PROFILE = 256,
    OPTION_SAMPLE_TYPE,
    OPTION_TIMEOUT,
    OPTION_MAX_SIZE,
    OPTION_TITLE,
    OPTION_WIDTH,
    OPTION_COLORS,
    OPTION_HASH,
    OPTION_INVERTED,
    OPTION_REVERSE,
};

/* Parses argv into options. Returns 0, 1 for --help (printed), or -1 after
 * printing a usage error (one line, or getopt's line and a pointer to --help). */
static int parse_arguments(int argc, char **argv, struct fetch_options *options)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"file", required_argument, NULL, 'f'},
        {"print", no_argument, NULL, 'p'},
        {"raw", no_argument, NULL, 'r'},
        {"url", required_argument, NULL, 'u'},
        {"suffix", required_argument, NULL, 's'},
        {"seconds", required_argument, NULL, 't'},
        {"time", required_argument, NULL, 't'},
        {"profile", required_argument, NULL, OPTION_PROFILE},
        {"sample-type", required_argument, NULL, OPTION_SAMPLE_TYPE},
        {"timeout", required_argument, NULL, OPTION_TIMEOUT},
        {"max-size", required_argument, NULL, OPTION_MAX_SIZE},
        {"title", required_argument, NULL, OPTION_TITLE},
        {"width", required_argument, NULL, OPTION_WIDTH},
        {"colors", required_argument, NULL, OPTION_COLORS},
        {"hash", no_argument, NULL, OPTION_HASH},
        {"inverted", no_argument, NULL, OPTION_INVERTED},
        {"reverse", no_argument, NULL, OPTION_REVERSE},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    memset(options, 0, sizeof *options);
    profile_filter_options_init(&options->filters);
    svg_options_init(&options->svg);
    options->max_bytes = DEFAULT_MAX_BYTES;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "o:f:pru:s:t:h", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&options->filters, option, optarg, "fetch");
        if (filter_taken < 0)
            return -1;
        if (filter_taken > 0)
            continue;
        switch (option) {
        case 'o':
        case 'f':
            if (options->output_path) {
                fprintf(stderr, "ember fetch: -o/-f given twice\n");
                return -1;
            }
            options->output_path = optarg;
            break;
        case 'p': options->print = 1; break;
        case 'r': options->raw = 1; break;
        case 'u':
            if (options->url) {
                fprintf(stderr, "ember fetch: more than one URL\n");
                return -1;
            }
            options->url = optarg;
            break;
        case 's': options->suffix = optarg; break;
        case 't':
            if (parse_seconds("--seconds", optarg, &options->seconds) < 0)
                return -1;
            break;
        case OPTION_PROFILE:
            options->profile = strcmp(optarg, "cpu") == 0 ? "profile" : optarg;
            if (!is_known_profile(options->profile)) {
                fprintf(stderr, "ember fetch: --profile '%s': expected one of profile (or cpu), "
                                "heap, allocs, goroutine, block, mutex, threadcreate\n", optarg);
                return -1;
            }
            break;
        case OPTION_SAMPLE_TYPE: options->sample_type = optarg; break;
        case OPTION_TIMEOUT:
            if (parse_positive("timeout", optarg, &options->timeout) < 0)
                return -1;
            break;
        case OPTION_MAX_SIZE:
            if (parse_size(optarg, &options->max_bytes) < 0)
                return -1;
            break;
        case OPTION_TITLE: options->svg.title = optarg; break;
        case OPTION_WIDTH:
            if (parse_positive("width", optarg, &options->svg.width) < 0)
                return -1;
            break;
        case OPTION_COLORS: options->svg.colors = optarg; break;
        case OPTION_HASH: options->svg.hash = 1; break;
        case OPTION_INVERTED: options->svg.inverted = 1; break;
        case OPTION_REVERSE: options->svg.reverse = 1; break;
        case 'h': usage(stdout); return 1;
        default:
            fprintf(stderr, "usage: ember fetch [OPTIONS] [URL]; see `ember fetch --help`\n");
            return -1;
        }
    }
    if (optind < argc) {
        if (options->url || optind + 1 < argc) {
            fprintf(stderr, "ember fetch: more than one URL\n");
            return -1;
        }
        options->url = argv[optind];
    }
    if (!options->url)
        options->url = DEFAULT_URL;
    if (options->print && options->output_path) {
        fprintf(stderr, "ember fetch: -p/--print writes to standard output; it cannot go with -o\n");
        return -1;
    }
    if (options->print && options->raw) {
        fprintf(stderr, "ember fetch: choose -p (SVG) or -r (folded stacks) for standard output\n");
        return -1;
    }
    if (options->raw && options->output_path && !has_suffix(options->output_path, ".pb.gz")) {
        fprintf(stderr, "ember fetch: --raw keeps the downloaded bytes, so -o must end in .pb.gz "
                        "(without -o, --raw prints folded stacks)\n");
        return -1;
    }
    if (options->raw && options->output_path && options->filters.given) {
        fprintf(stderr, "ember fetch: filters have no effect on --raw bytes; "
                        "drop --raw or the filters\n");
        return -1;
    }
    if (options->raw && options->output_path && options->sample_type) {
        fprintf(stderr, "ember fetch: --sample-type has no effect on --raw bytes; "
                        "drop one of them\n");
        return -1;
    }
    return 0;
}

/* Reads the body as pprof into profile. Returns 0, or -1 after printing why. */
static int read_body(const struct endpoint *endpoint, const struct http_response *response,
                     struct profile *profile)
{
    const struct format *pprof = format_by_name("pprof");
    if (!pprof || !pprof->read) {
        fprintf(stderr, "ember fetch: this ember was built without a pprof reader\n");
        return -1;
    }
    if (response->length == 0) {
        fprintf(stderr, "ember fetch: %s: the answer is empty, not a pprof profile\n",
                endpoint->url);
        return -1;
    }
    if (pprof->probe && pprof->probe(response->body, response->length) == 0) {
        fprintf(stderr, "ember fetch: %s: the answer is not a pprof profile (Content-Type %s; "
                        "starts with \"", endpoint->url,
                response->content_type[0] ? response->content_type : "none");
        print_excerpt(stderr, response->body, response->length, 40);
        fprintf(stderr, "\")\n");
        return -1;
    }
    struct input input;
    input_open_memory(&input, response->body, response->length, endpoint->url);
    struct read_options read_options = {0};
    struct read_statistics statistics = {0};
    int status = format_read_input(&input, pprof, profile, &read_options, &statistics);
    input_close(&input);
    if (status == 0 && statistics.samples == 0) {
        fprintf(stderr, "ember fetch: %s: the %s profile has no samples%s\n", endpoint->url,
                endpoint->profile, empty_profile_hint(endpoint->profile));
        status = -1;
    }
    return status;
}

/* Writes the downloaded bytes unchanged (--raw -o FILE.pb.gz). */
static int write_raw(const char *path, const struct http_response *response)
{
    struct output output;
    if (output_open(&output, path) < 0)
        return -1;
    if (fwrite(response->body, 1, response->length, output.file) != response->length) {
        output_abort(&output);
        fprintf(stderr, "ember fetch: %s: write failed\n", path);
        return -1;
    }
    return output_commit(&output);
}

/* Names the drawn sample type in the SVG's tooltips and subtitle. */
static void label_svg(struct svg_options *svg, const struct profile *profile, size_t sample_type,
                      const char *url, char *subtitle, size_t subtitle_size)
{
    const struct sample_type *type = &profile->sample_types[sample_type];
    const char *type_name = profile_string(profile, type->type);
    const char *unit = profile_string(profile, type->unit);
    profile_label_counts(svg, profile, sample_type);
    snprintf(subtitle, subtitle_size, "%s: %s%s%s%s", url, type_name[0] ? type_name : "samples",
             unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
    if (!svg->subtitle)
        svg->subtitle = subtitle;
}

int command_fetch(int argc, char **argv)
{
    struct fetch_options options;
    int parsed = parse_arguments(argc, argv, &options);
    if (parsed == 1)
        return 0;
    if (parsed < 0)
        return 2;

    /* Decide the output before waiting for a profile. */
    struct profile_destination destination = {.path = "-", .svg = 1};
    int keep_raw = options.raw && options.output_path;
    if (options.raw && !options.output_path) {
        destination.svg = 0;
        destination.format = format_by_name("folded");
    } else if (keep_raw) {
        destination.path = options.output_path;
        destination.svg = 0;
    } else if (!options.print) {
        const char *path = options.output_path ? options.output_path : DEFAULT_OUTPUT;
        if (strcmp(path, "-") != 0 &&
            profile_destination_for_path(&destination, path, "fetch") < 0)
            return 2;
    }

    struct profile_filter *filter = NULL;
    if (profile_filter_options_compile(&options.filters, "fetch", &filter) < 0)
        return 2;
    struct endpoint endpoint;
    if (resolve_endpoint(&options, &endpoint) < 0) {
        profile_filter_destroy(filter);
        return 2;
    }
    double timeout = options.timeout > 0 ? options.timeout
                                         : (double)(endpoint.seconds + TIMEOUT_MARGIN_SECONDS);
    int show_progress = isatty(STDERR_FILENO);
    if (endpoint.seconds && show_progress)
        fprintf(stderr, "ember fetch: fetching %s (the program records for %ld s)\n",
                endpoint.url, endpoint.seconds);

    struct http_request request = {
        .url = endpoint.url, .timeout_seconds = timeout, .max_bytes = options.max_bytes};
    struct http_response response;
    int status = http_fetch(&request, &response);
    if (status == 0 && (response.status < 200 || response.status > 299))
        status = -1;
    if (status < 0)
        report_http_failure(&endpoint, &response, timeout, options.max_bytes);

    struct profile *profile = profile_create();
    if (status == 0)
        status = read_body(&endpoint, &response, profile);
    if (status == 0 && keep_raw) {
        status = write_raw(destination.path, &response);
    } else if (status == 0) {
        long sample_type = profile_sample_type_or_report(profile, options.sample_type, "fetch",
                                                         endpoint.url);
        char subtitle[1024];
        if (sample_type < 0) {
            status = -1;
        } else {
            profile_filter_options_apply(filter, &profile, (size_t)sample_type, "fetch");
            label_svg(&options.svg, profile, (size_t)sample_type, endpoint.url, subtitle,
                      sizeof subtitle);
            status = profile_destination_write(&destination, profile, (size_t)sample_type,
                                               &options.svg);
        }
    }
    if (status == 0 && show_progress && strcmp(destination.path, "-") != 0)
        fprintf(stderr, "ember fetch: wrote %s\n", destination.path);
    profile_destroy(profile);
    profile_filter_destroy(filter);
    http_response_free(&response);
    endpoint_free(&endpoint);
    return status == 0 ? 0 : 1;
}
