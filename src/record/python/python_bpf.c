/* python_bpf.c — loads and runs the snapshot program; see python_bpf.h.
 *
 * The program is embedded in the binary (the build compiles
 * bpf/python_snapshot.bpf.c and turns the object into a byte array) and
 * loaded with libbpf. One perf event per CPU (PERF_COUNT_SW_CPU_CLOCK,
 * period 1/frequency s, every process) runs it; it returns at once unless
 * the interrupted task is a target's, so a busy thread of a target is
 * sampled frequency times a second, like `perf record -F`.
 */
#include "python_bpf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern const unsigned char python_snapshot_bpf_object[];
extern const unsigned long python_snapshot_bpf_object_size;

struct python_bpf {
    struct bpf_object *object;
    struct bpf_link **links;
    int *events;               /* perf event fds, one per CPU */
    size_t cpu_count;
    int processes_fd, threads_fd, dropped_fd;
    int program_fd;
    int statistics_fd;         /* holds the kernel's BPF run-time statistics on, -1 */
    struct ring_buffer *ring;
    void (*visit)(const struct python_snapshot_event *event, void *context);
    void *visit_context;
};

static int quiet_libbpf(enum libbpf_print_level level, const char *format, va_list arguments)
{
    (void)level;
    (void)format;
    (void)arguments;
    return 0;
}

static int open_clock(int cpu, unsigned frequency)
{
    struct perf_event_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.size = sizeof attributes;
    attributes.type = PERF_TYPE_SOFTWARE;
    attributes.config = PERF_COUNT_SW_CPU_CLOCK;
    attributes.sample_period = 1000000000ull / frequency;
    return (int)syscall(SYS_perf_event_open, &attributes, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int deliver(void *context, void *data, size_t size)
{
    struct python_bpf *bpf = context;
    const struct python_snapshot_event *event = data;
    size_t header = offsetof(struct python_snapshot_event, frames);
    if (size < header || event->count > PYTHON_SNAPSHOT_MAX_FRAMES ||
        size < header + event->count * sizeof event->frames[0])
        return 0;
    bpf->visit(event, bpf->visit_context);
    return 0;
}

struct python_bpf *python_bpf_open(unsigned frequency, char *error, size_t error_size)
{
    struct python_bpf *bpf = calloc(1, sizeof *bpf);
    if (!bpf) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    if (frequency == 0) frequency = 100;
    bpf->statistics_fd = -1;
    libbpf_set_print(quiet_libbpf);
    bpf->object = bpf_object__open_mem(python_snapshot_bpf_object, python_snapshot_bpf_object_size, NULL);
    if (!bpf->object) {
        snprintf(error, error_size, "the snapshot program could not be opened: %s", strerror(errno));
        goto fail;
    }
    int load_error = bpf_object__load(bpf->object);
    if (load_error) {
        snprintf(error, error_size, "the kernel refused the snapshot program (%s)%s", strerror(-load_error),
                 -load_error == EPERM ? ": it needs root (CAP_BPF and CAP_PERFMON)" : "");
        goto fail;
    }
    struct bpf_program *program = bpf_object__find_program_by_name(bpf->object, "python_snapshot");
    bpf->processes_fd = bpf_object__find_map_fd_by_name(bpf->object, "processes");
    bpf->threads_fd = bpf_object__find_map_fd_by_name(bpf->object, "threads");
    bpf->dropped_fd = bpf_object__find_map_fd_by_name(bpf->object, "dropped");
    int events_fd = bpf_object__find_map_fd_by_name(bpf->object, "events");
    if (!program || bpf->processes_fd < 0 || bpf->threads_fd < 0 || bpf->dropped_fd < 0 || events_fd < 0) {
        snprintf(error, error_size, "the snapshot program lacks its maps");
        goto fail;
    }
    bpf->program_fd = bpf_program__fd(program);
    bpf->statistics_fd = bpf_enable_stats(BPF_STATS_RUN_TIME); /* -1: not reported */
    bpf->ring = ring_buffer__new(events_fd, deliver, bpf, NULL);
    if (!bpf->ring) {
        snprintf(error, error_size, "the snapshot ring buffer could not be mapped: %s", strerror(errno));
        goto fail;
    }
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    if (cpus < 1) cpus = 1;
    bpf->events = malloc((size_t)cpus * sizeof *bpf->events);
    bpf->links = calloc((size_t)cpus, sizeof *bpf->links);
    if (!bpf->events || !bpf->links) {
        snprintf(error, error_size, "out of memory");
        goto fail;
    }
    for (long cpu = 0; cpu < cpus; cpu++) {
        int fd = open_clock((int)cpu, frequency);
        if (fd < 0) {
            if (errno == ENODEV || errno == EINVAL) continue; /* an offline CPU */
            snprintf(error, error_size, "perf_event_open(cpu-clock, cpu %ld): %s%s", cpu, strerror(errno),
                     errno == EACCES || errno == EPERM ? ": it needs root (CAP_PERFMON)" : "");
            goto fail;
        }
        bpf->events[bpf->cpu_count] = fd;
        bpf->links[bpf->cpu_count] = bpf_program__attach_perf_event(program, fd);
        bpf->cpu_count++;
        if (!bpf->links[bpf->cpu_count - 1]) {
            snprintf(error, error_size, "the snapshot program could not be attached to cpu %ld: %s", cpu,
                     strerror(errno));
            goto fail;
        }
    }
    if (!bpf->cpu_count) {
        snprintf(error, error_size, "no CPU could be sampled");
        goto fail;
    }
    return bpf;
fail:
    python_bpf_close(bpf);
    return NULL;
}

int python_bpf_add_process(struct python_bpf *bpf, int pid, const struct python_snapshot_layout *layout)
{
    __u32 key = (__u32)pid;
    return bpf_map_update_elem(bpf->processes_fd, &key, layout, BPF_ANY) ? -1 : 0;
}

void python_bpf_remove_process(struct python_bpf *bpf, int pid)
{
    __u32 key = (__u32)pid;
    bpf_map_delete_elem(bpf->processes_fd, &key);
}

int python_bpf_set_thread(struct python_bpf *bpf, int tid, uint64_t thread_state)
{
    __u32 key = (__u32)tid;
    struct python_snapshot_thread value = {.thread_state = thread_state};
    return bpf_map_update_elem(bpf->threads_fd, &key, &value, BPF_ANY) ? -1 : 0;
}

void python_bpf_remove_thread(struct python_bpf *bpf, int tid)
{
    __u32 key = (__u32)tid;
    bpf_map_delete_elem(bpf->threads_fd, &key);
}

int python_bpf_consume(struct python_bpf *bpf,
                       void (*visit)(const struct python_snapshot_event *event, void *context), void *context)
{
    bpf->visit = visit;
    bpf->visit_context = context;
    int count = ring_buffer__consume(bpf->ring);
    if (count < 0) {
        errno = -count;
        return -1;
    }
    return count;
}

uint64_t python_bpf_dropped(struct python_bpf *bpf)
{
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return 0;
    uint64_t *values = calloc((size_t)cpus, sizeof *values), total = 0;
    __u32 key = 0;
    if (values && bpf_map_lookup_elem(bpf->dropped_fd, &key, values) == 0)
        for (int i = 0; i < cpus; i++) total += values[i];
    free(values);
    return total;
}

int python_bpf_run_time(struct python_bpf *bpf, uint64_t *nanoseconds, uint64_t *runs)
{
    struct bpf_prog_info info;
    __u32 size = sizeof info;
    memset(&info, 0, sizeof info);
    if (bpf->statistics_fd < 0 || bpf_obj_get_info_by_fd(bpf->program_fd, &info, &size) != 0) return 0;
    *nanoseconds = info.run_time_ns;
    *runs = info.run_cnt;
    return 1;
}

void python_bpf_close(struct python_bpf *bpf)
{
    if (!bpf) return;
    if (bpf->statistics_fd >= 0) close(bpf->statistics_fd);
    for (size_t i = 0; i < bpf->cpu_count; i++) {
        if (bpf->links && bpf->links[i]) bpf_link__destroy(bpf->links[i]);
        close(bpf->events[i]);
    }
    ring_buffer__free(bpf->ring);
    bpf_object__close(bpf->object);
    free(bpf->links);
    free(bpf->events);
    free(bpf);
}
