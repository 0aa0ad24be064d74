/* test_python_samplers.c — unit tests of the austin and py-spy raw readers
 * and of the bpftrace map-dump reader: sample types per mode, frames with
 * file and line, root frames, probes, and errors with line numbers. */
#include <criterion/criterion.h>

#include "formats/format.h"
#include "helpers.h"
#include "model/profile.h"
#include "util/input.h"

#include <criterion/redirect.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads text with format_name's reader (NULL: the guessed one). */
static struct unit_read_result read_text(const char *format_name, const char *text)
{
    return unit_read(format_name, text, strlen(text), "test-input", NULL);
}

static const char *guessed_name(const char *text)
{
    struct input input;
    input_open_memory(&input, text, strlen(text), "guess");
    const struct format *format = format_guess(&input);
    input_close(&input);
    return format ? format->name : "(none)";
}

/* Finds the frame named name; returns its id or PROFILE_NONE. */
static uint32_t find_frame(const struct profile *profile, const char *name)
{
    for (uint32_t frame = 0; frame < profile->frame_count; frame++)
        if (strcmp(profile_frame_name(profile, frame), name) == 0)
            return frame;
    return PROFILE_NONE;
}

/* ---- austin ---- */

Test(austin, wall_mode_frames_roots_and_metadata)
{
    struct unit_read_result result = read_text(
        "austin", "# austin: 3.7.0\n# interval: 5000\n# mode: wall\n\n"
                  "P42;T0:42;/w/work.py:<module>:53;/w/work.py:fib:11 300\n"
                  "P42;T0:42;/w/work.py:<module>:53;/w/work.py:fib:12 200\n"
                  "P42;T0:43;<frozen importlib._bootstrap>:_find_and_load:1176 50\n"
                  "P42;T0:42 7\n"
                  "P42;T0:42;:INVALID: 10\n\n# duration: 877796\n");
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(result.statistics.samples, 5);
    cr_assert_eq(profile->sample_type_count, 1);
    cr_assert_str_eq(profile_string(profile, profile->sample_types[0].type), "wall");
    cr_assert_str_eq(profile_string(profile, profile->sample_types[0].unit), "microseconds");
    cr_assert_eq(profile->period, 5000);
    cr_assert_eq(profile_grand_total(profile, 0), 567);
    char *text = unit_folded(profile, 0);
    cr_assert_str_eq(text, "P42;T0:42 7\n"
                           "P42;T0:42;:INVALID: 10\n"
                           "P42;T0:42;<module> (/w/work.py:53);fib (/w/work.py:11) 300\n"
                           "P42;T0:42;<module> (/w/work.py:53);fib (/w/work.py:12) 200\n"
                           "P42;T0:43;_find_and_load (<frozen importlib._bootstrap>:1176) 50\n");
    free(text);
    uint32_t fib = find_frame(profile, "fib (/w/work.py:11)");
    cr_assert_neq(fib, PROFILE_NONE);
    cr_assert_eq(profile->frames[fib].kind, FRAME_PYTHON);
    cr_assert_eq(profile->frames[fib].line, 11);
    cr_assert_str_eq(profile_string(profile, profile->frames[fib].file), "/w/work.py");
    int found_mode = 0, found_duration = 0;
    for (size_t i = 0; i < profile->label_count; i++) {
        const char *key = profile_string(profile, profile->labels[i].key);
        const char *value = profile_string(profile, profile->labels[i].value);
        found_mode |= strcmp(key, "mode") == 0 && strcmp(value, "wall") == 0;
        found_duration |= strcmp(key, "duration") == 0 && strcmp(value, "877796") == 0;
    }
    cr_assert(found_mode && found_duration, "metadata become labels");
    profile_destroy(profile);
}

Test(austin, memory_mode_splits_allocations_and_releases)
{
    struct unit_read_result result = read_text(
        "austin", "# mode: memory\nP1;T0:1;a.py:f:1 4096\nP1;T0:1;a.py:f:1 -1024\n"
                  "P1;T0:1;a.py:g:2 -8192\n");
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile->sample_type_count, 2);
    long allocated = profile_find_sample_type(profile, "memory_allocated");
    long released = profile_find_sample_type(profile, "memory_released");
    cr_assert(allocated >= 0 && released >= 0);
    cr_assert_eq(profile->default_sample_type, (size_t)allocated);
    cr_assert_eq(profile_grand_total(profile, (size_t)allocated), 4096);
    cr_assert_eq(profile_grand_total(profile, (size_t)released), 9216);
    profile_destroy(profile);
}

Test(austin, full_mode_has_wall_cpu_and_memory)
{
    /* No header: the three-value metric tells the mode. */
    struct unit_read_result result = read_text(
        "austin", "P1;T0:1;a.py:f:1 100,0,4096\nP1;T0:1;a.py:f:1 50,1,-100\nP1;T0:2 20,0,0\n");
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile->sample_type_count, 4);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "wall")), 170);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "cpu")), 120);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "memory_allocated")), 4096);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "memory_released")), 100);
    profile_destroy(profile);
}

Test(austin, windows_paths_and_kernel_frames)
{
    struct unit_read_result result = read_text(
        "austin", "P1;T0:1;C:\\app\\main.py:run:9;kernel:do_syscall_64:0 5\n");
    cr_assert_eq(result.status, 0);
    uint32_t run = find_frame(result.profile, "run (C:\\app\\main.py:9)");
    cr_assert_neq(run, PROFILE_NONE);
    uint32_t kernel = find_frame(result.profile, "do_syscall_64");
    cr_assert_neq(kernel, PROFILE_NONE);
    cr_assert_eq(result.profile->frames[kernel].kind, FRAME_KERNEL);
    profile_destroy(result.profile);
}

Test(austin, errors_name_the_line, .init = cr_redirect_stderr)
{
    struct unit_read_result result = read_text("austin", "# mode: wall\nP1;T0:1;a.py:f:1 10\nP1;T0:1;a.py:f:1 1x\n");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    cr_assert_stderr_eq_str("ember: test-input:3: expected an integer wall metric at the end of "
                            "the line, found '1x'\n");
}

Test(austin, rejects_bad_structure, .init = cr_redirect_stderr)
{
    const char *bad[] = {
        "P1;T0:1;a.py:f:1 -5\n",            /* negative time */
        "P1 5\n",                           /* no thread */
        "garbage line 3\n",                 /* not a sample */
        "P1;T0:1;a.py:f:1 1,2\n",           /* two values */
        "P1;T0:1;a.py:f:1 5,2,0\n",         /* idle flag not 0/1 */
        "P1;T0:1 99999999999999999999\n",   /* beyond 2^53 */
        "# mode: memory\nP1;T0:1 1,0,0\n",  /* full metric in memory mode */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct unit_read_result result = read_text("austin", bad[i]);
        cr_assert_eq(result.status, -1, "refused: %s", bad[i]);
        profile_destroy(result.profile);
    }
}

Test(austin, probe_wins_over_folded)
{
    cr_assert_str_eq(guessed_name("# austin: 3.7.0\n# mode: wall\n\nP1;T0:1;a.py:f:1 10\n"), "austin");
    cr_assert_str_eq(guessed_name("P12;T0:12;a.py:f:1 10\nP12;T0:12 3\n"), "austin");
    cr_assert_str_eq(guessed_name("main;work 10\nmain;idle 3\n"), "folded");
}

/* ---- py-spy raw ---- */

Test(pyspy, frames_keep_file_and_line)
{
    struct unit_read_result result = read_text(
        "pyspy", "thread (0x7F00): MainThread;<module> (work.py:53);fib (work.py:11) 412\n"
                 "thread (0x7F00): MainThread;<module> (work.py:53);fib (work.py:12) 8\n"
                 "process 7:\"python3 x.py\";run (x.py);PyObject_Call (libpython3.11.so) 5\n");
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile_grand_total(profile, 0), 425);
    uint32_t fib = find_frame(profile, "fib (work.py:11)");
    cr_assert_neq(fib, PROFILE_NONE);
    cr_assert_eq(profile->frames[fib].line, 11);
    cr_assert_str_eq(profile_string(profile, profile->frames[fib].file), "work.py");
    cr_assert_eq(profile->frames[fib].kind, FRAME_PYTHON);
    uint32_t thread = find_frame(profile, "thread (0x7F00): MainThread");
    cr_assert_neq(thread, PROFILE_NONE);
    cr_assert_eq(profile->frames[thread].kind, FRAME_UNKNOWN);
    uint32_t native = find_frame(profile, "PyObject_Call (libpython3.11.so)");
    cr_assert_eq(profile->frames[native].kind, FRAME_NATIVE);
    uint32_t run = find_frame(profile, "run (x.py)");
    cr_assert_eq(profile->frames[run].kind, FRAME_PYTHON);
    profile_destroy(profile);
}

Test(pyspy, probe_tells_it_from_plain_folded)
{
    cr_assert_str_eq(guessed_name("<module> (work.py:53);fib (work.py:11) 412\n"
                                  "<module> (work.py:53);main (work.py:46) 3\n"),
                     "pyspy");
    cr_assert_str_eq(guessed_name("main;work 10\nmain;idle (x) 3\n"), "folded");
}

Test(pyspy, line_without_count_is_an_error, .init = cr_redirect_stderr)
{
    struct unit_read_result result = read_text("pyspy", "a (a.py:1) 3\na (a.py:1)\n");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    cr_assert_stderr_eq_str("ember: test-input:2: expected 'frame;frame;... COUNT' (py-spy raw), "
                            "the line does not end in a sample count\n");
}

/* ---- bpftrace ---- */

static const char *const bpftrace_dump =
    "Attaching 2 probes...\n\n\n"
    "@[\n"
    "    0x55b877c0e145\n"
    "    main+26\n"
    ", \n"
    "    vfs_write+202\n"
    "    entry_SYSCALL_64_after_hwframe+118\n"
    "]: 5\n"
    "@[\n"
    "    hot+8\n"
    "    main+26\n"
    ", ]: 75\n"
    "@c[sysw, \n"
    "\t7fb06d8f8356 write+22 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
    "\tffffffff8a000010 0xffffffff8a000010 ([unknown])\n"
    "]: 14\n"
    "@k[]: 78\n"
    "@total: 3\n";

Test(bpftrace, tuples_of_stacks_several_maps)
{
    struct unit_read_result result = read_text(NULL, bpftrace_dump);
    cr_assert_eq(result.status, 0);
    struct profile *profile = result.profile;
    cr_assert_eq(profile->sample_type_count, 3); /* @, @c, @k */
    cr_assert_str_eq(profile_string(profile, profile->sample_types[profile->default_sample_type].type), "@");
    char *text = unit_folded(profile, 0);
    cr_assert_str_eq(text, "main;0x55b877c0e145;entry_SYSCALL_64_after_hwframe;vfs_write 5\n"
                           "main;hot 75\n");
    free(text);
    text = unit_folded(profile, (size_t)profile_find_sample_type(profile, "@c"));
    cr_assert_str_eq(text, "sysw;0xffffffff8a000010;write 14\n");
    free(text);
    uint32_t write_frame = find_frame(profile, "write");
    cr_assert_str_eq(profile_string(profile, profile->frames[write_frame].file),
                     "/usr/lib/x86_64-linux-gnu/libc.so.6");
    uint32_t kernel = find_frame(profile, "0xffffffff8a000010");
    cr_assert_eq(profile->frames[kernel].kind, FRAME_KERNEL);
    cr_assert_eq(profile_grand_total(profile, (size_t)profile_find_sample_type(profile, "@k")), 78);
    cr_assert_eq(result.statistics.skipped_lines, 1); /* @total: 3 */
    profile_destroy(profile);
}

Test(bpftrace, unclosed_entry_is_an_error, .init = cr_redirect_stderr)
{
    struct unit_read_result result = read_text("bpftrace", "Attaching 1 probe...\n@[\n    main+1\n");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
    fflush(stderr);
    cr_assert_stderr_eq_str("ember: test-input:2: map entry not closed: expected ']: COUNT' "
                            "before the end of the input\n");
}

Test(bpftrace, new_entry_inside_an_entry_is_an_error, .init = cr_redirect_stderr)
{
    struct unit_read_result result = read_text("bpftrace", "@[\n    main+1\n@[\n    f\n]: 1\n");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
}

Test(bpftrace, negative_value_is_an_error, .init = cr_redirect_stderr)
{
    struct unit_read_result result = read_text("bpftrace", "@[\n    main+1\n]: -4\n");
    cr_assert_eq(result.status, -1);
    profile_destroy(result.profile);
}

Test(bpftrace, probe)
{
    cr_assert_str_eq(guessed_name(bpftrace_dump), "bpftrace");
    cr_assert_str_eq(guessed_name("@[\n    main+1\n]: 4\n"), "bpftrace");
}
