/* test_python_sampler.c — unit tests of the Python sampler's own parts
 * (src/record/python_*.c outside the stack reader): /proc stat and statm
 * parsing, the descendants of a process, Python frame naming, the merge
 * of native and Python stacks (hand-computed expectations), the
 * recognition of Python commands, the thread table on this process's own
 * threads (a spinning one is R, a sleeping one S), and ptrace pausing of a
 * real child (its state is "t" while paused, it runs again after). */
#include <criterion/criterion.h>

#include "model/profile.h"
#include "record/python_frames.h"
#include "record/python_launch.h"
#include "record/python_merge.h"
#include "record/python_pause.h"
#include "record/python_proc.h"
#include "record/python_threads.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Test(python_sampler, stat_lines_with_awkward_names)
{
    const char *line = "4242 (my (odd) name) R 17 4242 4242 0 -1 4194304";
    char state = 0;
    int ppid = 0;
    cr_assert_eq(proc_stat_parse(line, strlen(line), &state, &ppid), 0);
    cr_assert_eq(state, 'R');
    cr_assert_eq(ppid, 17);
    const char *spaces = "7 (a b) ) S 1 7";
    cr_assert_eq(proc_stat_parse(spaces, strlen(spaces), &state, &ppid), 0);
    cr_assert_eq(state, 'S');
    cr_assert_eq(ppid, 1);
    cr_assert_eq(proc_stat_parse("garbage", 7, &state, &ppid), -1);
    cr_assert_eq(proc_stat_parse("1 (x)", 5, &state, &ppid), -1);
    cr_assert_eq(proc_statm_resident_pages("5000 1234 300 1 0 900 0\n", 24), 1234);
    cr_assert_eq(proc_statm_resident_pages("x", 1), -1);
}

Test(python_sampler, descendants_follow_parent_chains)
{
    /* 10 -> 11 -> 12 -> 13; 10 -> 14; 20 -> 21 (not ours); 13 listed
     * before its parent 12. */
    const int pairs[][2] = {{1, 0}, {13, 12}, {10, 1}, {11, 10}, {20, 1},
                            {12, 11}, {21, 20}, {14, 10}};
    int out[8];
    size_t count = proc_descendants_of(10, pairs, 8, out, 8);
    cr_assert_eq(count, 4);
    /* In table order. */
    cr_assert_eq(out[0], 13);
    cr_assert_eq(out[1], 11);
    cr_assert_eq(out[2], 12);
    cr_assert_eq(out[3], 14);
    cr_assert_eq(proc_descendants_of(14, pairs, 8, out, 8), 0);
}

Test(python_sampler, descendants_of_this_process)
{
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    cr_assert(child > 0);
    int *pids = NULL;
    size_t capacity = 0;
    size_t count = proc_descendants(getpid(), &pids, &capacity);
    int found = 0;
    for (size_t i = 0; i < count; i++)
        found |= pids[i] == child;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    free(pids);
    cr_assert(found, "the forked child is a descendant");
}

Test(python_sampler, frames_are_named_file_function_line)
{
    struct profile *profile = profile_create();
    struct python_frame_cache cache;
    python_frame_cache_init(&cache, profile);
    static const char file[] = "/app/work.py", function[] = "Worker.run";
    uint32_t frame = python_frame_cache_get(&cache, file, function, 12);
    cr_assert_str_eq(profile_frame_name(profile, frame), "/app/work.py:Worker.run:12");
    cr_assert_str_eq(profile_string(profile, profile->frames[frame].file), "/app/work.py");
    cr_assert_eq(profile->frames[frame].line, 12);
    cr_assert_eq(profile->frames[frame].kind, FRAME_PYTHON);
    cr_assert_eq(python_frame_cache_get(&cache, file, function, 12), frame);
    uint32_t other = python_frame_cache_get(&cache, file, function, 13);
    cr_assert_neq(other, frame);
    /* Many frames: the table grows and keeps them. */
    char names[3000][16];
    uint32_t frames[3000];
    for (int i = 0; i < 3000; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        frames[i] = python_frame_cache_get(&cache, file, names[i], (uint32_t)i);
    }
    for (int i = 0; i < 3000; i++)
        cr_assert_eq(python_frame_cache_get(&cache, file, names[i], (uint32_t)i), frames[i]);
    python_frame_cache_clear(&cache);
    cr_assert_eq(python_frame_cache_get(&cache, file, function, 12), frame,
                 "same frame after clearing: the profile interns it");
    python_frame_cache_free(&cache);
    profile_destroy(profile);
}

Test(python_sampler, native_frames_classified)
{
    const char *exe = "/usr/bin/python3.11";
    const char *eval = "_PyEval_EvalFrameDefault";
    cr_assert_eq(python_native_classify("_PyEval_EvalFrameDefault", "/x/libpython3.11.so.1.0",
                                        exe, eval), PYTHON_NATIVE_EVAL);
    cr_assert_eq(python_native_classify("_PyEval_EvalFrameDefault.cold", exe, exe, eval),
                 PYTHON_NATIVE_EVAL);
    cr_assert_eq(python_native_classify("_PyFunction_Vectorcall", "/x/libpython3.11.so.1.0",
                                        exe, eval), PYTHON_NATIVE_INTERNAL);
    cr_assert_eq(python_native_classify("main", exe, exe, eval), PYTHON_NATIVE_INTERNAL);
    cr_assert_eq(python_native_classify("deflate", "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
                                        exe, eval), PYTHON_NATIVE_KEEP);
    cr_assert_eq(python_native_classify(NULL, NULL, exe, eval), PYTHON_NATIVE_KEEP);
    cr_assert_eq(python_native_classify("PyEval_EvalFrameEx", "/x/libpython3.6m.so", exe, eval),
                 PYTHON_NATIVE_INTERNAL);
    const char *with_default[] = {"main", "PyEval_EvalFrameEx", "_PyEval_EvalFrameDefault"};
    cr_assert_str_eq(python_merge_eval_name(with_default, 3), "_PyEval_EvalFrameDefault");
    const char *old[] = {"main", NULL, "PyEval_EvalFrameEx"};
    cr_assert_str_eq(python_merge_eval_name(old, 3), "PyEval_EvalFrameEx");
}

/* Native frames 1..: K = kept, I = internal, E = eval; Python frames 100..,
 * E marks entry. */
static size_t merge_text(const char *native_classes, const char *python_entries, uint32_t *out)
{
    struct python_merge_native native[32];
    struct python_merge_python python[32];
    size_t native_count = strlen(native_classes), python_count = strlen(python_entries);
    for (size_t i = 0; i < native_count; i++) {
        native[i].frame = (uint32_t)(1 + i);
        native[i].klass = native_classes[i] == 'E'   ? PYTHON_NATIVE_EVAL
                          : native_classes[i] == 'I' ? PYTHON_NATIVE_INTERNAL
                                                     : PYTHON_NATIVE_KEEP;
    }
    for (size_t i = 0; i < python_count; i++) {
        python[i].frame = (uint32_t)(100 + i);
        python[i].entry = python_entries[i] == 'E';
    }
    return python_merge_stacks(native, native_count, python, python_count, out, 32);
}

static void assert_merged(const char *native, const char *python, const uint32_t *expected,
                          size_t expected_count)
{
    uint32_t out[32];
    size_t count = merge_text(native, python, out);
    cr_assert_eq(count, expected_count, "%s + %s: depth %zu, expected %zu", native, python,
                 count, expected_count);
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(out[i], expected[i], "%s + %s: frame %zu is %u, expected %u", native,
                     python, i, out[i], expected[i]);
}

Test(python_sampler, merge_replaces_eval_frames_with_python_groups)
{
    /* 3.10 style: every Python frame is an entry; libc(K) main(I) E I E K
     * (a C extension called by the second Python frame). */
    const uint32_t every[] = {1, 100, 101, 6};
    assert_merged("KIEIEK", "EE", every, 4);
    /* 3.11 style: one eval frame runs three Python frames, a C call
     * (K, e.g. zlib) re-enters the interpreter for two more. */
    const uint32_t groups[] = {1, 100, 101, 102, 4, 103, 104, 6};
    assert_merged("KEIKEK", "E..E.", groups, 8);
    /* The unwind stopped short of the root: only the innermost eval frame
     * is there; the outer group goes first. */
    const uint32_t short_unwind[] = {100, 101, 102, 103, 104, 3};
    assert_merged("IEK", "E..E.", short_unwind, 6);
    /* More eval frames than groups: the outer ones vanish. */
    const uint32_t extra_eval[] = {100, 101};
    assert_merged("EIEI", "E.", extra_eval, 2);
    /* No native stack at all: the Python frames alone. */
    const uint32_t python_only[] = {100, 101};
    assert_merged("", "E.", python_only, 2);
}

Test(python_sampler, python_names_recognized)
{
    cr_assert(python_name_is_python("python3"));
    cr_assert(python_name_is_python("/root/.pyenv/versions/3.6.15/bin/python3.6m"));
    cr_assert(python_name_is_python("python"));
    cr_assert(python_name_is_python("/usr/bin/python3.11"));
    cr_assert(!python_name_is_python("python3-config"));
    cr_assert(!python_name_is_python("/usr/bin/perl"));
    cr_assert(!python_name_is_python("pythonista"));
    char path[] = "/tmp/ember-pyscript-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char script[] = "#!/usr/bin/env python3\nprint(1)\n";
    cr_assert_eq(write(fd, script, sizeof script - 1), (ssize_t)(sizeof script - 1));
    close(fd);
    chmod(path, 0700);
    cr_assert(python_command_looks_like_python(path));
    unlink(path);
    cr_assert(!python_command_looks_like_python("/bin/sh"));
}

static atomic_int thread_test_stop;
static atomic_int thread_test_tid;

static void *spin_thread(void *unused)
{
    atomic_store(&thread_test_tid, (int)syscall(SYS_gettid));
    volatile unsigned long counter = 0;
    while (!atomic_load(&thread_test_stop))
        counter++;
    return NULL;
}

Test(python_sampler, thread_table_of_this_process)
{
    pthread_t spinner;
    atomic_store(&thread_test_stop, 0);
    atomic_store(&thread_test_tid, 0);
    cr_assert_eq(pthread_create(&spinner, NULL, spin_thread, NULL), 0);
    while (!atomic_load(&thread_test_tid))
        sched_yield();
    struct python_threads threads;
    python_threads_init(&threads, getpid());
    cr_assert(python_threads_scan(&threads) >= 2);
    int spin_tid = atomic_load(&thread_test_tid);
    /* The spinner is R at (nearly) every look; this thread is R while it
     * reads. Several looks allow for a preempted spinner. */
    int running_seen = 0;
    for (int look = 0; look < 50 && !running_seen; look++) {
        python_threads_read_states(&threads);
        running_seen = python_threads_get(&threads, spin_tid)->state == 'R';
    }
    cr_assert(running_seen, "the spinning thread is R");
    cr_assert_neq(python_threads_get(&threads, spin_tid)->name[0], 0);
    atomic_store(&thread_test_stop, 1);
    pthread_join(spinner, NULL);
    python_threads_read_states(&threads);
    cr_assert(python_threads_get(&threads, spin_tid)->gone, "a joined thread is gone");
    python_threads_scan(&threads);
    for (size_t i = 0; i < threads.count; i++)
        cr_assert_neq(threads.threads[i].tid, spin_tid);
    python_threads_free(&threads);
}

Test(python_sampler, pause_stops_and_resumes_a_child)
{
    pid_t child = fork();
    if (child == 0) {
        volatile unsigned long counter = 0;
        for (;;)
            counter++;
    }
    cr_assert(child > 0);
    struct python_pause pause;
    python_pause_init(&pause, child);
    cr_assert_eq(python_pause_add(&pause, child), 0);
    struct python_threads threads;
    python_threads_init(&threads, child);
    python_threads_scan(&threads);
    for (int round = 0; round < 20; round++) {
        cr_assert_eq(python_pause_stop(&pause), 1);
        cr_assert(python_pause_is_stopped(&pause, child));
        cr_assert_eq(python_thread_read_state(python_threads_get(&threads, child)), 't');
        uint64_t regs[17];
        cr_assert_eq(python_pause_registers(child, regs, 17), 17);
        cr_assert_neq(regs[7], 0, "SP");
        cr_assert_neq(regs[8], 0, "IP");
        python_pause_resume(&pause);
    }
    /* Resumed: it runs (R) again at some look. */
    int running = 0;
    for (int look = 0; look < 200 && !running; look++) {
        running = python_thread_read_state(python_threads_get(&threads, child)) == 'R';
        struct timespec pause_time = {0, 1000000};
        nanosleep(&pause_time, NULL);
    }
    cr_assert(running);
    python_pause_detach(&pause);
    python_pause_free(&pause);
    python_threads_free(&threads);
    kill(child, SIGKILL);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status));
}

Test(python_sampler, launch_reports_exec_errors)
{
    char *missing[] = {"/nonexistent/ember-no-such-program", NULL};
    int exec_errno = 0;
    cr_assert_eq(python_launch(missing, &exec_errno), -1);
    cr_assert_eq(exec_errno, ENOENT);
    char *true_command[] = {"true", NULL};
    pid_t child = python_launch(true_command, &exec_errno);
    cr_assert(child > 0);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
