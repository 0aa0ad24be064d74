/* python_launch.h — the launch side of `ember record` for Python: runs the
 * command and says whether it is (or will become) a Python interpreter.
 *
 * python_command_looks_like_python() decides without running anything:
 * the program's name (python, python3, python3.11, python3.6m ...), or,
 * for a script found on PATH, a "#!" line naming python (directly or
 * through env). The reader (python_stacks.h) is the final judge once the
 * process runs; this only picks the Python sampler over perf_event.
 */
#ifndef EMBER_PYTHON_LAUNCH_H
#define EMBER_PYTHON_LAUNCH_H

#include <sys/types.h>

/* 1 when name's last path component is python[N[.N]][m][d]. */
int python_name_is_python(const char *name);
/* 1 when command[0] is named like Python or is a script whose "#!" line
 * names it. */
int python_command_looks_like_python(const char *command);
/* 1 when the running process pid is Python by its executable's name, its
 * comm (readable even for another user's process) or a libpython mapping. */
int python_process_looks_like_python(int pid);

/* Forks and execs command (PATH searched). Returns the child's pid, or -1
 * with *exec_errno set (the exec's errno; the child has been reaped). */
pid_t python_launch(char *const *command, int *exec_errno);

#endif
