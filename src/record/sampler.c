/* sampler.c — perf_event_open sampling and ring-buffer draining (see
 * sampler.h for the targets and the contract).
 *
 * Design:
 *   - Events. One struct perf_event_attr for every event: software
 *     cpu-clock in frequency mode. Hardware cycles are not tried: virtual
 *     machines (this project's included) expose no PMU, and the software
 *     clock samples alike on every machine, so profiles compare across
 *     machines and name the event as perf's fallback does ("cpu-clock").
 *     inherit is set for a launched command and attached threads so forks
 *     and new threads are followed; the kernel refuses to map the buffer of
 *     an inheriting event with cpu = -1, so every event is per CPU.
 *   - Buffers. The first event opened on a CPU owns that CPU's ring buffer
 *     (mmap of 1 + 2^n pages); every later event on the CPU is redirected
 *     into it with PERF_EVENT_IOC_SET_OUTPUT. So there is one buffer per
 *     CPU whatever the number of threads.
 *   - Draining. data_head is read with acquire ordering (the kernel wrote
 *     the records before publishing the head); records are read between
 *     data_tail and data_head; a record that runs past the buffer's end is
 *     copied contiguous into a scratch buffer first; data_tail is stored
 *     with release ordering after the records were read, which hands the
 *     space back to the kernel. When a buffer is full the kernel writes a
 *     PERF_RECORD_LOST record; the sampler counts those (and throttling)
 *     and passes them on like every other record.
 *   - Ending. Every event fd is polled; an fd reporting POLLHUP (its task
 *     and all its inherited children exited) leaves the poll set.
 */
#include "sampler.h"
#include "unwind.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PERF_FLAG_FD_CLOEXEC
#define PERF_FLAG_FD_CLOEXEC (1UL << 3)
#endif

enum {
    SAMPLER_MESSAGE_SIZE = 1024,
    SAMPLER_MIN_RING_PAGES = 8,
    SAMPLER_FP_RING_PAGES = 128,    /* 512 KiB: perf's default for unprivileged users */
    SAMPLER_STACK_RING_PAGES = 1024 /* 4 MiB: 8 KiB stack copies fill buffers fast */
};

struct sampler_buffer {
    int cpu;
    int fd;                          /* the event whose buffer this is (not owned) */
    struct perf_event_mmap_page *meta;
    unsigned char *data;
    size_t data_size;                /* a power of two */
    size_t map_size;
};

struct sampler {
    struct perf_event_attr attr;
    enum sampler_target target;
    int *cpus;
    size_t cpu_count;

    int *fds;                        /* every event, owned */
    uint64_t *ids;
    size_t event_count, event_capacity;
    int *event_hung_up;              /* parallel to fds */
    size_t hung_up_count;

    struct sampler_buffer *buffers;  /* one per CPU, indexed like cpus */
    unsigned ring_pages;
    size_t page_size;

    pid_t *opened_tids;              /* attached threads that have events */
    size_t opened_tid_count, opened_tid_capacity;

    pid_t child;                     /* launched command, -1 otherwise */
    int child_go_fd;                 /* write end: one byte lets the child exec */
    int child_exec_fd;               /* read end: errno of a failed exec, or EOF */
    int exec_errno;

    struct pollfd *poll_fds;
    unsigned char *scratch;          /* one record copied contiguous (header.size <= 65535) */
    struct sampler_stats stats;
    char message[SAMPLER_MESSAGE_SIZE];
};

static void *sampler_calloc(size_t count, size_t size)
{
    void *memory = calloc(count ? count : 1, size);
    if (!memory) {
        fputs("ember: out of memory\n", stderr);
        abort();
    }
    return memory;
}

static void *sampler_grow(void *memory, size_t *capacity, size_t needed, size_t size)
{
    if (needed <= *capacity)
        return memory;
    size_t next = *capacity ? *capacity * 2 : 16;
    while (next < needed)
        next *= 2;
    void *grown = realloc(memory, next * size);
    if (!grown) {
        fputs("ember: out of memory\n", stderr);
        abort();
    }
    *capacity = next;
    return grown;
}

static int perf_event_open_call(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
                                unsigned long flags)
{
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
}

/* kernel.perf_event_paranoid, or INT_MIN when it cannot be read. */
static int read_paranoid_level(void)
{
    FILE *file = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (!file)
        return INT_MIN;
    int level = INT_MIN;
    if (fscanf(file, "%d", &level) != 1)
        level = INT_MIN;
    fclose(file);
    return level;
}

/* The online CPUs from /sys/devices/system/cpu/online ("0-3,5"), else
 * 0 .. sysconf(_SC_NPROCESSORS_ONLN) - 1. */
static void read_online_cpus(struct sampler *sampler)
{
    size_t capacity = 0;
    FILE *file = fopen("/sys/devices/system/cpu/online", "r");
    if (file) {
        char line[4096];
        if (fgets(line, sizeof line, file)) {
            char *cursor = line;
            while (*cursor && *cursor != '\n') {
                char *end;
                long first = strtol(cursor, &end, 10);
                if (end == cursor)
                    break;
                long last = first;
                cursor = end;
                if (*cursor == '-') {
                    last = strtol(cursor + 1, &end, 10);
                    cursor = end;
                }
                for (long cpu = first; cpu <= last && cpu >= 0; cpu++) {
                    sampler->cpus = sampler_grow(sampler->cpus, &capacity,
                                                 sampler->cpu_count + 1, sizeof *sampler->cpus);
                    sampler->cpus[sampler->cpu_count++] = (int)cpu;
                }
                if (*cursor == ',')
                    cursor++;
            }
        }
        fclose(file);
    }
    if (sampler->cpu_count == 0) {
        long count = sysconf(_SC_NPROCESSORS_ONLN);
        if (count < 1)
            count = 1;
        sampler->cpus = sampler_calloc((size_t)count, sizeof *sampler->cpus);
        for (long cpu = 0; cpu < count; cpu++)
            sampler->cpus[sampler->cpu_count++] = (int)cpu;
    }
}

static void fill_attr(struct perf_event_attr *attr, const struct sampler_options *options,
                      int exclude_kernel)
{
    memset(attr, 0, sizeof *attr);
    attr->size = sizeof *attr;
    attr->type = PERF_TYPE_SOFTWARE;
    attr->config = PERF_COUNT_SW_CPU_CLOCK;
    attr->freq = 1;
    attr->sample_freq = options->frequency ? options->frequency : SAMPLER_DEFAULT_FREQUENCY;
    attr->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
                        PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
    enum sampler_call_graph call_graph = options->call_graph;
    if (call_graph == SAMPLER_CALL_GRAPH_FP_DWARF || call_graph == SAMPLER_CALL_GRAPH_FP)
        attr->sample_type |= PERF_SAMPLE_CALLCHAIN;
    if (call_graph == SAMPLER_CALL_GRAPH_FP_DWARF || call_graph == SAMPLER_CALL_GRAPH_DWARF) {
        unsigned stack_size = options->stack_size ? options->stack_size : SAMPLER_DEFAULT_STACK_SIZE;
        attr->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
        attr->sample_regs_user = DWARF_UNWIND_REGS_MASK;
        attr->sample_stack_user = (stack_size + 7u) & ~7u;
    }
    attr->disabled = 1;
    attr->inherit = options->target != SAMPLER_TARGET_SYSTEM;
    attr->enable_on_exec = options->target == SAMPLER_TARGET_COMMAND;
    attr->exclude_kernel = exclude_kernel ? 1 : 0;
    attr->exclude_callchain_kernel = exclude_kernel ? 1 : 0;
    attr->exclude_hv = 1;
    attr->mmap = 1;
    attr->mmap2 = 1;
    attr->comm = 1;
    attr->comm_exec = 1;
    attr->task = 1;
    attr->sample_id_all = 1;
    /* Wake the poller by bytes, not by records; a watermark of 0 makes the
     * kernel wake at half the buffer. */
    attr->watermark = 1;
    attr->wakeup_watermark = 0;
}

/* Explains a refused perf_event_open: what to change and what still works. */
static void explain_permission(char *error, size_t error_size, int error_number,
                               const struct sampler_options *options, int kernel_wanted,
                               pid_t pid)
{
    int paranoid = read_paranoid_level();
    int needed = options->target == SAMPLER_TARGET_SYSTEM ? 0 : kernel_wanted ? 1 : 2;
    const char *what = options->target == SAMPLER_TARGET_SYSTEM ? "system-wide sampling (-a)"
                       : kernel_wanted ? "sampling kernel code"
                                       : "sampling your own processes";
    char paranoid_text[32];
    if (paranoid == INT_MIN)
        snprintf(paranoid_text, sizeof paranoid_text, "unreadable");
    else
        snprintf(paranoid_text, sizeof paranoid_text, "%d", paranoid);
    const char *works = paranoid != INT_MIN && paranoid <= 2
                            ? "Without privileges, --user-only on your own processes works "
                              "(ember record --user-only -- CMD, or -p PID of a process you own)."
                            : "Without privileges nothing can be sampled at this setting.";
    if (paranoid == INT_MIN || paranoid > needed) {
        snprintf(error, error_size,
                 "perf_event_open: %s: kernel.perf_event_paranoid is %s; %s needs it at "
                 "most %d (sudo sysctl kernel.perf_event_paranoid=%d) or the CAP_PERFMON "
                 "capability (or root). %s",
                 strerror(error_number), paranoid_text, what, needed, needed, works);
    } else if (pid > 0) {
        snprintf(error, error_size,
                 "perf_event_open: pid %d: %s: the process belongs to another user or may "
                 "not be traced (observing it needs the same user and ptrace permission, "
                 "CAP_PERFMON with CAP_SYS_PTRACE, or root; kernel.perf_event_paranoid is %s). %s",
                 (int)pid, strerror(error_number), paranoid_text, works);
    } else {
        snprintf(error, error_size,
                 "perf_event_open: %s (kernel.perf_event_paranoid is %s; %s needs it at most "
                 "%d, or CAP_PERFMON). %s",
                 strerror(error_number), paranoid_text, what, needed, works);
    }
}

static void explain_open_error(struct sampler *sampler, char *error, size_t error_size,
                               int error_number, const struct sampler_options *options,
                               pid_t pid)
{
    if (error_number == EACCES || error_number == EPERM) {
        explain_permission(error, error_size, error_number, options,
                           !sampler->attr.exclude_kernel, pid);
    } else if (error_number == ESRCH) {
        snprintf(error, error_size, "pid %d: no such process", (int)pid);
    } else if (error_number == EMFILE || error_number == ENFILE) {
        struct rlimit limit = {0, 0};
        getrlimit(RLIMIT_NOFILE, &limit);
        snprintf(error, error_size,
                 "perf_event_open: %s: %zu events open (one per thread and CPU, %zu CPUs); "
                 "the open-file limit is %llu (raise it with ulimit -n)",
                 strerror(error_number), sampler->event_count, sampler->cpu_count,
                 (unsigned long long)limit.rlim_cur);
    } else if (error_number == ENOENT || error_number == ENODEV || error_number == EOPNOTSUPP) {
        snprintf(error, error_size,
                 "perf_event_open: %s: this kernel has no software cpu-clock event "
                 "(CONFIG_PERF_EVENTS missing?)",
                 strerror(error_number));
    } else if (error_number == ENOSYS) {
        snprintf(error, error_size, "perf_event_open: not supported by this kernel (ENOSYS)");
    } else {
        snprintf(error, error_size, "perf_event_open (pid %d): %s", (int)pid,
                 strerror(error_number));
    }
}

/* Raises the soft open-file limit to the hard one: a thread of an attached
 * process costs one descriptor per CPU. */
static void raise_file_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

static int map_buffer(struct sampler *sampler, struct sampler_buffer *buffer, int fd)
{
    for (;;) {
        size_t map_size = (1 + (size_t)sampler->ring_pages) * sampler->page_size;
        void *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map != MAP_FAILED) {
            buffer->fd = fd;
            buffer->meta = map;
            buffer->data = (unsigned char *)map + sampler->page_size;
            buffer->data_size = (size_t)sampler->ring_pages * sampler->page_size;
            buffer->map_size = map_size;
            return 0;
        }
        /* Locked-memory limits (kernel.perf_event_mlock_kb) refuse large
         * buffers to unprivileged users: halve, as perf does. */
        if ((errno == EPERM || errno == ENOMEM) && sampler->ring_pages > SAMPLER_MIN_RING_PAGES) {
            sampler->ring_pages /= 2;
            continue;
        }
        return -1;
    }
}

/* Opens one event for pid on every CPU (pid -1: every process). Returns 0,
 * or the errno of the first failure (events opened before it stay open). */
static int open_on_every_cpu(struct sampler *sampler, pid_t pid)
{
    for (size_t index = 0; index < sampler->cpu_count; index++) {
        int fd = perf_event_open_call(&sampler->attr, pid, sampler->cpus[index], -1,
                                      PERF_FLAG_FD_CLOEXEC);
        if (fd < 0)
            return errno;
        if (sampler->event_count == sampler->event_capacity) {
            /* fds, ids and hung-up flags are parallel arrays of one capacity. */
            size_t capacity = sampler->event_capacity;
            sampler->fds = sampler_grow(sampler->fds, &capacity, sampler->event_count + 1,
                                        sizeof *sampler->fds);
            capacity = sampler->event_capacity;
            sampler->ids = sampler_grow(sampler->ids, &capacity, sampler->event_count + 1,
                                        sizeof *sampler->ids);
            capacity = sampler->event_capacity;
            sampler->event_hung_up = sampler_grow(sampler->event_hung_up, &capacity,
                                                  sampler->event_count + 1,
                                                  sizeof *sampler->event_hung_up);
            sampler->event_capacity = capacity;
        }
        size_t event = sampler->event_count++;
        sampler->fds[event] = fd;
        sampler->event_hung_up[event] = 0;
        uint64_t id = 0;
        if (ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0)
            return errno;
        sampler->ids[event] = id;

        struct sampler_buffer *buffer = &sampler->buffers[index];
        if (!buffer->meta) {
            buffer->cpu = sampler->cpus[index];
            if (map_buffer(sampler, buffer, fd) != 0)
                return errno;
        } else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, buffer->fd) != 0) {
            return errno;
        }
    }
    return 0;
}

static int tid_already_opened(const struct sampler *sampler, pid_t tid)
{
    for (size_t i = 0; i < sampler->opened_tid_count; i++)
        if (sampler->opened_tids[i] == tid)
            return 1;
    return 0;
}

/* Opens events for every thread of pid not yet covered, re-reading
 * /proc/PID/task until a pass finds no new thread (threads created while
 * the events were being opened by a thread that had none yet). Returns 0,
 * or an errno (ESRCH: the process does not exist). */
static int open_process_threads(struct sampler *sampler, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    for (int pass = 0;; pass++) {
        DIR *directory = opendir(path);
        if (!directory)
            return pass == 0 ? ESRCH : 0;
        int opened = 0;
        struct dirent *entry;
        while ((entry = readdir(directory)) != NULL) {
            char *end;
            long tid = strtol(entry->d_name, &end, 10);
            if (end == entry->d_name || *end || tid <= 0 || tid_already_opened(sampler, (pid_t)tid))
                continue;
            int error_number = open_on_every_cpu(sampler, (pid_t)tid);
            if (error_number == ESRCH)
                continue; /* the thread exited meanwhile */
            if (error_number != 0) {
                closedir(directory);
                return error_number;
            }
            sampler->opened_tids = sampler_grow(sampler->opened_tids,
                                                &sampler->opened_tid_capacity,
                                                sampler->opened_tid_count + 1,
                                                sizeof *sampler->opened_tids);
            sampler->opened_tids[sampler->opened_tid_count++] = (pid_t)tid;
            opened++;
        }
        closedir(directory);
        if (opened == 0)
            return pass == 0 ? ESRCH : 0;
    }
}

/* pipe() with both ends close-on-exec (pipe2 is a GNU extension). */
static int cloexec_pipe(int ends[2])
{
    if (pipe(ends) != 0)
        return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Forks the command's child: it waits for one byte on the go pipe (EOF:
 * recording was abandoned, exit quietly), then execs; a failed exec writes
 * its errno to the close-on-exec pipe and exits 127, as a shell does. */
static int launch_child(struct sampler *sampler, char *const *command, char *error,
                        size_t error_size)
{
    int go[2], exec_status[2];
    if (cloexec_pipe(go) != 0) {
        snprintf(error, error_size, "pipe: %s", strerror(errno));
        return -1;
    }
    if (cloexec_pipe(exec_status) != 0) {
        snprintf(error, error_size, "pipe: %s", strerror(errno));
        close(go[0]);
        close(go[1]);
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        snprintf(error, error_size, "fork: %s", strerror(errno));
        close(go[0]);
        close(go[1]);
        close(exec_status[0]);
        close(exec_status[1]);
        return -1;
    }
    if (child == 0) {
        close(go[1]);
        close(exec_status[0]);
        char byte;
        ssize_t got;
        do
            got = read(go[0], &byte, 1);
        while (got < 0 && errno == EINTR);
        if (got != 1)
            _exit(127);
        close(go[0]);
        execvp(command[0], command);
        int error_number = errno;
        ssize_t written = write(exec_status[1], &error_number, sizeof error_number);
        (void)written;
        _exit(127);
    }
    close(go[0]);
    close(exec_status[1]);
    sampler->child = child;
    sampler->child_go_fd = go[1];
    sampler->child_exec_fd = exec_status[0];
    return 0;
}

/* Opens the events of one target; on an error writes the message. */
static int open_target_events(struct sampler *sampler, const struct sampler_options *options,
                              char *error, size_t error_size)
{
    int error_number = 0;
    pid_t failed_pid = -1;
    switch (options->target) {
    case SAMPLER_TARGET_COMMAND:
        failed_pid = sampler->child;
        error_number = open_on_every_cpu(sampler, sampler->child);
        break;
    case SAMPLER_TARGET_SYSTEM:
        error_number = open_on_every_cpu(sampler, -1);
        break;
    case SAMPLER_TARGET_PIDS:
        for (size_t i = 0; i < options->pid_count && error_number == 0; i++) {
            failed_pid = options->pids[i];
            error_number = open_process_threads(sampler, options->pids[i]);
        }
        break;
    }
    if (error_number != 0)
        explain_open_error(sampler, error, error_size, error_number, options, failed_pid);
    return error_number;
}

static void close_events(struct sampler *sampler)
{
    for (size_t i = 0; i < sampler->cpu_count; i++) {
        struct sampler_buffer *buffer = &sampler->buffers[i];
        if (buffer->meta)
            munmap(buffer->meta, buffer->map_size);
        memset(buffer, 0, sizeof *buffer);
    }
    for (size_t i = 0; i < sampler->event_count; i++)
        close(sampler->fds[i]);
    sampler->event_count = 0;
    sampler->opened_tid_count = 0;
}

struct sampler *sampler_open(const struct sampler_options *options, char *error,
                             size_t error_size)
{
    if (options->target == SAMPLER_TARGET_COMMAND && (!options->command || !options->command[0])) {
        snprintf(error, error_size, "no command to run");
        return NULL;
    }
    if (options->target == SAMPLER_TARGET_PIDS && options->pid_count == 0) {
        snprintf(error, error_size, "no pid to attach to");
        return NULL;
    }
    struct sampler *sampler = sampler_calloc(1, sizeof *sampler);
    sampler->target = options->target;
    sampler->child = -1;
    sampler->child_go_fd = -1;
    sampler->child_exec_fd = -1;
    sampler->page_size = (size_t)sysconf(_SC_PAGESIZE);
    read_online_cpus(sampler);
    sampler->buffers = sampler_calloc(sampler->cpu_count, sizeof *sampler->buffers);
    sampler->scratch = sampler_calloc(65536, 1);
    int with_stack = options->call_graph == SAMPLER_CALL_GRAPH_FP_DWARF ||
                     options->call_graph == SAMPLER_CALL_GRAPH_DWARF;
    unsigned pages = options->ring_pages;
    if (pages == 0 || (pages & (pages - 1)) != 0)
        pages = with_stack ? SAMPLER_STACK_RING_PAGES : SAMPLER_FP_RING_PAGES;
    sampler->ring_pages = pages;
    raise_file_limit();

    if (options->target == SAMPLER_TARGET_COMMAND &&
        launch_child(sampler, options->command, error, error_size) != 0) {
        sampler_close(sampler);
        return NULL;
    }

    /* Kernel code too unless asked not to; when that is refused, user code
     * only (unless --kernel insists). */
    int exclude_kernel = options->user_only;
    for (;;) {
        fill_attr(&sampler->attr, options, exclude_kernel);
        int error_number = open_target_events(sampler, options, error, error_size);
        if (error_number == 0)
            break;
        close_events(sampler);
        if ((error_number == EACCES || error_number == EPERM) && !exclude_kernel &&
            !options->kernel_required) {
            exclude_kernel = 1;
            continue;
        }
        sampler_close(sampler);
        return NULL;
    }
    sampler->stats.kernel_excluded = exclude_kernel;

    sampler->stats.event_count = sampler->event_count;
    sampler->stats.buffer_count = sampler->cpu_count;
    sampler->stats.ring_pages = sampler->ring_pages;
    sampler->poll_fds = sampler_calloc(sampler->event_count, sizeof *sampler->poll_fds);
    return sampler;
}

const struct perf_event_attr *sampler_attr(const struct sampler *sampler)
{
    return &sampler->attr;
}

const uint64_t *sampler_ids(const struct sampler *sampler, size_t *count)
{
    *count = sampler->event_count;
    return sampler->ids;
}

pid_t sampler_child_pid(const struct sampler *sampler)
{
    return sampler->child;
}

int sampler_exec_errno(const struct sampler *sampler)
{
    return sampler->exec_errno;
}

const char *sampler_error(const struct sampler *sampler)
{
    return sampler->message;
}

const struct sampler_stats *sampler_stats(const struct sampler *sampler)
{
    return &sampler->stats;
}

int sampler_enable(struct sampler *sampler)
{
    if (sampler->target != SAMPLER_TARGET_COMMAND) {
        for (size_t i = 0; i < sampler->event_count; i++)
            if (ioctl(sampler->fds[i], PERF_EVENT_IOC_ENABLE, 0) != 0) {
                snprintf(sampler->message, sizeof sampler->message,
                         "enabling the events: %s", strerror(errno));
                return -1;
            }
        return 0;
    }
    if (sampler->child_go_fd < 0) {
        snprintf(sampler->message, sizeof sampler->message, "the command was already started");
        return -1;
    }
    /* The events enable themselves at the child's exec (enable_on_exec). */
    char go = 1;
    ssize_t written;
    do
        written = write(sampler->child_go_fd, &go, 1);
    while (written < 0 && errno == EINTR);
    close(sampler->child_go_fd);
    sampler->child_go_fd = -1;
    if (written != 1) {
        snprintf(sampler->message, sizeof sampler->message, "starting the command: %s",
                 strerror(errno));
        return -1;
    }
    int error_number = 0;
    ssize_t got;
    do
        got = read(sampler->child_exec_fd, &error_number, sizeof error_number);
    while (got < 0 && errno == EINTR);
    close(sampler->child_exec_fd);
    sampler->child_exec_fd = -1;
    if (got == (ssize_t)sizeof error_number) {
        sampler->exec_errno = error_number ? error_number : ENOEXEC;
        snprintf(sampler->message, sizeof sampler->message, "%s",
                 strerror(sampler->exec_errno));
        return -1;
    }
    return 0;
}

void sampler_disable(struct sampler *sampler)
{
    for (size_t i = 0; i < sampler->event_count; i++)
        ioctl(sampler->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

static void count_record(struct sampler_stats *stats, const struct perf_event_header *record)
{
    stats->records++;
    stats->bytes += record->size;
    const unsigned char *body = (const unsigned char *)(record + 1);
    switch (record->type) {
    case PERF_RECORD_SAMPLE:
        stats->samples++;
        break;
    case PERF_RECORD_LOST:
        /* u64 id, u64 lost */
        stats->lost_records++;
        if (record->size >= sizeof *record + 16) {
            uint64_t lost;
            memcpy(&lost, body + 8, sizeof lost);
            stats->lost_samples += lost;
        }
        break;
    case PERF_RECORD_LOST_SAMPLES:
        /* u64 lost */
        if (record->size >= sizeof *record + 8) {
            uint64_t lost;
            memcpy(&lost, body, sizeof lost);
            stats->lost_samples += lost;
        }
        break;
    case PERF_RECORD_THROTTLE:
        stats->throttles++;
        break;
    case PERF_RECORD_UNTHROTTLE:
        stats->unthrottles++;
        break;
    default:
        break;
    }
}

/* Hands every complete record of one buffer to consume. Returns the count,
 * or -1 (message set). */
static long drain_buffer(struct sampler *sampler, struct sampler_buffer *buffer,
                         int (*consume)(const struct perf_event_header *, void *), void *context)
{
    uint64_t head = __atomic_load_n(&buffer->meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = buffer->meta->data_tail;
    size_t mask = buffer->data_size - 1;
    long count = 0;
    int stopped = 0;
    while (tail < head && !stopped) {
        size_t offset = (size_t)(tail & mask);
        struct perf_event_header header;
        /* Records are 8-byte aligned and the buffer a multiple of 8, so a
         * header never straddles the end; copy it anyway for alignment. */
        memcpy(&header, buffer->data + offset, sizeof header);
        if (header.size < sizeof header || header.size > head - tail) {
            snprintf(sampler->message, sizeof sampler->message,
                     "ring buffer of CPU %d: a record of %u bytes at %llu (%llu available): "
                     "the buffer is corrupt",
                     buffer->cpu, header.size, (unsigned long long)tail,
                     (unsigned long long)(head - tail));
            __atomic_store_n(&buffer->meta->data_tail, head, __ATOMIC_RELEASE);
            return -1;
        }
        const struct perf_event_header *record;
        if (offset + header.size <= buffer->data_size) {
            record = (const struct perf_event_header *)(buffer->data + offset);
        } else {
            size_t first = buffer->data_size - offset;
            memcpy(sampler->scratch, buffer->data + offset, first);
            memcpy(sampler->scratch + first, buffer->data, header.size - first);
            record = (const struct perf_event_header *)sampler->scratch;
        }
        count_record(&sampler->stats, record);
        count++;
        if (consume && consume(record, context) != 0) {
            snprintf(sampler->message, sizeof sampler->message,
                     "stopped while reading the records");
            stopped = 1;
        }
        tail += header.size;
    }
    __atomic_store_n(&buffer->meta->data_tail, tail, __ATOMIC_RELEASE);
    return stopped ? -1 : count;
}

long sampler_drain(struct sampler *sampler, int timeout_ms,
                   int (*consume)(const struct perf_event_header *record, void *context),
                   void *context)
{
    if (timeout_ms != 0 && sampler->hung_up_count < sampler->event_count) {
        for (size_t i = 0; i < sampler->event_count; i++) {
            /* poll ignores negative descriptors: hung-up events stay out. */
            sampler->poll_fds[i].fd = sampler->event_hung_up[i] ? -1 : sampler->fds[i];
            sampler->poll_fds[i].events = POLLIN;
            sampler->poll_fds[i].revents = 0;
        }
        int ready = poll(sampler->poll_fds, sampler->event_count, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            snprintf(sampler->message, sizeof sampler->message, "poll: %s", strerror(errno));
            return -1;
        }
        if (ready > 0)
            for (size_t i = 0; i < sampler->event_count; i++)
                if ((sampler->poll_fds[i].revents & (POLLHUP | POLLERR)) &&
                    !sampler->event_hung_up[i]) {
                    sampler->event_hung_up[i] = 1;
                    sampler->hung_up_count++;
                }
    }
    long total = 0;
    for (size_t i = 0; i < sampler->cpu_count; i++) {
        struct sampler_buffer *buffer = &sampler->buffers[i];
        if (!buffer->meta)
            continue;
        long count = drain_buffer(sampler, buffer, consume, context);
        if (count < 0)
            return -1;
        total += count;
    }
    return total;
}

int sampler_targets_alive(const struct sampler *sampler)
{
    return sampler->target == SAMPLER_TARGET_SYSTEM || sampler->hung_up_count < sampler->event_count;
}

void sampler_close(struct sampler *sampler)
{
    if (!sampler)
        return;
    close_events(sampler);
    /* A child that never got to exec (recording abandoned, or its exec
     * failed) is reaped here; after a successful exec the caller waits. */
    int child_not_running = sampler->child_go_fd >= 0 || sampler->exec_errno != 0;
    if (sampler->child_go_fd >= 0)
        close(sampler->child_go_fd); /* the waiting child reads EOF and exits */
    if (sampler->child_exec_fd >= 0)
        close(sampler->child_exec_fd);
    if (sampler->child > 0 && child_not_running) {
        int status;
        while (waitpid(sampler->child, &status, 0) < 0 && errno == EINTR)
            ;
    }
    free(sampler->cpus);
    free(sampler->fds);
    free(sampler->ids);
    free(sampler->event_hung_up);
    free(sampler->buffers);
    free(sampler->opened_tids);
    free(sampler->poll_fds);
    free(sampler->scratch);
    free(sampler);
}
