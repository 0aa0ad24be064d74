/* python_snapshot.h — what the snapshot program (python_snapshot.bpf.c)
 * and its loader (../python_bpf.c) share: the maps' keys and values and
 * the ring buffer's event. Plain UAPI types, so that both the BPF target
 * and the host compiler read it.
 */
#ifndef EMBER_PYTHON_SNAPSHOT_H
#define EMBER_PYTHON_SNAPSHOT_H

#include <linux/types.h>

#define PYTHON_SNAPSHOT_MAX_FRAMES 512   /* deeper stacks come truncated */
#define PYTHON_SNAPSHOT_WINDOW 256       /* bytes of a frame read (a power of two) */
#define PYTHON_SNAPSHOT_MAX_PROCESSES 1024
#define PYTHON_SNAPSHOT_MAX_THREADS 16384
#define PYTHON_SNAPSHOT_RING_BYTES (8u << 20)

/* event flags */
#define PYTHON_SNAPSHOT_UNKNOWN_THREAD 1u /* a target's thread not in the threads map */
#define PYTHON_SNAPSHOT_UNREADABLE 2u     /* a read failed (a page not present, a bad pointer) */
#define PYTHON_SNAPSHOT_TRUNCATED 4u      /* deeper than PYTHON_SNAPSHOT_MAX_FRAMES */

/* Where a process's CPython keeps what the program reads (offsets in
 * bytes; -1: absent). */
struct python_snapshot_layout {
    __s32 top;              /* thread state -> top frame (3.13 current_frame, <= 3.10 frame) */
    __s32 cframe;           /* 3.11, 3.12: thread state -> CFrame, else -1 */
    __s32 cframe_top;       /* CFrame -> current_frame */
    __s32 previous;         /* frame -> its caller's frame */
    __s32 code;             /* frame -> code object (3.13 f_executable) */
    __s32 instruction;      /* frame -> f_lasti (int) or the instruction pointer */
    __s32 instruction_size; /* 4 or 8 */
    __s32 marker;           /* frame -> its owner (a byte, 3.11+), else -1 */
    __u32 window;           /* bytes of a frame to read: covers every field above */
    __s32 code_names;       /* code object -> the first of co_filename, co_name (, co_qualname) */
    __u32 code_names_size;  /* 16 or 24: those pointers, adjacent */
    __u32 reserved;
};

struct python_snapshot_thread {
    __u64 thread_state;     /* the PyThreadState's address */
};

struct python_snapshot_frame {
    __u64 address, code, instruction;
    /* the code object's name pointers at the tick: user space names the
     * frame later, when the address may hold another code object */
    __u64 names[3];
    __u8 marker;
    __u8 reserved[7];
};

struct python_snapshot_event {
    __u32 pid, tid;
    __u32 count, flags;
    __u64 time;             /* CLOCK_MONOTONIC, ns */
    __u64 thread_state;
    struct python_snapshot_frame frames[PYTHON_SNAPSHOT_MAX_FRAMES]; /* innermost first; count used */
};

/* A frame's first bytes (8 spare, so that a bounded read never leaves it). */
struct python_snapshot_window {
    __u8 bytes[PYTHON_SNAPSHOT_WINDOW + 8];
};

#endif
