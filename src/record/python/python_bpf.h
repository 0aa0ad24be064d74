/* python_bpf.h — the snapshot mode of `ember record` for CPython: an eBPF
 * program (bpf/python_snapshot.bpf.c) run at every cpu-clock tick copies
 * the interrupted thread's Python frame chain, if it is a target's, into a
 * ring buffer; this module loads it, opens one cpu-clock event per CPU at
 * the rate asked for, tells it the targets (their CPython's layout) and
 * their threads (their thread states' addresses), and hands the copied
 * chains to the caller, which names them (python_reader_name_snapshot).
 *
 * Why: the thread is stopped while the kernel copies, so every chain is
 * one moment's, and a call of a few tens of ns is seen as often as it
 * runs; read from user space (python_stacks.c) a chain is read over
 * microseconds, and the checks that keep torn stacks out drop the
 * shortest calls. It samples CPU time only (a thread is seen when it is
 * on a CPU at a tick), as the default mode does.
 *
 * Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BPF ring buffers
 * (5.8+); python_bpf_open() says why when it cannot.
 *
 * Ownership: python_bpf_open() allocates; python_bpf_close() detaches the
 * program, closes the events and frees everything.
 */
#ifndef EMBER_PYTHON_BPF_H
#define EMBER_PYTHON_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/python_snapshot.h"

struct python_bpf;

/* Loads the program and starts sampling every CPU at frequency Hz (no
 * target yet: the program returns at once for other processes). NULL and
 * a message in error when it cannot. */
struct python_bpf *python_bpf_open(unsigned frequency, char *error, size_t error_size);
/* Samples the threads of process pid, whose CPython is laid out so. 0, or
 * -1 when the map is full. */
int python_bpf_add_process(struct python_bpf *bpf, int pid, const struct python_snapshot_layout *layout);
void python_bpf_remove_process(struct python_bpf *bpf, int pid);
/* The thread state of thread tid (a target's). 0, or -1 when the map is full. */
int python_bpf_set_thread(struct python_bpf *bpf, int tid, uint64_t thread_state);
void python_bpf_remove_thread(struct python_bpf *bpf, int tid);
/* Calls visit for each snapshot waiting in the ring buffer, without
 * waiting for more (the event is valid until visit returns). Returns how
 * many, or -1 (errno) on an error. */
int python_bpf_consume(struct python_bpf *bpf,
                       void (*visit)(const struct python_snapshot_event *event, void *context), void *context);
/* Snapshots the ring buffer had no room for. */
uint64_t python_bpf_dropped(struct python_bpf *bpf);
/* The program's own run time so far, in the interrupted threads' time
 * (*nanoseconds over *runs, every tick of every CPU counted, most
 * returning at once), when the kernel keeps BPF run-time statistics (they
 * are switched on while the program is loaded); 0 when it does not. */
int python_bpf_run_time(struct python_bpf *bpf, uint64_t *nanoseconds, uint64_t *runs);
void python_bpf_close(struct python_bpf *bpf);

#endif
