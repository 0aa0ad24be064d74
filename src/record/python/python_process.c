/* python_process.c — discovery of CPython in a live process (see
 * python_process.h). */
#include "python_process.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python_elf.h"
#include "../proc_maps.h"

/* One file-backed or anonymous mapping of /proc/PID/maps. */
struct map_entry {
    uint64_t start, end, offset;
    int writable;
    char *path; /* owned; "" for an anonymous mapping */
};

struct map_list {
    struct map_entry *entries;
    size_t count, capacity;
};

/* The file that holds the interpreter and what its symbols say. */
struct interpreter_file {
    char path[4096];
    struct python_elf *elf;
    uint64_t bias;
    uint64_t runtime, py_version, interp_head, thread_state_current, code_type;
    int name_major, name_minor; /* from "python3.11" / "libpython3.11" in the name, -1 if none */
};

void python_process_permission_message(int pid, const char *what, char *error, size_t error_size)
{
    snprintf(error, error_size,
             "no permission to %s of process %d: run ember as the same user as the target "
             "or as root, or give it CAP_SYS_PTRACE (sudo setcap cap_sys_ptrace+ep ember); "
             "if /proc/sys/kernel/yama/ptrace_scope is above 0, run as root or lower it "
             "(sysctl kernel.yama.ptrace_scope=0); in a container, start it with "
             "--cap-add SYS_PTRACE",
             what, pid);
}

static void free_maps(struct map_list *maps)
{
    for (size_t i = 0; i < maps->count; i++)
        free(maps->entries[i].path);
    free(maps->entries);
    maps->entries = NULL;
    maps->count = maps->capacity = 0;
}

/* One line of /proc/PID/maps: "start-end perms offset dev inode   path".
 * Returns 0, 1 for a line that does not parse (skipped), or ENOMEM. */
static int parse_map_line(const char *line, const char *end, struct map_list *maps)
{
    struct proc_maps_line parsed;
    if (!proc_maps_line_parse(line, end, &parsed)) return 1;
    struct map_entry entry = {parsed.start, parsed.end, parsed.offset, parsed.permissions[1] == 'w', NULL};
    entry.path = malloc(parsed.path_length + 1);
    if (!entry.path) return ENOMEM;
    memcpy(entry.path, parsed.path, parsed.path_length);
    entry.path[parsed.path_length] = '\0';
    if (maps->count == maps->capacity) {
        size_t capacity = maps->capacity ? maps->capacity * 2 : 64;
        struct map_entry *grown = realloc(maps->entries, capacity * sizeof *grown);
        if (!grown) {
            free(entry.path);
            return ENOMEM;
        }
        maps->entries = grown;
        maps->capacity = capacity;
    }
    maps->entries[maps->count++] = entry;
    return 0;
}

/* Reads /proc/PID/maps; 0 or an errno value. The whole file is read with
 * reads of 64 KiB (procfs formats each read's lines afresh, so small reads
 * cost a call per KiB), then parsed by hand. */
static int read_maps(int pid, struct map_list *maps)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t capacity = 1 << 16, length = 0;
    char *text = malloc(capacity);
    int result = text ? 0 : ENOMEM;
    while (!result) {
        if (capacity - length < (1 << 15)) {
            char *grown = realloc(text, capacity * 2);
            if (!grown) {
                result = ENOMEM;
                break;
            }
            text = grown;
            capacity *= 2;
        }
        ssize_t got = read(fd, text + length, capacity - length);
        if (got < 0) {
            if (errno == EINTR) continue;
            result = errno ? errno : EIO;
        } else if (got == 0) {
            break;
        } else {
            length += (size_t)got;
        }
    }
    close(fd);
    const char *line = text, *text_end = text ? text + length : NULL;
    while (!result && line && line < text_end) {
        const char *line_end = memchr(line, '\n', (size_t)(text_end - line));
        if (!line_end) line_end = text_end;
        if (parse_map_line(line, line_end, maps) == ENOMEM) result = ENOMEM;
        line = line_end + 1;
    }
    free(text);
    if (!result && maps->count == 0) result = ESRCH; /* zombie or kernel thread */
    return result;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "python3.11", "libpython3.11.so.1.0", "python3.6m", "python2.7": the
 * version in a file name; 0 when found. */
static int version_from_name(const char *path, int *major, int *minor)
{
    const char *name = base_name(path);
    const char *at = strstr(name, "python");
    if (!at) return -1;
    at += strlen("python");
    if (at[0] < '2' || at[0] > '3' || at[1] != '.' || at[2] < '0' || at[2] > '9') return -1;
    *major = at[0] - '0';
    *minor = (int)strtol(at + 2, NULL, 10);
    return 0;
}

/* Opens path from the target's mount namespace and reads its symbols; the
 * mapping with the lowest address gives the load bias. */
static int open_interpreter_file(int pid, const struct map_list *maps, const char *path,
                                 struct interpreter_file *file) {
    char open_path[4200];
    memset(file, 0, sizeof *file);
    snprintf(file->path, sizeof file->path, "%s", path);
    snprintf(open_path, sizeof open_path, "/proc/%d/root%s", pid, path);
    int error_number;
    file->elf = python_elf_open(open_path, &error_number);
    if (!file->elf && error_number != EACCES && error_number != EPERM)
        file->elf = python_elf_open(path, &error_number);
    if (!file->elf) return error_number ? error_number : ENOEXEC;
    const struct map_entry *lowest = NULL;
    for (size_t i = 0; i < maps->count; i++)
        if (strcmp(maps->entries[i].path, path) == 0 &&
            (!lowest || maps->entries[i].start < lowest->start))
            lowest = &maps->entries[i];
    if (!lowest || python_elf_load_bias(file->elf, lowest->start, lowest->offset, &file->bias) < 0)
        return ENOEXEC;
    /* in one pass: absent ones (interp_head after 3.6, ...) cost a scan
     * of a large .symtab each when looked up one by one; _PyRuntime first:
     * where it is exported (3.7+), the 3.6 names need no .symtab scan */
    static const char *const names[5] = {"_PyRuntime", "Py_Version", "interp_head",
                                         "_PyThreadState_Current", "PyCode_Type"};
    uint64_t values[5];
    python_elf_symbols(file->elf, names, values, 5);
    if (values[0]) file->runtime = values[0] + file->bias;
    if (values[1]) file->py_version = values[1] + file->bias;
    if (values[2]) file->interp_head = values[2] + file->bias;
    if (values[3]) file->thread_state_current = values[3] + file->bias;
    if (values[4]) file->code_type = values[4] + file->bias;
    file->name_major = file->name_minor = -1;
    version_from_name(path, &file->name_major, &file->name_minor);
    return 0;
}

static void close_interpreter_file(struct interpreter_file *file)
{
    python_elf_close(file->elf);
    file->elf = NULL;
}

static int looks_like_python(const struct interpreter_file *file)
{
    return file->runtime || file->py_version || file->interp_head || file->thread_state_current ||
           file->name_major >= 0;
}

uint64_t python_process_interpreters_head(const struct python_target *target,
                                          const struct python_layout *layout) {
    if (target->runtime && layout->runtime_interpreters_head >= 0)
        return target->runtime + (uint64_t)layout->runtime_interpreters_head;
    return target->interp_head;
}

/* 1 if interp looks like a PyInterpreterState: its first thread state
 * points back to it (or it has no thread yet, when allow_empty). */
static int is_interpreter(struct remote_memory *memory, const struct python_layout *layout,
                          uint64_t interp, int allow_empty) {
    uint64_t thread = 0, back = 0;
    if (interp == 0 || (interp & 7)) return 0;
    if (remote_read_word(memory, interp + (uint64_t)layout->interp_threads_head, &thread)) return 0;
    if (thread == 0) return allow_empty;
    if (thread & 7) return 0;
    if (remote_read_word(memory, thread + (uint64_t)layout->tstate_interp, &back)) return 0;
    return back == interp;
}

/* 1 if value is an address inside one of the process's mappings. */
static int is_mapped(const struct map_list *maps, uint64_t value)
{
    for (size_t i = 0; i < maps->count; i++)
        if (value >= maps->entries[i].start && value < maps->entries[i].end) return 1;
    return 0;
}

/* A stronger check for scanned candidates (a thread state's own fields
 * can pass is_interpreter): the interpreter's first thread has a thread
 * id that is a pthread_t (an address in a mapping) and, where the thread
 * state records it (3.11+), a Linux tid of this process. */
static int has_real_thread(struct remote_memory *memory, const struct map_list *maps,
                           const struct python_layout *layout, uint64_t interp, int pid)
{
    uint64_t thread = 0, thread_id = 0;
    if (remote_read_word(memory, interp + (uint64_t)layout->interp_threads_head, &thread)) return 0;
    if (remote_read_word(memory, thread + (uint64_t)layout->tstate_thread_id, &thread_id)) return 0;
    if (!is_mapped(maps, thread_id)) return 0;
    if (layout->tstate_native_thread_id >= 0) {
        uint64_t tid = 0;
        char path[64];
        struct stat info;
        if (remote_read_word(memory, thread + (uint64_t)layout->tstate_native_thread_id, &tid)) return 0;
        if (tid == 0 || tid > 0x3fffffff) return 0;
        snprintf(path, sizeof path, "/proc/%d/task/%d", pid, (int)tid);
        if (stat(path, &info) != 0) return 0;
    }
    return 1;
}

/* Scans the writable mappings of the interpreter file (its .data and
 * .bss, plus the anonymous mapping right after them, where a large .bss
 * continues) for the word holding the interpreters list head, validated
 * by is_interpreter(). Sets the runtime (3.7+) or interp_head (3.6)
 * address. 0 when found. */
static int scan_for_runtime(struct remote_memory *memory, const struct map_list *maps,
                            const struct interpreter_file *file, const struct python_layout *layout,
                            struct python_target *target) {
    int in_file = 0;
    for (size_t i = 0; i < maps->count; i++) {
        const struct map_entry *entry = &maps->entries[i];
        int is_file = strcmp(entry->path, file->path) == 0;
        int continues_bss = in_file && entry->path[0] == '\0';
        in_file = is_file || continues_bss;
        if (!entry->writable || !(is_file || continues_bss)) continue;
        size_t size = (size_t)(entry->end - entry->start);
        if (size > (64u << 20)) continue;
        uint64_t *words = malloc(size);
        if (!words) return -1;
        if (remote_read(memory, entry->start, words, size) != 0) {
            free(words);
            continue;
        }
        size_t count = size / 8;
        for (size_t w = 0; w < count; w++) {
            uint64_t candidate = words[w];
            if (candidate < 0x10000 || (candidate & 7)) continue;
            uint64_t location = entry->start + 8 * w;
            if (layout->runtime_interpreters_head >= 0) {
                /* interpreters.head is followed by interpreters.main */
                if (w + 1 >= count || words[w + 1] != candidate) continue;
                if (location < (uint64_t)layout->runtime_interpreters_head) continue;
            }
            if (!is_interpreter(memory, layout, candidate, 0)) continue;
            if (!has_real_thread(memory, maps, layout, candidate, target->pid)) continue;
            if (layout->runtime_interpreters_head >= 0)
                target->runtime = location - (uint64_t)layout->runtime_interpreters_head;
            else
                target->interp_head = location;
            target->found_by_scan = 1;
            free(words);
            return 0;
        }
        free(words);
    }
    return -1;
}

/* A "/3.10.13/" or "-3.10.13" component of path with this major.minor
 * (pyenv and source builds put the full version there). 0 when found. */
static int version_from_path(const char *path, int major, int minor, char *out, size_t size)
{
    char prefix[24];
    int prefix_length = snprintf(prefix, sizeof prefix, "%d.%d.", major, minor);
    for (const char *at = strstr(path, prefix); at; at = strstr(at + 1, prefix)) {
        if (at != path && at[-1] != '/' && at[-1] != '-') continue;
        const char *digits = at + prefix_length;
        size_t length = (size_t)prefix_length;
        while (digits[length - (size_t)prefix_length] >= '0' && digits[length - (size_t)prefix_length] <= '9')
            length++;
        if (length == (size_t)prefix_length || length >= size) continue;
        char end = at[length];
        if (end != '/' && end != '\0') continue;
        memcpy(out, at, length);
        out[length] = '\0';
        return 0;
    }
    return -1;
}

static void version_text(uint64_t hex, char *out, size_t size)
{
    int major = (int)((hex >> 24) & 0xff), minor = (int)((hex >> 16) & 0xff);
    int micro = (int)((hex >> 8) & 0xff), level = (int)((hex >> 4) & 0xf), serial = (int)(hex & 0xf);
    const char *level_name = level == 0xa ? "a" : level == 0xb ? "b" : level == 0xc ? "rc" : "";
    if (level == 0xf || !*level_name)
        snprintf(out, size, "%d.%d.%d", major, minor, micro);
    else
        snprintf(out, size, "%d.%d.%d%s%d", major, minor, micro, level_name, serial);
}

/* Picks the file holding the interpreter: a libpython mapping, else the
 * executable. Returns 0, or an errno value from opening it. */
static int choose_file(int pid, const struct map_list *maps, const char *exe,
                       struct interpreter_file *file, int *found_python) {
    *found_python = 0;
    const char *library = NULL;
    for (size_t i = 0; i < maps->count && !library; i++)
        if (strstr(base_name(maps->entries[i].path), "libpython")) library = maps->entries[i].path;
    int result = 0;
    if (library) {
        result = open_interpreter_file(pid, maps, library, file);
        if (result == 0) {
            *found_python = 1;
            return 0;
        }
        close_interpreter_file(file);
        if (result == EACCES || result == EPERM) return result;
    }
    result = open_interpreter_file(pid, maps, exe, file);
    if (result == 0) *found_python = looks_like_python(file);
    return result;
}

int python_process_alive(int pid)
{
    char path[64];
    struct stat info;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (stat(path, &info) != 0) return 0;
    FILE *file = fopen(path, "re");
    if (!file) return 1;
    char line[512];
    int alive = 1;
    if (fgets(line, sizeof line, file)) {
        const char *end = strrchr(line, ')');
        if (end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X')) alive = 0;
    }
    fclose(file);
    return alive;
}

enum python_status python_process_find(int pid, struct remote_memory *memory,
                                       struct python_target *target, char *error,
                                       size_t error_size) {
    char proc_path[64], exe[4096];
    struct stat status_info;
    memset(target, 0, sizeof *target);
    target->pid = pid;
    snprintf(proc_path, sizeof proc_path, "/proc/%d", pid);
    if (pid <= 0 || stat(proc_path, &status_info) != 0) {
        snprintf(error, error_size, "no process with pid %d", pid);
        return PYTHON_NO_PROCESS;
    }
    snprintf(proc_path, sizeof proc_path, "/proc/%d/exe", pid);
    ssize_t length = readlink(proc_path, exe, sizeof exe - 1);
    if (length < 0) {
        if (errno == EACCES || errno == EPERM) {
            python_process_permission_message(pid, "read the executable and mappings", error,
                                              error_size);
            return PYTHON_NO_PERMISSION;
        }
        snprintf(proc_path, sizeof proc_path, "/proc/%d", pid);
        if (stat(proc_path, &status_info) != 0) {
            snprintf(error, error_size, "no process with pid %d (it exited)", pid);
            return PYTHON_NO_PROCESS;
        }
        snprintf(error, error_size,
                 "process %d is not a Python process: it has no executable (a kernel thread or "
                 "a process that is exiting)",
                 pid);
        return PYTHON_NOT_PYTHON;
    }
    exe[length] = '\0';
    if (length > 10 && strcmp(exe + length - 10, " (deleted)") == 0) exe[length - 10] = '\0';

    struct map_list maps = {0};
    int maps_error = read_maps(pid, &maps);
    if (maps_error) {
        free_maps(&maps);
        if (maps_error == EACCES || maps_error == EPERM) {
            python_process_permission_message(pid, "read the mappings (/proc/PID/maps)", error,
                                              error_size);
            return PYTHON_NO_PERMISSION;
        }
        /* No mappings from a live process: it exec'd while they were read
         * (the file reads the address space it had when opened), as a
         * launcher such as pyenv's shim does on its way to Python. */
        if (python_process_alive(pid)) {
            snprintf(error, error_size,
                     "process %d (%s) replaced its address space (exec) while its mappings were "
                     "read: retry",
                     pid, exe);
            return PYTHON_NOT_READY;
        }
        snprintf(error, error_size, "no process with pid %d (it exited)", pid);
        return PYTHON_NO_PROCESS;
    }

    struct interpreter_file file;
    int found_python = 0;
    int open_error = choose_file(pid, &maps, exe, &file, &found_python);
    enum python_status result = PYTHON_OK;
    if (open_error == EACCES || open_error == EPERM) {
        python_process_permission_message(pid, "open the executable files (/proc/PID/root)", error,
                                          error_size);
        result = PYTHON_NO_PERMISSION;
        goto done;
    }
    if (open_error || !found_python) {
        int name_major, name_minor;
        if (open_error == 0 && file.elf && python_elf_needs(file.elf, "libpython")) {
            snprintf(error, error_size,
                     "process %d (%s) needs libpython but has not mapped it yet: retry", pid, exe);
            result = PYTHON_NOT_READY;
        } else if (version_from_name(exe, &name_major, &name_minor) == 0) {
            snprintf(error, error_size,
                     "process %d (%s) is named like Python but neither it nor a libpython "
                     "mapping has CPython's symbols (_PyRuntime, interp_head, Py_Version)",
                     pid, exe);
            result = PYTHON_NOT_PYTHON;
        } else {
            snprintf(error, error_size,
                     "process %d (%s) is not a Python process: no libpython in its mappings "
                     "and no CPython symbols (_PyRuntime, interp_head) in its executable",
                     pid, exe);
            result = PYTHON_NOT_PYTHON;
        }
        goto done;
    }
    snprintf(target->binary, sizeof target->binary, "%s", file.path);

    /* The version: _Py_DebugOffsets, Py_Version, file names, a string. */
    uint64_t hex = 0;
    if (file.runtime) {
        char cookie[8];
        int read_error = remote_read(memory, file.runtime, cookie, sizeof cookie);
        if (read_error == EPERM || read_error == EACCES) {
            python_process_permission_message(pid, "read the memory (process_vm_readv)", error,
                                              error_size);
            result = PYTHON_NO_PERMISSION;
            goto done;
        }
        if (read_error == ESRCH) {
            snprintf(error, error_size, "process %d exited", pid);
            result = PYTHON_NO_PROCESS;
            goto done;
        }
        if (read_error == 0 && memcmp(cookie, "xdebugpy", 8) == 0)
            remote_read_word(memory, file.runtime + 8, &hex);
    }
    if (!hex && file.py_version) {
        uint64_t word = 0;
        int read_error = remote_read_word(memory, file.py_version, &word);
        if (read_error == EPERM || read_error == EACCES) {
            python_process_permission_message(pid, "read the memory (process_vm_readv)", error,
                                              error_size);
            result = PYTHON_NO_PERMISSION;
            goto done;
        }
        hex = word & 0xffffffffu;
        if ((hex >> 24) != 3) hex = 0;
    }
    if (hex) {
        target->major = (int)((hex >> 24) & 0xff);
        target->minor = (int)((hex >> 16) & 0xff);
        version_text(hex, target->version, sizeof target->version);
    } else {
        int major = file.name_major, minor = file.name_minor;
        if (major < 0) version_from_name(exe, &major, &minor);
        if (python_elf_find_version_string(file.elf, major >= 0 ? major : 3,
                                           major >= 0 ? minor : -1, target->version,
                                           sizeof target->version) == 0) {
            sscanf(target->version, "%d.%d", &target->major, &target->minor);
        } else if (major >= 0) {
            target->major = major;
            target->minor = minor;
            if (version_from_path(file.path, major, minor, target->version, sizeof target->version) != 0)
                snprintf(target->version, sizeof target->version, "%d.%d", major, minor);
        } else if (python_elf_find_version_string(file.elf, 2, 7, target->version,
                                                  sizeof target->version) == 0) {
            target->major = 2;
            target->minor = 7;
        } else {
            snprintf(error, error_size,
                     "process %d (%s) has CPython symbols but its version could not be "
                     "learned (no _Py_DebugOffsets, Py_Version, versioned file name or "
                     "version string)",
                     pid, file.path);
            result = PYTHON_UNSUPPORTED_VERSION;
            goto done;
        }
    }
    target->layout = python_layout_find(target->major, target->minor);
    if (!target->layout) {
        snprintf(error, error_size,
                 "process %d runs CPython %s (%s): unsupported version %d.%d (ember reads "
                 "CPython 3.6 to 3.13)",
                 pid, target->version, file.path, target->major, target->minor);
        result = PYTHON_UNSUPPORTED_VERSION;
        goto done;
    }
    if (getenv("EMBER_PYTHON_SCAN")) {
        /* tests: find the interpreter as if the file had no symbols */
        file.runtime = 0;
        file.interp_head = 0;
    }
    target->code_type = file.code_type;
    target->thread_state_current = file.thread_state_current;
    if (target->layout->runtime_interpreters_head >= 0)
        target->runtime = file.runtime;
    else
        target->interp_head = file.interp_head;

    if (!target->runtime && !target->interp_head) {
        if (scan_for_runtime(memory, &maps, &file, target->layout, target) != 0) {
            snprintf(error, error_size,
                     "process %d runs CPython %s but the interpreter state was not found: %s "
                     "has no %s symbol and scanning its writable data found no interpreter "
                     "(it may still be starting: retry)",
                     pid, target->version, file.path,
                     target->layout->runtime_interpreters_head >= 0 ? "_PyRuntime" : "interp_head");
            result = PYTHON_NOT_FOUND;
            goto done;
        }
    }

    /* Ready: an interpreter with a thread. */
    uint64_t head_address = python_process_interpreters_head(target, target->layout), head = 0;
    int read_error = remote_read_word(memory, head_address, &head);
    if (read_error == EPERM || read_error == EACCES) {
        python_process_permission_message(pid, "read the memory (process_vm_readv)", error,
                                          error_size);
        result = PYTHON_NO_PERMISSION;
    } else if (read_error == ESRCH) {
        snprintf(error, error_size, "process %d exited", pid);
        result = PYTHON_NO_PROCESS;
    } else if (read_error) {
        snprintf(error, error_size,
                 "process %d runs CPython %s but its interpreter list at 0x%" PRIx64
                 " cannot be read (%s)",
                 pid, target->version, head_address, strerror(read_error));
        result = PYTHON_NOT_FOUND;
    } else if (head == 0 || !is_interpreter(memory, target->layout, head, 1)) {
        snprintf(error, error_size,
                 "process %d runs CPython %s but its interpreter is not initialized yet: retry",
                 pid, target->version);
        result = PYTHON_NOT_READY;
    } else {
        uint64_t thread = 0;
        remote_read_word(memory, head + (uint64_t)target->layout->interp_threads_head, &thread);
        if (thread == 0) {
            snprintf(error, error_size,
                     "process %d runs CPython %s but its interpreter has no thread yet: retry",
                     pid, target->version);
            result = PYTHON_NOT_READY;
        }
    }
done:
    if (file.elf) close_interpreter_file(&file);
    free_maps(&maps);
    return result;
}
