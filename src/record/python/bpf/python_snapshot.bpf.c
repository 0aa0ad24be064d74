/* python_snapshot.bpf.c — the kernel half of `ember record`'s snapshot
 * mode for CPython (python_bpf.h): an eBPF program run at every cpu-clock
 * tick (one perf event per CPU) that, when the interrupted thread is one
 * of a target's Python threads, copies its chain of Python frames into a
 * ring buffer.
 *
 * Why in the kernel: the thread is stopped while this runs, so the chain
 * is one moment's. Read from user space (process_vm_readv) a range costs
 * ~300 ns; a call shorter than that (a property getter, __init__, a
 * generator resumed by a for loop: 15-60 ns each on 3.13) is never whole
 * in a copy, and the checks that keep torn stacks out then drop it.
 *
 * Per sample: the thread's state address comes from the threads map (user
 * space fills it from the interpreter's thread list), the structure
 * offsets from the processes map (one entry per target: its CPython's
 * layout). The top frame pointer is read from the thread state (3.13:
 * current_frame; up to 3.10: frame) or through its CFrame (3.11, 3.12);
 * then, for each frame, a window of its first bytes, from which the
 * previous frame, the code object, the instruction (f_lasti or the
 * instruction pointer) and a marker byte (the owner, 3.11+) are taken,
 * and the code object's file and name pointers (user space names frames
 * later, when a freed code object's address may hold another). Names, lines and every sanity check are user space's
 * (python_stacks.c, python_reader_name_snapshot). A thread of a target
 * not in the threads map yet gets an event without frames, so that user
 * space looks for it.
 *
 * Built with clang -target bpf; needs no kernel headers beyond the UAPI
 * (the program reads only user memory and its own maps).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "python_snapshot.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PYTHON_SNAPSHOT_MAX_PROCESSES);
    __type(key, __u32);
    __type(value, struct python_snapshot_layout);
} processes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PYTHON_SNAPSHOT_MAX_THREADS);
    __type(key, __u32);
    __type(value, struct python_snapshot_thread);
} threads SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct python_snapshot_event);
} scratch SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct python_snapshot_window);
} windows SEC(".maps");

/* snapshots the ring buffer had no room for */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} dropped SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, PYTHON_SNAPSHOT_RING_BYTES);
} events SEC(".maps");

/* A field of the frame window at a bounded offset. */
static __always_inline __u64 window_word(const struct python_snapshot_window *window, __s32 offset)
{
    __u64 value = 0;
    if (offset < 0 || offset > PYTHON_SNAPSHOT_WINDOW - 8) return 0;
    __builtin_memcpy(&value, &window->bytes[offset & (PYTHON_SNAPSHOT_WINDOW - 1)], 8);
    return value;
}

static __always_inline void send(struct python_snapshot_event *event, __u32 size)
{
    __u32 zero = 0;
    if (bpf_ringbuf_output(&events, event, size, BPF_RB_NO_WAKEUP) != 0) {
        __u64 *count = bpf_map_lookup_elem(&dropped, &zero);
        if (count) (*count)++;
    }
}

static __always_inline __u32 event_size(__u32 count)
{
    return (__u32)(sizeof(struct python_snapshot_event) -
                   sizeof(struct python_snapshot_frame) * (PYTHON_SNAPSHOT_MAX_FRAMES - count));
}

/* The walk bpf_loop drives, a frame per call (the verifier checks
 * copy_frame once, not once per frame: loading takes milliseconds). */
struct walk {
    struct python_snapshot_event *event;
    struct python_snapshot_window *window;
    const struct python_snapshot_layout *layout;
    __u64 top;   /* the next frame to copy, 0 at the end */
    __u32 size;  /* bytes of a frame to read */
    __u32 count; /* frames copied */
};

static long copy_frame(__u32 index, void *context)
{
    struct walk *walk = context;
    const struct python_snapshot_layout *layout = walk->layout;
    struct python_snapshot_window *window = walk->window;
    __u32 size = walk->size;
    if (!walk->top || index >= PYTHON_SNAPSHOT_MAX_FRAMES) return 1;
    if (size > PYTHON_SNAPSHOT_WINDOW) return 1;
    if (bpf_probe_read_user(window->bytes, size, (const void *)walk->top)) {
        walk->event->flags |= PYTHON_SNAPSHOT_UNREADABLE;
        return 1;
    }
    /* the mask, kept by the barrier from being optimised away, bounds the
     * slot for the verifier */
    __u32 slot = index;
    asm volatile("" : "+r"(slot));
    slot &= PYTHON_SNAPSHOT_MAX_FRAMES - 1;
    struct python_snapshot_frame *frame = &walk->event->frames[slot];
    frame->address = walk->top;
    frame->code = window_word(window, layout->code);
    __u64 instruction = window_word(window, layout->instruction);
    if (layout->instruction_size == 4) instruction = (__u64)(__s64)(__s32)(__u32)instruction;
    frame->instruction = instruction;
    frame->marker = layout->marker >= 0 ? (__u8)window_word(window, layout->marker) : 0;
    frame->names[0] = frame->names[1] = frame->names[2] = 0;
    __u32 names_size = layout->code_names_size;
    if (frame->code && names_size <= sizeof frame->names &&
        bpf_probe_read_user(frame->names, names_size, (const void *)(frame->code + layout->code_names))) {
        walk->event->flags |= PYTHON_SNAPSHOT_UNREADABLE;
        return 1;
    }
    walk->top = window_word(window, layout->previous);
    walk->count = index + 1;
    return 0;
}

SEC("perf_event")
int python_snapshot(void *context)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tid = (__u32)pid_tgid, pid = (__u32)(pid_tgid >> 32), zero = 0;
    const struct python_snapshot_layout *layout = bpf_map_lookup_elem(&processes, &pid);
    if (!layout) return 0;
    struct python_snapshot_event *event = bpf_map_lookup_elem(&scratch, &zero);
    struct python_snapshot_window *window = bpf_map_lookup_elem(&windows, &zero);
    if (!event || !window) return 0;
    event->pid = pid;
    event->tid = tid;
    event->count = 0;
    event->flags = 0;
    event->time = bpf_ktime_get_ns();
    event->thread_state = 0;
    const struct python_snapshot_thread *thread = bpf_map_lookup_elem(&threads, &tid);
    if (!thread) {
        event->flags = PYTHON_SNAPSHOT_UNKNOWN_THREAD;
        send(event, event_size(0));
        return 0;
    }
    event->thread_state = thread->thread_state;
    __u64 top = 0;
    if (layout->cframe >= 0) {
        __u64 cframe = 0;
        if (bpf_probe_read_user(&cframe, 8, (const void *)(thread->thread_state + layout->cframe)) ||
            (cframe && bpf_probe_read_user(&top, 8, (const void *)(cframe + layout->cframe_top))))
            event->flags |= PYTHON_SNAPSHOT_UNREADABLE;
    } else if (bpf_probe_read_user(&top, 8, (const void *)(thread->thread_state + layout->top))) {
        event->flags |= PYTHON_SNAPSHOT_UNREADABLE;
    }
    __u32 size = layout->window;
    if (size > PYTHON_SNAPSHOT_WINDOW) size = PYTHON_SNAPSHOT_WINDOW;
    if (size < 8) return 0;
    struct walk walk = {event, window, layout, top, size, 0};
    bpf_loop(PYTHON_SNAPSHOT_MAX_FRAMES, copy_frame, &walk, 0);
    top = walk.top;
    __u32 count = walk.count;
    if (top) event->flags |= PYTHON_SNAPSHOT_TRUNCATED;
    event->count = count;
    if (count > PYTHON_SNAPSHOT_MAX_FRAMES) return 0;
    send(event, event_size(count));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
