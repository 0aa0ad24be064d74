/* python_launch.c — recognising and launching Python commands; see
 * python_launch.h. */
#include "python_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int python_name_is_python(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    if (strncmp(base, "python", 6) != 0)
        return 0;
    const char *cursor = base + 6;
    /* [N[.N]] */
    while ((*cursor >= '0' && *cursor <= '9') || *cursor == '.')
        cursor++;
    /* ABI flags of old builds: m, d, u. */
    while (*cursor == 'm' || *cursor == 'd' || *cursor == 'u')
        cursor++;
    return *cursor == 0;
}

/* command looked up as execvp does: as is when it holds a '/'. */
static int find_on_path(const char *command, char *path, size_t size)
{
    if (strchr(command, '/')) {
        snprintf(path, size, "%s", command);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    const char *search = getenv("PATH");
    if (!search)
        search = "/usr/local/bin:/usr/bin:/bin";
    while (*search) {
        const char *colon = strchr(search, ':');
        size_t length = colon ? (size_t)(colon - search) : strlen(search);
        snprintf(path, size, "%.*s/%s", (int)length, length ? search : ".", command);
        if (access(path, X_OK) == 0)
            return 0;
        if (!colon)
            break;
        search = colon + 1;
    }
    return -1;
}

int python_command_looks_like_python(const char *command)
{
    if (python_name_is_python(command))
        return 1;
    char path[PATH_MAX];
    if (find_on_path(command, path, sizeof path) != 0)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char line[256];
    ssize_t length = read(fd, line, sizeof line - 1);
    close(fd);
    if (length < 3 || line[0] != '#' || line[1] != '!')
        return 0;
    line[length] = 0;
    line[strcspn(line, "\n")] = 0;
    /* "#!/usr/bin/python3 -u", "#!/usr/bin/env python3": any word of the
     * line that names Python. */
    char *save = NULL;
    for (char *word = strtok_r(line + 2, " \t", &save); word; word = strtok_r(NULL, " \t", &save))
        if (python_name_is_python(word))
            return 1;
    return 0;
}

int python_process_looks_like_python(int pid)
{
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length > 0) {
        target[length] = 0;
        if (python_name_is_python(target))
            return 1;
    }
    /* Another user's process: exe and maps are closed, comm is not. */
    char comm[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE *comm_file = fopen(path, "re");
    if (comm_file) {
        int named = fgets(comm, sizeof comm, comm_file) != NULL;
        fclose(comm_file);
        comm[strcspn(comm, "\n")] = 0;
        if (named && python_name_is_python(comm))
            return 1;
    }
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *maps = fopen(path, "re");
    if (!maps)
        return 0;
    char line[PATH_MAX + 128];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps))
        found = strstr(line, "/libpython") != NULL;
    fclose(maps);
    return found;
}

pid_t python_launch(char *const *command, int *exec_errno)
{
    *exec_errno = 0;
    int ends[2];
    if (pipe(ends) != 0) {
        *exec_errno = errno;
        return -1;
    }
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    pid_t child = fork();
    if (child < 0) {
        *exec_errno = errno;
        close(ends[0]);
        close(ends[1]);
        return -1;
    }
    if (child == 0) {
        close(ends[0]);
        execvp(command[0], command);
        int error_number = errno;
        ssize_t written = write(ends[1], &error_number, sizeof error_number);
        (void)written;
        _exit(127);
    }
    close(ends[1]);
    int error_number = 0;
    ssize_t got;
    do
        got = read(ends[0], &error_number, sizeof error_number);
    while (got < 0 && errno == EINTR);
    close(ends[0]);
    if (got == (ssize_t)sizeof error_number) {
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
        *exec_errno = error_number;
        return -1;
    }
    return child;
}
