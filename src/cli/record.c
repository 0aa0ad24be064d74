/* record.c — `ember record`: samples a command, running processes or the
 * whole system with perf_event_open (src/record/sampler.c), turns the
 * records into a profile (src/record/session.c) and writes it in the format
 * -o's extension names (a flame graph by default), in one step.
 *
 * The loop: drain the ring buffers into the session every 100 ms or when
 * poll wakes up, until the launched command exits, every attached process
 * is gone, -d's time is up, or SIGINT/SIGTERM arrives. Then the events are
 * disabled, the buffers drained a last time, the session symbolizes, and
 * the output is written atomically. A launched command's exit status is
 * ember's.
 *
 * A Python target (the command is python, or a script whose "#!" line
 * names it; an attached pid running python or mapping libpython; or
 * --python) is sampled instead by src/record/python_sampler.c, which reads
 * the interpreter's stacks from outside the process and fills the profile
 * itself; the same filters, writers, summary and exit status follow.
 */
#include "commands.h"
#include "profile_filters.h"
#include "write_profile.h"
#include "../record/python_launch.h"
#include "../record/python_sampler.h"
#include "../record/sampler.h"
#include "../record/session.h"
#include "../util/memory.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember record [OPTIONS] -- COMMAND [ARGS...]\n"
            "       ember record [OPTIONS] -p PID[,PID...]\n"
            "       ember record [OPTIONS] -a\n"
            "\n"
            "Samples where CPU time goes with perf_event_open (no perf tool needed) and\n"
            "writes the profile: a flame graph (ember.svg) unless -o names another format.\n"
            "Runs COMMAND and follows its threads, forks and execs; or attaches to running\n"
            "processes (every thread, including threads created later; the processes are\n"
            "only observed, never stopped); or samples every process (-a). Recording ends\n"
            "when the command exits, the attached processes are gone, -d's time is up, or\n"
            "on Ctrl-C (SIGINT) or SIGTERM; the output is written in every case. With a\n"
            "command, ember exits with its exit status (127/126 when it cannot be run, as a\n"
            "shell; 0 when -d ended it); a signal ember receives from another process is\n"
            "passed on to the command, as a terminal would; -d's end sends it SIGTERM.\n"
            "\n"
            "Options:\n"
            "  -F, --freq HZ         samples per second and CPU (default 99)\n"
            "  -d, --duration SECONDS  stop recording after this many seconds\n"
            "  -o, --output FILE     where to write (default ember.svg); the extension chooses:\n"
            "                        .svg flame graph, .html viewer, .folded, .pb.gz, .json ...\n"
            "  -g                    call graphs (the default: frame pointers + DWARF)\n"
            "      --call-graph MODE fp: the kernel's frame-pointer chains only; dwarf[,SIZE]:\n"
            "                        SIZE bytes of user stack (default 8192) per sample,\n"
            "                        unwound with the binaries' CFI; fp+dwarf[,SIZE] (default):\n"
            "                        both, the DWARF unwind used where it reaches further\n"
            "                        (libraries built without frame pointers)\n"
            "  -m, --mmap-pages N    ring-buffer pages per CPU, a power of two (default 128,\n"
            "                        1024 with DWARF); more if the summary reports lost samples\n"
            "  -p, --attach PID[,PID...]  attach to running processes\n"
            "  -a, --all-cpus        every process on every CPU (needs perf_event_paranoid <= 0\n"
            "                        or CAP_PERFMON)\n"
            "      --kernel          kernel stacks are required (an error when not permitted)\n"
            "                        and kernel frames get _[k] (as `collapse --kernel`)\n"
            "      --user-only       never sample kernel code (by default kernel stacks are\n"
            "                        recorded when permitted, silently left out otherwise)\n"
            "      --pid             root frame is \"comm-PID\" (as `collapse --pid`)\n"
            "      --tid             root frame is \"comm-PID/TID\"\n"
            "      --jit             append _[j] to JIT frames (/tmp/perf-PID.map)\n"
            "      --addrs           unknown frames show their address\n"
            "      --inline          expand inlined functions (DWARF debug info)\n"
            "      --context         with --inline, append \":file:line\" to those frames\n"
            "      --threads         a root frame per thread (as --tid)\n"
            "      --title TEXT      the flame graph's title (default \"Flame Graph\")\n"
            "  -h, --help            this text\n"
            "\n"
            "Python (CPython 3.6 to 3.13, read from outside the process; chosen by itself\n"
            "when the command or the attached process is python, or with --python):\n"
            "      --python          sample Python stacks (file:function:line frames); an\n"
            "                        error if the target is not CPython. -F default 100\n"
            "      --idle            keep threads that are not running (default: only\n"
            "                        threads the OS shows running, state R)\n"
            "      --gil             only the thread holding the GIL\n"
            "      --subprocesses    follow Python child processes (root frame per process\n"
            "                        with --pid)\n"
            "      --blocking        pause the target's threads (ptrace) for each sample:\n"
            "                        stacks are never torn, the target runs slower\n"
            "      --native          merge each thread's native stack (C extensions, libc)\n"
            "                        with its Python frames; implies --blocking\n"
            "      --memory          the resident set's change per sample, charged to the\n"
            "                        thread holding the GIL (memory_allocated/_released)\n"
            "      --kernel-snapshots  take every stack in the kernel, at the CPU tick that\n"
            "                        interrupts the thread (eBPF; root): one moment's stack,\n"
            "                        however short its calls. The default for CPU samples\n"
            "                        when possible; an error when not\n"
            "      --read-memory     read stacks from this process (process_vm_readv), the\n"
            "                        default with --idle, --gil, --blocking, --memory or\n"
            "                        without root: drops calls shorter than a read\n"
            "  --pid and --tid/--threads add process and thread root frames.\n");
    profile_filter_options_usage(file);
    fprintf(file,
            "\n"
            "Examples:\n"
            "  ember record -- ./program args        # run it, write ember.svg\n"
            "  ember record -F 999 -o out.html -p 1234 -d 10\n"
            "  sudo ember record -a -d 5 -o system.folded\n"
            "  ember record -o app.html -- python3 app.py   # Python stacks\n"
            "  ember record -F 1000 --threads -d 10 -p $(pgrep -f server.py)\n");
}

enum option_code {
    OPTION_CALL_GRAPH = 256,
    OPTION_KERNEL,
    OPTION_USER_ONLY,
    OPTION_PID,
    OPTION_TID,
    OPTION_JIT,
    OPTION_ADDRS,
    OPTION_INLINE,
    OPTION_CONTEXT,
    OPTION_TITLE,
    OPTION_THREADS,
    OPTION_PYTHON,
    OPTION_IDLE,
    OPTION_GIL,
    OPTION_SUBPROCESSES,
    OPTION_BLOCKING,
    OPTION_NATIVE,
    OPTION_KERNEL_SNAPSHOTS,
    OPTION_READ_MEMORY,
    OPTION_MEMORY,
};

struct record_request {
    struct sampler_options sampler;
    struct record_session_options session;
    pid_t *pids;
    double duration;          /* seconds, 0: until the target ends */
    const char *output_path;
    const char *title;
    int kernel_annotated;
    struct python_sampler_options python; /* Python mode's options */
    int python_forced;                    /* --python, or a Python-only option */
};

/* The signal state the handlers write: the only mutable statics here, as
 * a signal handler has nowhere else to write. */
static volatile sig_atomic_t stop_signal;       /* SIGINT or SIGTERM received */
static volatile sig_atomic_t stop_from_process; /* sent by kill(), not by the terminal */

static void on_stop_signal(int signal_number, siginfo_t *info, void *unused)
{
    stop_signal = signal_number;
    stop_from_process = info && (info->si_code == SI_USER || info->si_code == SI_QUEUE);
}

static void on_child_signal(int signal_number)
{
    /* Nothing: its only purpose is to interrupt poll() when the child exits. */
}

static void install_signal_handlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_sigaction = on_stop_signal;
    action.sa_flags = SA_SIGINFO; /* no SA_RESTART: poll returns EINTR */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_handler = on_child_signal;
    action.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
}

static double monotonic_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int parse_unsigned(const char *text, unsigned long maximum, unsigned long *value)
{
    if (!isdigit((unsigned char)text[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long parsed = strtoul(text, &end, 10);
    if (errno || *end || parsed > maximum)
        return -1;
    *value = parsed;
    return 0;
}

/* "fp", "dwarf", "dwarf,SIZE", "fp+dwarf", "fp+dwarf,SIZE". */
static int parse_call_graph(const char *text, struct sampler_options *options)
{
    const char *comma = strchr(text, ',');
    size_t mode_length = comma ? (size_t)(comma - text) : strlen(text);
    if (mode_length == 2 && strncmp(text, "fp", 2) == 0 && !comma)
        options->call_graph = SAMPLER_CALL_GRAPH_FP;
    else if (mode_length == 5 && strncmp(text, "dwarf", 5) == 0)
        options->call_graph = SAMPLER_CALL_GRAPH_DWARF;
    else if (mode_length == 8 && strncmp(text, "fp+dwarf", 8) == 0)
        options->call_graph = SAMPLER_CALL_GRAPH_FP_DWARF;
    else {
        fprintf(stderr, "ember record: --call-graph %s: expected fp, dwarf[,SIZE] or "
                        "fp+dwarf[,SIZE]\n", text);
        return -1;
    }
    if (comma) {
        unsigned long size;
        /* The kernel takes at most 65528 bytes (a record is at most 64 KiB). */
        if (parse_unsigned(comma + 1, 65528, &size) != 0 || size < 8) {
            fprintf(stderr, "ember record: --call-graph %s: the stack size must be 8 to 65528 "
                            "bytes\n", text);
            return -1;
        }
        options->stack_size = (unsigned)((size + 7) & ~7ul);
    }
    return 0;
}

/* "123,456" -> pids (appended). */
static int parse_pids(const char *text, pid_t *pids, size_t *count, size_t capacity)
{
    const char *cursor = text;
    for (;;) {
        char *end;
        errno = 0;
        long pid = strtol(cursor, &end, 10);
        if (end == cursor || errno || pid <= 0 || pid > INT_MAX || (*end && *end != ',')) {
            fprintf(stderr, "ember record: -p %s: expected PID[,PID...] (positive numbers)\n",
                    text);
            return -1;
        }
        if (*count >= capacity) {
            fprintf(stderr, "ember record: -p: too many pids\n");
            return -1;
        }
        pids[(*count)++] = (pid_t)pid;
        if (!*end)
            return 0;
        cursor = end + 1;
    }
}

static unsigned long max_sample_rate(void)
{
    unsigned long rate = 100000;
    int fd = open("/proc/sys/kernel/perf_event_max_sample_rate", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char text[32];
        ssize_t length = read(fd, text, sizeof text - 1);
        close(fd);
        if (length > 0) {
            text[length] = '\0';
            char *end;
            unsigned long value = strtoul(text, &end, 10);
            if (end != text)
                rate = value;
        }
    }
    return rate;
}

static int consume_record(const struct perf_event_header *record, void *context)
{
    return record_session_add_record(context, record) == 0 ? 0 : 1;
}

/* Every process alive now (-a): their comm, threads and mappings. */
static void add_every_process(struct record_session *session)
{
    DIR *directory = opendir("/proc");
    if (!directory)
        return;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (end != entry->d_name && !*end && pid > 0)
            record_session_add_existing_process(session, (int)pid); /* gone meanwhile: fine */
    }
    closedir(directory);
}

static int any_process_alive(const pid_t *pids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (kill(pids[i], 0) == 0 || errno == EPERM)
            return 1;
    return 0;
}

/* How the recording ended. */
struct record_outcome {
    int child_exited;      /* the launched command ended; child_status is valid */
    int child_status;
    int duration_ended;    /* -d's time was up */
    int targets_gone;      /* every attached process exited */
    int error;             /* reading the records failed (message printed) */
    double seconds;
};

static void record_loop(struct sampler *sampler, struct record_session *session,
                        const struct record_request *request, struct record_outcome *outcome)
{
    pid_t child = sampler_child_pid(sampler);
    double start = monotonic_seconds();
    double deadline = request->duration > 0 ? start + request->duration : 0;
    for (;;) {
        int timeout_ms = 100;
        if (deadline > 0) {
            double left = deadline - monotonic_seconds();
            if (left <= 0) {
                outcome->duration_ended = 1;
                break;
            }
            if (left * 1000 < timeout_ms)
                timeout_ms = (int)(left * 1000) + 1;
        }
        if (sampler_drain(sampler, timeout_ms, consume_record, session) < 0) {
            fprintf(stderr, "ember record: %s\n", sampler_error(sampler));
            outcome->error = 1;
            break;
        }
        if (child > 0) {
            pid_t waited = waitpid(child, &outcome->child_status, WNOHANG);
            if (waited == child) {
                outcome->child_exited = 1;
                break;
            }
        }
        if (stop_signal)
            break;
        if (request->sampler.target == SAMPLER_TARGET_PIDS &&
            (!sampler_targets_alive(sampler) ||
             !any_process_alive(request->sampler.pids, request->sampler.pid_count))) {
            outcome->targets_gone = 1;
            break;
        }
    }
    outcome->seconds = monotonic_seconds() - start;
    sampler_disable(sampler);
    if (!outcome->error && sampler_drain(sampler, 0, consume_record, session) < 0) {
        fprintf(stderr, "ember record: %s\n", sampler_error(sampler));
        outcome->error = 1;
    }
}

/* The shell's exit status for a command that could not be executed. */
static int exec_failure_status(int error_number)
{
    return error_number == ENOENT ? 127 : 126;
}

static void print_summary(const struct record_session_stats *stats,
                          const struct sampler_stats *sampler_stats, double seconds,
                          int written, const struct record_request *request)
{
    uint64_t lost = stats->lost_samples > sampler_stats->lost_samples ? stats->lost_samples
                                                                      : sampler_stats->lost_samples;
    fprintf(stderr, "ember record: %llu samples, %llu lost", (unsigned long long)stats->samples,
            (unsigned long long)lost);
    if (sampler_stats->throttles)
        fprintf(stderr, " (throttled %llu times: lower -F)",
                (unsigned long long)sampler_stats->throttles);
    else if (lost)
        fprintf(stderr, " (buffers overflowed: raise -m or lower -F)");
    fprintf(stderr, ", %.2f s at %u Hz%s, %s %s\n", seconds,
            request->sampler.frequency ? request->sampler.frequency : SAMPLER_DEFAULT_FREQUENCY,
            sampler_stats->kernel_excluded ? ", user space only" : "",
            written ? "wrote" : "nothing written to", request->output_path);
}

/* Symbolizes, filters and writes. Returns 0, or -1 after a message. */
static int write_recording(struct record_session *session, struct profile **profile,
                           const struct profile_filter *filter,
                           const struct profile_destination *destination,
                           const struct record_request *request, uint64_t lost_samples)
{
    if (record_session_finish(session) != 0)
        return -1;
    if (record_session_stats(session)->samples == 0 || (*profile)->sample_type_count == 0) {
        if (lost_samples > 0)
            fprintf(stderr, "ember record: every sample was lost (%llu): the ring buffers "
                            "overflowed; raise -m or lower -F\n",
                    (unsigned long long)lost_samples);
        else
            fprintf(stderr, "ember record: no samples were recorded (the target used no CPU "
                            "time while sampled; try a higher -F)\n");
        return -1;
    }
    long sample_type = profile_sample_type_or_report(*profile, NULL, "record", "recording");
    if (sample_type < 0)
        return -1;
    profile_filter_options_apply(filter, profile, (size_t)sample_type, "record");
    struct svg_options svg;
    svg_options_init(&svg);
    profile_label_counts(&svg, *profile, (size_t)sample_type);
    svg.title = request->title;
    return profile_destination_write(destination, *profile, (size_t)sample_type, &svg);
}

/* Runs one recording once the options are checked. Returns the exit status. */
static int record_with(const struct record_request *request, const struct profile_filter *filter,
                       const struct profile_destination *destination)
{
    char error[2048];
    struct sampler *sampler = sampler_open(&request->sampler, error, sizeof error);
    if (!sampler) {
        fprintf(stderr, "ember record: %s\n", error);
        return 1;
    }
    struct profile *profile = profile_create();
    struct record_session *session = record_session_create(profile, &request->session);
    size_t id_count;
    const uint64_t *ids = sampler_ids(sampler, &id_count);
    if (record_session_add_event(session, sampler_attr(sampler), ids, id_count) != 0) {
        record_session_destroy(session);
        profile_destroy(profile);
        sampler_close(sampler);
        return 1;
    }
    install_signal_handlers();
    /* The kernel's symbols are read before the command starts (as perf
     * does): /proc/kallsyms costs tens of milliseconds of CPU, which would
     * otherwise be taken beside the workload, from it when the machine is
     * busy. */
    record_session_wait_kernel_symbols(session);
    if (sampler_enable(sampler) != 0) {
        int status = 1;
        if (sampler_exec_errno(sampler)) {
            fprintf(stderr, "ember record: %s: %s\n", request->sampler.command[0],
                    strerror(sampler_exec_errno(sampler)));
            status = exec_failure_status(sampler_exec_errno(sampler));
        } else {
            fprintf(stderr, "ember record: %s\n", sampler_error(sampler));
        }
        record_session_destroy(session);
        profile_destroy(profile);
        sampler_close(sampler);
        return status;
    }
    if (request->sampler.target == SAMPLER_TARGET_PIDS) {
        for (size_t i = 0; i < request->sampler.pid_count; i++)
            if (record_session_add_existing_process(session, request->sampler.pids[i]) != 0)
                fprintf(stderr, "ember record: pid %d: could not read its /proc entries "
                                "(it exited?)\n", (int)request->sampler.pids[i]);
    } else if (request->sampler.target == SAMPLER_TARGET_SYSTEM) {
        add_every_process(session);
    }

    struct record_outcome outcome = {0};
    record_loop(sampler, session, request, &outcome);
    pid_t child = sampler_child_pid(sampler);
    int child_running = child > 0 && !outcome.child_exited;
    /* A signal sent to ember by another process reaches the command too (a
     * terminal's Ctrl-C reached it already, with ember's process group). */
    if (child_running && stop_signal && stop_from_process)
        kill(child, stop_signal);
    if (outcome.targets_gone)
        fprintf(stderr, "ember record: the attached process%s exited; writing what was "
                        "recorded\n", request->sampler.pid_count > 1 ? "es" : "");

    int written = 0;
    if (!outcome.error && write_recording(session, &profile, filter, destination, request,
                                          sampler_stats(sampler)->lost_samples) == 0)
        written = 1;
    print_summary(record_session_stats(session), sampler_stats(sampler), outcome.seconds,
                  written, request);
    record_session_destroy(session);
    profile_destroy(profile);
    sampler_close(sampler);

    int status = written ? 0 : 1;
    if (child > 0) {
        int terminated_by_duration = 0;
        if (child_running) {
            if (outcome.duration_ended) {
                kill(child, SIGTERM);
                terminated_by_duration = 1;
            }
            while (waitpid(child, &outcome.child_status, 0) < 0 && errno == EINTR)
                ;
        }
        int child_status = outcome.child_status;
        if (terminated_by_duration)
            return status; /* the recording ended as asked; how the command took it is moot */
        if (WIFEXITED(child_status) && (WEXITSTATUS(child_status) != 0 || written))
            status = WEXITSTATUS(child_status);
        else if (WIFSIGNALED(child_status))
            status = 128 + WTERMSIG(child_status);
    }
    return status;
}

static int all_pids_look_like_python(const pid_t *pids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!python_process_looks_like_python((int)pids[i]))
            return 0;
    return count > 0;
}

/* A share of discarded stacks from which the summary says what it costs
 * and what to do. */
#define DISCARDED_WARNING_PERCENT 20.0

static void print_python_summary(const struct python_sampler_stats *stats,
                                 const struct record_request *request, int written)
{
    double rate = stats->seconds > 0 ? (double)stats->rounds / stats->seconds : 0;
    double discarded = stats->stacks_read
                           ? 100.0 * (double)stats->invalid / (double)stats->stacks_read
                           : 0;
    if (stats->snapshots) {
        /* no rounds: one snapshot per CPU tick of a target's thread */
        fprintf(stderr, "ember record: Python %s, %llu samples from kernel snapshots in %.2f s "
                        "(%.0f per s, asked %u per CPU-second), %llu invalid (%.2f%% discarded)",
                stats->version[0] ? stats->version : "?", (unsigned long long)stats->stacks,
                stats->seconds, rate, request->python.frequency, (unsigned long long)stats->invalid,
                discarded);
        if (stats->dropped)
            fprintf(stderr, ", %llu lost (ring buffer full)", (unsigned long long)stats->dropped);
        if (stats->processes > 1)
            fprintf(stderr, ", %llu processes", (unsigned long long)stats->processes);
        if (stats->rounds)
            fprintf(stderr, ", %.1f us CPU per sample", stats->cpu_seconds * 1e6 / (double)stats->rounds);
        if (stats->rounds && stats->kernel_seconds >= 0)
            fprintf(stderr, " + %.1f us in the kernel", stats->kernel_seconds * 1e6 / (double)stats->rounds);
        fprintf(stderr, ", %s %s\n", written ? "wrote" : "nothing written to", request->output_path);
        return;
    }
    fprintf(stderr, "ember record: Python %s, %llu samples in %llu rounds, %.2f s at %.0f Hz "
                    "(asked %u), %llu stacks read, %llu invalid (%.2f%% discarded)",
            stats->version[0] ? stats->version : "?", (unsigned long long)stats->stacks,
            (unsigned long long)stats->rounds, stats->seconds, rate, request->python.frequency,
            (unsigned long long)stats->stacks_read, (unsigned long long)stats->invalid,
            discarded);
    if (!request->python.idle && !request->python.memory)
        fprintf(stderr, ", %llu idle dropped", (unsigned long long)stats->idle);
    if (stats->processes > 1)
        fprintf(stderr, ", %llu processes", (unsigned long long)stats->processes);
    if (stats->rounds)
        fprintf(stderr, ", %.1f us CPU and %.1f process_vm_readv per round",
                stats->cpu_seconds * 1e6 / (double)stats->rounds,
                (double)stats->read_calls / (double)stats->rounds);
    if (stats->late_rounds)
        fprintf(stderr, ", %llu rounds skipped (fell behind: lower -F)",
                (unsigned long long)stats->late_rounds);
    fprintf(stderr, ", %s %s\n", written ? "wrote" : "nothing written to", request->output_path);
    if (stats->method_note[0])
        fprintf(stderr, "ember record: stacks %s\n", stats->method_note);
    if (discarded >= DISCARDED_WARNING_PERCENT && !request->python.blocking)
        fprintf(stderr,
                "ember record: warning: %.0f%% of the stacks changed while they were read and were "
                "dropped, so the profile under-represents the code whose stack changes fastest "
                "(very short calls, generators, asyncio tasks); --blocking pauses the target "
                "for each sample and keeps every stack\n",
                discarded);
}

/* Python mode: launch or attach, sample, write. Returns the exit status. */
static int record_python(const struct record_request *request, const struct profile_filter *filter,
                         const struct profile_destination *destination)
{
    char error[2048];
    struct profile *profile = profile_create();
    profile->keep_timeline = request->session.keep_timeline;
    struct python_sampler *sampler = python_sampler_create(profile, &request->python);
    if (python_sampler_snapshot_error(sampler)) {
        fprintf(stderr, "ember record: %s\n", python_sampler_snapshot_error(sampler));
        python_sampler_destroy(sampler);
        profile_destroy(profile);
        return 2;
    }
    install_signal_handlers();
    int status = 0;
    if (request->sampler.command) {
        int exec_errno = 0;
        if (python_sampler_launch(sampler, request->sampler.command, error, sizeof error,
                                  &exec_errno) != 0) {
            fprintf(stderr, "ember record: %s\n", error);
            if (exec_errno) {
                status = exec_failure_status(exec_errno);
            } else {
                /* Not Python after all (or not readable): the command is not
                 * left running unobserved. */
                pid_t child = python_sampler_child(sampler);
                int child_status = 0;
                int exited = python_sampler_child_status(sampler, &child_status);
                if (!exited && child > 0) {
                    kill(child, SIGTERM); /* nothing if it has exited already */
                    while (waitpid(child, &child_status, 0) < 0 && errno == EINTR)
                        ;
                }
                /* A command that ended before it could be read: its failure
                 * is passed on, as when nothing was recorded in time (our
                 * SIGTERM is not its failure). */
                status = 1;
                if (WIFEXITED(child_status) && WEXITSTATUS(child_status) != 0)
                    status = WEXITSTATUS(child_status);
                else if (exited && WIFSIGNALED(child_status))
                    status = 128 + WTERMSIG(child_status);
            }
            python_sampler_destroy(sampler);
            profile_destroy(profile);
            return status;
        }
    } else {
        for (size_t i = 0; i < request->sampler.pid_count; i++)
            if (python_sampler_attach(sampler, (int)request->pids[i], error, sizeof error) != 0) {
                fprintf(stderr, "ember record: %s\n", error);
                python_sampler_destroy(sampler);
                profile_destroy(profile);
                return 1;
            }
    }
    enum python_sampler_end end = python_sampler_run(sampler, error, sizeof error);
    python_sampler_detach(sampler);
    pid_t child = python_sampler_child(sampler);
    int child_status = 0;
    int child_exited = python_sampler_child_status(sampler, &child_status);
    if (child > 0 && !child_exited && stop_signal && stop_from_process)
        kill(child, stop_signal);
    if (end == PYTHON_SAMPLER_END_GONE)
        fprintf(stderr, "ember record: the attached process%s exited; writing what was "
                        "recorded\n", request->sampler.pid_count > 1 ? "es" : "");
    const struct python_sampler_stats *stats = python_sampler_stats(sampler);
    int written = 0;
    if (stats->stacks == 0 || profile->node_count <= 1) {
        const char *reason = python_sampler_reason(sampler);
        if (stats->rounds == 0 && reason)
            fprintf(stderr, "ember record: nothing was sampled: %s\n", reason);
        else
            fprintf(stderr, "ember record: no samples were recorded (%s%s)\n",
                    request->python.memory ? "the resident set did not change while sampled"
                    : request->python.idle ? "no Python stack was read"
                                           : "no Python thread was running while sampled",
                    request->python.memory || request->python.idle ? ""
                                                                   : "; try --idle");
    } else {
        long sample_type = profile_sample_type_or_report(profile, NULL, "record", "recording");
        struct profile *output = profile;
        if (sample_type >= 0) {
            profile_filter_options_apply(filter, &output, (size_t)sample_type, "record");
            struct svg_options svg;
            svg_options_init(&svg);
            profile_label_counts(&svg, output, (size_t)sample_type);
            svg.title = request->title;
            written = profile_destination_write(destination, output, (size_t)sample_type, &svg) == 0;
            profile = output;
        }
    }
    print_python_summary(stats, request, written);
    python_sampler_destroy(sampler);
    profile_destroy(profile);

    status = written ? 0 : 1;
    if (child > 0) {
        int terminated_by_duration = 0;
        if (!child_exited) {
            if (end == PYTHON_SAMPLER_END_DURATION) {
                kill(child, SIGTERM);
                terminated_by_duration = 1;
            }
            while (waitpid(child, &child_status, 0) < 0 && errno == EINTR)
                ;
        }
        if (terminated_by_duration)
            return status;
        if (WIFEXITED(child_status) && (WEXITSTATUS(child_status) != 0 || written))
            status = WEXITSTATUS(child_status);
        else if (WIFSIGNALED(child_status))
            status = 128 + WTERMSIG(child_status);
    }
    return status;
}

int command_record(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"freq", required_argument, NULL, 'F'},
        {"duration", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"call-graph", required_argument, NULL, OPTION_CALL_GRAPH},
        {"attach", required_argument, NULL, 'p'},
        {"mmap-pages", required_argument, NULL, 'm'},
        {"all-cpus", no_argument, NULL, 'a'},
        {"kernel", no_argument, NULL, OPTION_KERNEL},
        {"user-only", no_argument, NULL, OPTION_USER_ONLY},
        {"pid", no_argument, NULL, OPTION_PID},
        {"tid", no_argument, NULL, OPTION_TID},
        {"jit", no_argument, NULL, OPTION_JIT},
        {"addrs", no_argument, NULL, OPTION_ADDRS},
        {"inline", no_argument, NULL, OPTION_INLINE},
        {"context", no_argument, NULL, OPTION_CONTEXT},
        {"title", required_argument, NULL, OPTION_TITLE},
        {"threads", no_argument, NULL, OPTION_THREADS},
        {"python", no_argument, NULL, OPTION_PYTHON},
        {"idle", no_argument, NULL, OPTION_IDLE},
        {"gil", no_argument, NULL, OPTION_GIL},
        {"subprocesses", no_argument, NULL, OPTION_SUBPROCESSES},
        {"blocking", no_argument, NULL, OPTION_BLOCKING},
        {"native", no_argument, NULL, OPTION_NATIVE},
        {"kernel-snapshots", no_argument, NULL, OPTION_KERNEL_SNAPSHOTS},
        {"read-memory", no_argument, NULL, OPTION_READ_MEMORY},
        {"memory", no_argument, NULL, OPTION_MEMORY},
        {"help", no_argument, NULL, 'h'},
        PROFILE_FILTER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct record_request request;
    memset(&request, 0, sizeof request);
    request.sampler.call_graph = SAMPLER_CALL_GRAPH_FP_DWARF;
    request.sampler.frequency = SAMPLER_DEFAULT_FREQUENCY;
    request.session.include_kernel = 1;
    request.session.real_process_ids = 1; /* a recording knows its pids */
    request.output_path = "ember.svg";
    request.pids = xcalloc((size_t)argc + 1, sizeof *request.pids);
    size_t pid_capacity = (size_t)argc + 1;
    int system_wide = 0, attach = 0, exit_code = -1, frequency_given = 0;
    struct profile_filter_options filter_options;
    profile_filter_options_init(&filter_options);
    unsigned long max_rate = max_sample_rate();
    int option;
    optind = 1;
    /* "+": options end at the command's name, so its own options stay its. */
    while (exit_code < 0 &&
           (option = getopt_long(argc, argv, "+F:d:o:gm:p:ah", long_options, NULL)) != -1) {
        int filter_taken = profile_filter_options_parse(&filter_options, option, optarg, "record");
        if (filter_taken != 0) {
            if (filter_taken < 0)
                exit_code = 2;
            continue;
        }
        unsigned long value;
        switch (option) {
        case 'F':
            if (parse_unsigned(optarg, max_rate, &value) != 0 || value == 0) {
                fprintf(stderr, "ember record: -F %s: expected 1 to %lu samples per second "
                                "(kernel.perf_event_max_sample_rate)\n", optarg, max_rate);
                exit_code = 2;
            }
            request.sampler.frequency = (unsigned)value;
            frequency_given = 1;
            break;
        case 'd': {
            char *end;
            errno = 0;
            request.duration = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(request.duration > 0) ||
                !isfinite(request.duration)) {
                fprintf(stderr, "ember record: -d %s: expected a positive number of seconds\n",
                        optarg);
                exit_code = 2;
            }
            break;
        }
        case 'o': request.output_path = optarg; break;
        case 'm':
            if (parse_unsigned(optarg, 1ul << 20, &value) != 0 || value == 0 ||
                (value & (value - 1)) != 0) {
                fprintf(stderr, "ember record: -m %s: expected a power of two from 1 to %lu "
                                "pages\n", optarg, 1ul << 20);
                exit_code = 2;
            }
            request.sampler.ring_pages = (unsigned)value;
            break;
        case 'g': request.sampler.call_graph = SAMPLER_CALL_GRAPH_FP_DWARF; break;
        case OPTION_CALL_GRAPH:
            if (parse_call_graph(optarg, &request.sampler) != 0)
                exit_code = 2;
            break;
        case 'p':
            attach = 1;
            if (parse_pids(optarg, request.pids, &request.sampler.pid_count, pid_capacity) != 0)
                exit_code = 2;
            break;
        case 'a': system_wide = 1; break;
        case OPTION_KERNEL:
            request.sampler.kernel_required = 1;
            request.session.annotate_kernel = 1;
            break;
        case OPTION_USER_ONLY: request.sampler.user_only = 1; break;
        case OPTION_PID: request.session.root_with_pid = 1; break;
        case OPTION_TID:
        case OPTION_THREADS: request.session.root_with_tid = 1; break;
        case OPTION_PYTHON: request.python_forced = 1; break;
        case OPTION_IDLE: request.python.idle = request.python_forced = 1; break;
        case OPTION_GIL: request.python.gil = request.python_forced = 1; break;
        case OPTION_SUBPROCESSES: request.python.subprocesses = request.python_forced = 1; break;
        case OPTION_BLOCKING: request.python.blocking = request.python_forced = 1; break;
        case OPTION_NATIVE: request.python.native = request.python_forced = 1; break;
        case OPTION_KERNEL_SNAPSHOTS:
            request.python.method = PYTHON_METHOD_SNAPSHOTS;
            request.python_forced = 1;
            break;
        case OPTION_READ_MEMORY:
            request.python.method = PYTHON_METHOD_READS;
            request.python_forced = 1;
            break;
        case OPTION_MEMORY: request.python.memory = request.python_forced = 1; break;
        case OPTION_JIT: request.session.annotate_jit = 1; break;
        case OPTION_ADDRS: request.session.show_addresses = 1; break;
        case OPTION_INLINE: request.session.inline_frames = 1; break;
        case OPTION_CONTEXT: request.session.inline_context = 1; break;
        case OPTION_TITLE: request.title = optarg; break;
        case 'h': usage(stdout); exit_code = 0; break;
        default:
            fprintf(stderr, "ember record: see `ember record --help`\n");
            exit_code = 2;
            break;
        }
    }
    int has_command = optind < argc;
    if (exit_code < 0 && has_command + attach + system_wide != 1) {
        fprintf(stderr, "ember record: give exactly one of: -- COMMAND [ARGS...], -p PID, -a\n");
        exit_code = 2;
    }
    int python = exit_code < 0 &&
                 (request.python_forced ||
                  (has_command && python_command_looks_like_python(argv[optind])) ||
                  (attach && all_pids_look_like_python(request.pids, request.sampler.pid_count)));
    if (python && system_wide) {
        fprintf(stderr, "ember record: Python sampling (--python and its options) needs a "
                        "command or -p PID, not -a\n");
        exit_code = 2;
    }
    if (python && request.python.idle && request.python.gil) {
        fprintf(stderr, "ember record: --idle and --gil contradict each other (--gil keeps "
                        "only the GIL holder)\n");
        exit_code = 2;
    }
    if (exit_code < 0 && request.sampler.kernel_required && request.sampler.user_only) {
        fprintf(stderr, "ember record: --kernel and --user-only contradict each other\n");
        exit_code = 2;
    }
    if (exit_code < 0 && request.session.inline_context && !request.session.inline_frames) {
        fprintf(stderr, "ember record: --context needs --inline\n");
        exit_code = 2;
    }
    struct profile_destination destination;
    if (exit_code < 0 && profile_destination_for_path(&destination, request.output_path,
                                                      "record") < 0)
        exit_code = 2;
    struct profile_filter *filter = NULL;
    if (exit_code < 0 && profile_filter_options_compile(&filter_options, "record", &filter) < 0)
        exit_code = 2;
    if (exit_code < 0) {
        request.sampler.target = has_command ? SAMPLER_TARGET_COMMAND
                                 : attach    ? SAMPLER_TARGET_PIDS
                                             : SAMPLER_TARGET_SYSTEM;
        request.sampler.command = has_command ? argv + optind : NULL;
        request.sampler.pids = request.pids;
        request.session.keep_timeline = destination.html;
        if (request.sampler.user_only)
            request.session.include_kernel = 0;
        if (python) {
            request.python.frequency =
                frequency_given ? request.sampler.frequency : PYTHON_SAMPLER_DEFAULT_FREQUENCY;
            request.python.duration = request.duration;
            request.python.root_process = request.session.root_with_pid;
            request.python.root_thread = request.session.root_with_tid;
            request.python.stop = &stop_signal;
            exit_code = record_python(&request, filter, &destination);
        } else {
            exit_code = record_with(&request, filter, &destination);
        }
    }
    profile_filter_destroy(filter);
    free(request.pids);
    return exit_code;
}
