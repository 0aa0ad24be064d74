/* python_native.c — native stacks of stopped Python threads; see
 * python_native.h. */
#define _GNU_SOURCE /* process_vm_readv */
#include "python_native.h"
#include "proc_maps.h"
#include "python_pause.h"
#include "../util/memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define NATIVE_STACK_BYTES 65536
#define NATIVE_PAGE 4096
#define NATIVE_MAX_FRAMES 512

static void load_mappings(struct python_native *native)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", native->pid);
    FILE *maps = fopen(path, "re");
    native->symbolizer = symbolizer_create();
    native_frames_init(&native->frames, native->profile, native->symbolizer);
    dwarf_unwinder_forget(native->unwinder, native->pid);
    if (!maps)
        return;
    char *text = NULL;
    size_t text_length = 0, text_capacity = 0;
    char line[4096 + 256];
    while (fgets(line, sizeof line, maps)) {
        size_t length = strlen(line);
        GROW(text, text_capacity, text_length + length + 1);
        memcpy(text + text_length, line, length);
        text_length += length;
        struct proc_maps_line mapping;
        if (!proc_maps_line_parse(line, line + strcspn(line, "\n"), &mapping) || mapping.path_length == 0)
            continue;
        char *file = (char *)mapping.path;
        file[mapping.path_length] = 0;
        /* Executable mappings, as perf's MMAP records give them. */
        if (mapping.permissions[2] == 'x' && (file[0] == '/' || strcmp(file, "[vdso]") == 0))
            dwarf_unwinder_add_mapping(native->unwinder, native->pid, mapping.start,
                                       mapping.end - mapping.start, mapping.offset, file);
    }
    fclose(maps);
    if (text)
        symbolizer_add_maps_text(native->symbolizer, text, text_length);
    free(text);
}

static void drop_mappings(struct python_native *native)
{
    if (!native->symbolizer)
        return;
    native_frames_free(&native->frames);
    symbolizer_destroy(native->symbolizer);
    native->symbolizer = NULL;
}

void python_native_init(struct python_native *native, int pid, struct profile *profile,
                        struct dwarf_unwinder *unwinder)
{
    memset(native, 0, sizeof *native);
    native->pid = pid;
    native->profile = profile;
    native->unwinder = unwinder;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t length = readlink(path, native->executable, sizeof native->executable - 1);
    native->executable[length > 0 ? length : 0] = 0;
    native->stack_copy = xmalloc(NATIVE_STACK_BYTES);
    load_mappings(native);
}

void python_native_free(struct python_native *native)
{
    drop_mappings(native);
    dwarf_unwinder_forget(native->unwinder, native->pid);
    free(native->classes);
    free(native->stack_copy);
    native->classes = NULL;
    native->stack_copy = NULL;
}

/* Copies up to NATIVE_STACK_BYTES from sp, page by page so that a copy
 * reaching past the stack's end still returns what precedes it. */
static size_t copy_stack(int pid, uint64_t sp, uint8_t *copy)
{
    struct iovec local[NATIVE_STACK_BYTES / NATIVE_PAGE + 1], remote[NATIVE_STACK_BYTES / NATIVE_PAGE + 1];
    size_t count = 0, total = 0;
    uint64_t address = sp;
    while (total < NATIVE_STACK_BYTES && count < sizeof local / sizeof local[0]) {
        size_t chunk = NATIVE_PAGE - (size_t)(address % NATIVE_PAGE);
        if (chunk > NATIVE_STACK_BYTES - total)
            chunk = NATIVE_STACK_BYTES - total;
        local[count].iov_base = copy + total;
        local[count].iov_len = chunk;
        remote[count].iov_base = (void *)(uintptr_t)address;
        remote[count].iov_len = chunk;
        count++;
        total += chunk;
        address += chunk;
    }
    ssize_t got = process_vm_readv(pid, local, count, remote, count, 0);
    return got > 0 ? (size_t)got : 0;
}

static enum python_native_class class_of(struct python_native *native, uint32_t frame,
                                         const char *eval_name)
{
    if (frame >= native->class_capacity) {
        size_t old = native->class_capacity;
        GROW(native->classes, native->class_capacity, (size_t)frame + 1);
        memset(native->classes + old, 0, native->class_capacity - old);
    }
    if (native->classes[frame])
        return (enum python_native_class)(native->classes[frame] - 1);
    const struct frame *record = &native->profile->frames[frame];
    const char *module = record->file == PROFILE_NONE ? NULL
                                                      : profile_string(native->profile, record->file);
    const char *name = profile_string(native->profile, record->name);
    /* Unnamed frames are named "0x..." by native_frames. */
    enum python_native_class klass = python_native_classify(
        name[0] == '0' && name[1] == 'x' ? NULL : name, module, native->executable, eval_name);
    native->classes[frame] = (uint8_t)(klass + 1);
    return klass;
}

/* A frame without a symbol inside a known file is named "[file's base
 * name]" (stackcollapse-perf.pl's naming of unknown symbols), so that the
 * static functions of a stripped library make one stable frame rather than
 * one per address. */
static uint32_t module_frame(struct python_native *native, uint32_t frame)
{
    struct profile *profile = native->profile;
    const struct frame *record = &profile->frames[frame];
    const char *name = profile_string(profile, record->name);
    if (record->file == PROFILE_NONE || name[0] != '0' || name[1] != 'x')
        return frame;
    const char *path = profile_string(profile, record->file);
    const char *slash = strrchr(path, '/');
    char bracketed[512];
    int length = snprintf(bracketed, sizeof bracketed, "[%s]", slash ? slash + 1 : path);
    if (length < 0 || (size_t)length >= sizeof bracketed)
        return frame;
    return profile_frame(profile, profile_intern(profile, bracketed, (size_t)length),
                         record->file, 0, FRAME_NATIVE);
}

size_t python_native_stack(struct python_native *native, int tid, double now,
                           struct python_merge_native *out, size_t capacity)
{
    if (native->reload_wanted && now - native->last_reload > 0.05) {
        drop_mappings(native);
        load_mappings(native);
        memset(native->classes, 0, native->class_capacity);
        native->last_reload = now;
        native->reload_wanted = 0;
    }
    uint64_t regs[17];
    if (python_pause_registers(tid, regs, 17) != 17) {
        native->failed++;
        return 0;
    }
    size_t stack_size = copy_stack(native->pid, regs[7], native->stack_copy);
    uint64_t addresses[NATIVE_MAX_FRAMES];
    size_t count = dwarf_unwind(native->unwinder, native->pid, DWARF_UNWIND_REGS_MASK, regs,
                                native->stack_copy, stack_size, addresses, NATIVE_MAX_FRAMES);
    if (count == 0) {
        native->failed++;
        return 0;
    }
    native->unwound++;
    if (count > capacity)
        count = capacity;
    /* Leaf first from the unwinder; callers looked up at their return
     * address minus one (the call instruction). */
    uint32_t frames[NATIVE_MAX_FRAMES];
    const char *names[NATIVE_MAX_FRAMES];
    for (size_t i = 0; i < count; i++) {
        uint64_t lookup = i == 0 ? addresses[i] : addresses[i] - 1;
        frames[i] = module_frame(native, native_frames_get(&native->frames, lookup, addresses[i]));
        if (native->profile->frames[frames[i]].file == PROFILE_NONE)
            native->reload_wanted = 1;
        names[i] = profile_frame_name(native->profile, frames[i]);
    }
    const char *eval_name = python_merge_eval_name(names, count);
    for (size_t i = 0; i < count; i++) {
        out[i].frame = frames[count - 1 - i];
        out[i].klass = class_of(native, out[i].frame, eval_name);
    }
    return count;
}
