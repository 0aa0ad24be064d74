/* python_pause.h — pausing a process's threads for one sample
 * (`ember record --blocking`, and --native, whose register and stack
 * copies must match the Python stack read with them): each thread is
 * attached once with PTRACE_SEIZE (which does not stop it), then every
 * sample stops all of them with PTRACE_INTERRUPT + waitpid and lets them
 * go with PTRACE_CONT. Nothing is written to the target.
 *
 * Stops that are not ours are passed on: a signal the thread was about to
 * receive (signal-delivery-stop) is delivered when it is continued, a
 * group stop (SIGSTOP from someone) is left in place with PTRACE_LISTEN.
 * The launched command may be one of the traced threads' process: when
 * waitpid reports its leader's end, the status is kept for the caller
 * (python_pause_exit_status), as only one waitpid can see it.
 *
 * Ownership: python_pause_detach() stops and detaches every thread; a
 * tracer that exits detaches its tracees anyway, so a crash of ember
 * leaves the target running.
 */
#ifndef EMBER_PYTHON_PAUSE_H
#define EMBER_PYTHON_PAUSE_H

#include <stddef.h>
#include <stdint.h>

struct python_paused_thread {
    int tid;
    int stopped;      /* in our ptrace stop now */
    int group_stop;   /* stopped by a job-control signal: resume with LISTEN */
    int gone;
};

struct python_pause {
    int pid;
    struct python_paused_thread *threads;
    size_t count, capacity;
    int leader_exited;     /* waitpid reported the leader's (pid's) exit */
    int leader_status;
};

void python_pause_init(struct python_pause *pause, int pid);
/* Attaches tid if new. Returns 0, or -1 with errno set (EPERM: not
 * permitted; ESRCH: gone). */
int python_pause_add(struct python_pause *pause, int tid);
/* Stops every attached thread and waits until each is stopped (or gone).
 * Returns the number stopped. */
size_t python_pause_stop(struct python_pause *pause);
/* Lets every stopped thread run again. */
void python_pause_resume(struct python_pause *pause);
/* 1 when tid is attached and stopped now. */
int python_pause_is_stopped(const struct python_pause *pause, int tid);
/* Handles one waitpid() result for a traced tid that arrived outside
 * python_pause_stop (a signal stop between samples, an exit). Returns 1
 * when tid was one of ours. */
int python_pause_handle_status(struct python_pause *pause, int tid, int status);
/* Stops, detaches and forgets every thread. */
void python_pause_detach(struct python_pause *pause);
void python_pause_free(struct python_pause *pause);

/* The user registers of a stopped thread in PERF_REG_X86_* bit order for
 * the bits of DWARF_UNWIND_REGS_MASK (what dwarf_unwind reads). Returns the
 * number of values, 0 on failure. */
size_t python_pause_registers(int tid, uint64_t *regs, size_t capacity);

#endif
