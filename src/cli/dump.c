/* dump.c — `ember dump -p PID`: prints the Python stack of every thread of
 * a running CPython process once, innermost frame first, as `py-spy dump`
 * does: the thread id, its Linux tid, whether it holds the GIL, then
 * `function (file:line)` lines. It is the stack reader
 * (src/record/python/python_stacks.h) seen from the command line.
 *
 * Exit status: 0 printed; 1 other failure; 2 bad usage; 3 no such
 * process; 4 no permission; 5 not a Python process; 6 unsupported
 * version; 7 interpreter state not found; 8 interpreter not ready.
 */
#include "commands.h"
#include "../record/python/python_stacks.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DUMP_ATTEMPTS 50 /* samples tried until every thread's stack is whole */
#define MAX_DUMP_THREADS 1024

static void usage(FILE *file)
{
    fprintf(file,
            "usage: ember dump -p PID\n"
            "\n"
            "Prints the Python stack of every thread of a running CPython (3.6 to 3.13)\n"
            "process once, innermost frame first: the thread id, the Linux thread id,\n"
            "[GIL] on the thread holding the GIL, then one `function (file:line)` line per\n"
            "frame. The process is read from outside (process_vm_readv), never stopped.\n"
            "A stack that changes while being read is read again.\n"
            "\n"
            "Options:\n"
            "  -p, --pid PID        the process to read\n"
            "  -n, --count N        take N samples back to back instead and print one line\n"
            "                       per thread and sample: TID, a tab, then the frames\n"
            "                       innermost first joined by ';' (or '(invalid)' for a\n"
            "                       stack that changed while being read); the reader's\n"
            "                       counts go to standard error\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 printed, 3 no such process, 4 no permission, 5 not a Python\n"
            "process, 6 unsupported Python version, 7 interpreter state not found, 8 the\n"
            "interpreter is not initialized yet, 1 other failures, 2 bad usage.\n");
}

static int exit_status(enum python_status status)
{
    switch (status) {
    case PYTHON_OK: return 0;
    case PYTHON_NO_PROCESS: return 3;
    case PYTHON_NO_PERMISSION: return 4;
    case PYTHON_NOT_PYTHON: return 5;
    case PYTHON_UNSUPPORTED_VERSION: return 6;
    case PYTHON_NOT_FOUND: return 7;
    case PYTHON_NOT_READY: return 8;
    }
    return 1;
}

/* One thread as printed: its stack copied out of the reader's buffers. */
struct dumped_thread {
    uint64_t thread_id;
    int native_thread_id, holds_gil, valid;
    struct python_frame *frames;
    size_t frame_count;
};

struct dump_state {
    struct dumped_thread threads[MAX_DUMP_THREADS];
    size_t count;
    int all_valid;
};

static void collect_thread(const struct python_thread_stack *stack, void *context)
{
    struct dump_state *state = context;
    if (state->count >= MAX_DUMP_THREADS) return;
    struct dumped_thread *thread = &state->threads[state->count++];
    thread->thread_id = stack->thread_id;
    thread->native_thread_id = stack->native_thread_id;
    thread->holds_gil = stack->holds_gil;
    thread->valid = stack->valid;
    thread->frame_count = 0;
    thread->frames = NULL;
    if (!stack->valid) {
        state->all_valid = 0;
        return;
    }
    /* names are interned by the reader: pointers stay valid while it is open */
    if (stack->frame_count) {
        thread->frames = malloc(stack->frame_count * sizeof *thread->frames);
        if (!thread->frames) {
            thread->valid = 0;
            state->all_valid = 0;
            return;
        }
        memcpy(thread->frames, stack->frames, stack->frame_count * sizeof *thread->frames);
        thread->frame_count = stack->frame_count;
    }
}

static void clear_state(struct dump_state *state)
{
    for (size_t i = 0; i < state->count; i++) free(state->threads[i].frames);
    state->count = 0;
    state->all_valid = 1;
}

static void print_command_line(FILE *file, int pid)
{
    char path[64], buffer[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    FILE *cmdline = fopen(path, "re");
    if (!cmdline) return;
    size_t length = fread(buffer, 1, sizeof buffer - 1, cmdline);
    fclose(cmdline);
    for (size_t i = 0; i + 1 < length; i++)
        if (buffer[i] == '\0') buffer[i] = ' ';
    buffer[length] = '\0';
    fprintf(file, "Process %d: %s\n", pid, buffer);
}

static void sleep_ms(long milliseconds)
{
    struct timespec delay = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    nanosleep(&delay, NULL);
}

static void print_sample_line(const struct python_thread_stack *stack, void *context)
{
    FILE *file = context;
    fprintf(file, "%d\t", stack->native_thread_id);
    if (!stack->valid) {
        fputs("(invalid)\n", file);
        return;
    }
    for (size_t i = 0; i < stack->frame_count; i++)
        fprintf(file, "%s%s (%s:%u)", i ? ";" : "", stack->frames[i].function,
                stack->frames[i].file, stack->frames[i].line);
    fputc('\n', file);
}

static double now_seconds(int clock)
{
    struct timespec time;
    clock_gettime(clock, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* --count: samples back to back, one line per thread and sample. */
static int dump_samples(struct python_reader *reader, long count, enum python_status *status)
{
    double wall = now_seconds(CLOCK_MONOTONIC), cpu = now_seconds(CLOCK_PROCESS_CPUTIME_ID);
    long taken = 0;
    for (; taken < count; taken++) {
        if (python_reader_sample(reader, print_sample_line, stdout, status) < 0) break;
    }
    wall = now_seconds(CLOCK_MONOTONIC) - wall;
    cpu = now_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    const struct python_reader_stats *stats = python_reader_stats(reader);
    fprintf(stderr,
            "ember dump: %ld samples, %llu stacks, %llu invalid, %llu process_vm_readv calls "
            "(%.2f per sample), %.1f us of CPU and %.1f us wall per sample\n",
            taken, (unsigned long long)stats->stacks, (unsigned long long)stats->invalid_stacks,
            (unsigned long long)stats->read_calls,
            taken ? (double)stats->read_calls / (double)taken : 0.0,
            taken ? cpu * 1e6 / (double)taken : 0.0, taken ? wall * 1e6 / (double)taken : 0.0);
    if (fflush(stdout) != 0) return 1;
    if (taken < count) {
        fprintf(stderr, "ember dump: process stopped being readable after %ld samples (%s)\n",
                taken, python_status_name(*status));
        return taken ? 0 : exit_status(*status);
    }
    return 0;
}

int command_dump(int argc, char **argv)
{
    static const struct option options[] = {
        {"pid", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long pid = -1, count = 0;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "p:n:h", options, NULL)) != -1) {
        switch (option) {
        case 'p': {
            char *end;
            pid = strtol(optarg, &end, 10);
            if (*end || pid <= 0 || pid > 0x3fffffff) {
                fprintf(stderr, "ember dump: -p wants a process id, not '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'n': {
            char *end;
            count = strtol(optarg, &end, 10);
            if (*end || count <= 0 || count > 100000000) {
                fprintf(stderr, "ember dump: -n wants a positive count, not '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (pid < 0 || optind < argc) {
        usage(stderr);
        return 2;
    }

    enum python_status status = PYTHON_OK;
    char error[1024];
    struct python_reader *reader = NULL;
    /* a process that is still starting gets a second to initialize */
    for (int attempt = 0; attempt < 20; attempt++) {
        reader = python_reader_open((int)pid, &status, error, sizeof error);
        if (reader || status != PYTHON_NOT_READY) break;
        sleep_ms(50);
    }
    if (!reader) {
        fprintf(stderr, "ember dump: %s\n", error);
        return exit_status(status);
    }

    if (count > 0) {
        int status_code = dump_samples(reader, count, &status);
        python_reader_close(reader);
        return status_code;
    }

    struct dump_state *state = calloc(1, sizeof *state);
    if (!state) {
        python_reader_close(reader);
        fprintf(stderr, "ember dump: out of memory\n");
        return 1;
    }
    int threads = -1;
    for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
        clear_state(state);
        threads = python_reader_sample(reader, collect_thread, state, &status);
        if (threads < 0 || state->all_valid) break;
    }
    if (threads < 0) {
        fprintf(stderr, "ember dump: process %ld: %s\n", pid,
                status == PYTHON_NO_PERMISSION
                    ? "memory reads denied (run as the target's user or root, or with CAP_SYS_PTRACE)"
                    : "the process exited while being read");
        clear_state(state);
        free(state);
        python_reader_close(reader);
        return exit_status(status);
    }
    print_command_line(stdout, (int)pid);
    printf("Python %s (%s)\n", python_reader_version(reader), python_reader_binary(reader));
    for (size_t i = 0; i < state->count; i++) {
        const struct dumped_thread *thread = &state->threads[i];
        printf("\nThread 0x%llx (tid %d)%s\n", (unsigned long long)thread->thread_id,
               thread->native_thread_id, thread->holds_gil == 1 ? " [GIL]" : "");
        if (!thread->valid) {
            printf("    (the stack kept changing while being read)\n");
            continue;
        }
        if (thread->frame_count == 0) printf("    (no Python frame)\n");
        for (size_t f = 0; f < thread->frame_count; f++) {
            const struct python_frame *frame = &thread->frames[f];
            printf("    %s (%s:%u)\n", frame->function, frame->file, frame->line);
        }
    }
    clear_state(state);
    free(state);
    python_reader_close(reader);
    return fflush(stdout) == 0 ? 0 : 1;
}
