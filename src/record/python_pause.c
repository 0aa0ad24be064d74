/* python_pause.c — ptrace pausing of a process's threads; see
 * python_pause.h. */
#include "python_pause.h"
#include "unwind.h"
#include "../util/memory.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

void python_pause_init(struct python_pause *pause, int pid)
{
    memset(pause, 0, sizeof *pause);
    pause->pid = pid;
}

static struct python_paused_thread *find(const struct python_pause *pause, int tid)
{
    for (size_t i = 0; i < pause->count; i++)
        if (pause->threads[i].tid == tid)
            return &pause->threads[i];
    return NULL;
}

int python_pause_add(struct python_pause *pause, int tid)
{
    struct python_paused_thread *known = find(pause, tid);
    if (known && !known->gone)
        return 0;
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
        return -1;
    if (!known) {
        GROW(pause->threads, pause->capacity, pause->count + 1);
        known = &pause->threads[pause->count++];
    }
    memset(known, 0, sizeof *known);
    known->tid = tid;
    return 0;
}

/* Records how thread ended or stopped. Returns 1 when it is now stopped in
 * our interrupt (or a group stop), 0 when it was continued (a signal to
 * deliver), -1 when gone. */
static int take_status(struct python_pause *pause, struct python_paused_thread *thread,
                       int status)
{
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        thread->gone = 1;
        thread->stopped = 0;
        if (thread->tid == pause->pid) {
            pause->leader_exited = 1;
            pause->leader_status = status;
        }
        return -1;
    }
    if (!WIFSTOPPED(status))
        return 0;
    int event = status >> 16;
    int signal_number = WSTOPSIG(status);
    if (event == PTRACE_EVENT_STOP) {
        thread->stopped = 1;
        /* SIGTRAP: our interrupt; a job-control signal: a group stop. */
        thread->group_stop = signal_number == SIGSTOP || signal_number == SIGTSTP ||
                             signal_number == SIGTTIN || signal_number == SIGTTOU;
        return 1;
    }
    if (event != 0) {
        /* An event we did not ask for: let it go on. */
        ptrace(PTRACE_CONT, thread->tid, NULL, NULL);
        return 0;
    }
    /* A signal-delivery stop: deliver the signal; our interrupt still
     * pending stops it again right after. */
    ptrace(PTRACE_CONT, thread->tid, NULL, (void *)(long)signal_number);
    return 0;
}

size_t python_pause_stop(struct python_pause *pause)
{
    for (size_t i = 0; i < pause->count; i++) {
        struct python_paused_thread *thread = &pause->threads[i];
        if (!thread->gone && !thread->stopped &&
            ptrace(PTRACE_INTERRUPT, thread->tid, NULL, NULL) != 0 && errno == ESRCH)
            thread->gone = 1;
    }
    size_t stopped = 0;
    for (size_t i = 0; i < pause->count; i++) {
        struct python_paused_thread *thread = &pause->threads[i];
        while (!thread->gone && !thread->stopped) {
            int status;
            pid_t waited = waitpid(thread->tid, &status, __WALL);
            if (waited < 0) {
                if (errno == EINTR)
                    continue;
                thread->gone = 1; /* ECHILD: no longer ours */
                break;
            }
            take_status(pause, thread, status);
        }
        stopped += thread->stopped;
    }
    return stopped;
}

void python_pause_resume(struct python_pause *pause)
{
    for (size_t i = 0; i < pause->count; i++) {
        struct python_paused_thread *thread = &pause->threads[i];
        if (thread->gone || !thread->stopped)
            continue;
        if (thread->group_stop)
            ptrace(PTRACE_LISTEN, thread->tid, NULL, NULL);
        else if (ptrace(PTRACE_CONT, thread->tid, NULL, NULL) != 0 && errno == ESRCH)
            thread->gone = 1;
        thread->stopped = 0;
    }
}

int python_pause_is_stopped(const struct python_pause *pause, int tid)
{
    const struct python_paused_thread *thread = find(pause, tid);
    return thread && thread->stopped && !thread->gone && !thread->group_stop;
}

int python_pause_handle_status(struct python_pause *pause, int tid, int status)
{
    struct python_paused_thread *thread = find(pause, tid);
    if (!thread)
        return 0;
    if (take_status(pause, thread, status) == 1) {
        /* Stopped between samples by a stray interrupt or a group stop:
         * not for us to keep. */
        python_pause_resume(pause);
    }
    return 1;
}

void python_pause_detach(struct python_pause *pause)
{
    python_pause_stop(pause);
    for (size_t i = 0; i < pause->count; i++) {
        struct python_paused_thread *thread = &pause->threads[i];
        if (!thread->gone && thread->stopped)
            ptrace(PTRACE_DETACH, thread->tid, NULL, NULL);
        thread->gone = 1;
        thread->stopped = 0;
    }
    pause->count = 0;
}

void python_pause_free(struct python_pause *pause)
{
    free(pause->threads);
    pause->threads = NULL;
    pause->count = pause->capacity = 0;
}

size_t python_pause_registers(int tid, uint64_t *regs, size_t capacity)
{
    struct user_regs_struct user;
    if (capacity < 17 || ptrace(PTRACE_GETREGS, tid, NULL, &user) != 0)
        return 0;
    /* PERF_REG_X86_AX, BX, CX, DX, SI, DI, BP, SP, IP, then R8..R15: the
     * set bits of DWARF_UNWIND_REGS_MASK in increasing order. */
    const uint64_t values[17] = {user.rax, user.rbx, user.rcx, user.rdx, user.rsi, user.rdi,
                                 user.rbp, user.rsp, user.rip, user.r8,  user.r9,  user.r10,
                                 user.r11, user.r12, user.r13, user.r14, user.r15};
    memcpy(regs, values, sizeof values);
    return 17;
}
