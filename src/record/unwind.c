/* unwind.c — DWARF unwinding of copied user stacks with libdwfl; see
 * unwind.h.
 *
 * Data structures:
 * - struct unwind_file: one per distinct path the unwinder has seen,
 *   shared by every process mapping it, read once when a mapping of it is
 *   added: its contents (mmap'ed copy-on-write, the descriptor closed at
 *   once, so that a thousand processes' modules hold no descriptors) and
 *   the PT_LOAD headers that turn a mapping's file offset into the file's
 *   load bias. "[vdso]" is a copy of this process's vDSO (the kernel maps
 *   the same image into every process).
 * - struct unwind_mapping: a process's file mapping, with its file and
 *   load bias; each process keeps them sorted by start, non-overlapping.
 * - struct unwind_process: one per pid, in a chained hash table. Its Dwfl
 *   is built on the first unwind and grows incrementally
 *   (dwfl_report_begin_add) as mappings are added; it is rebuilt from
 *   scratch only when a mapping that was reported is replaced by one of a
 *   different module. A module is a (file, bias) pair, reported once with
 *   dwfl_report_module at the addresses its PT_LOAD segments take at that
 *   bias; libdwfl asks for its ELF (find_elf), and gets an elf_memory()
 *   handle over the file's contents, from which it computes the same bias
 *   (start minus the first segment's page-aligned address).
 *
 * A sample is first unwound from the process's cache of per-address CFI
 * rules (unwind_rules.h): when every frame has the simple forms compilers
 * emit, the registers are stepped here, without libdwfl. Otherwise it is
 * handed to libdwfl: the process is pointed at the sample (struct
 * unwind_sample) and libdwfl asked for the frames of its one "thread",
 * whose callbacks serve the sample's registers and stack copy. Both paths
 * stop at the same places (tests and fuzz/unwind.c compare them): a read
 * the copy or the mapped files cannot serve ends the chain, and any frame
 * libdwfl produces after such a failure (it falls back to a frame-pointer
 * guess) is not reported: a chain is cut where the copy ends, never
 * continued with garbage.
 */
#include "unwind.h"
#include "unwind_rules.h"
#include "../util/hash.h"
#include "../util/memory.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DWARF_REGISTER_SP 7
#define DWARF_GENERAL_REGISTERS 16 /* rax..r15; rip (16) is the PC */

struct load_header {
    uint64_t file_offset, file_size, virtual_address, memory_size, alignment;
};

struct unwind_file {
    char *path;
    int opened; /* 0 not yet tried, 1 usable, -1 not an ELF file we can use */
    int is_copy; /* contents are malloc'ed (the vDSO), else mmap'ed */
    Elf *elf;    /* elf_memory over contents, for the program headers */
    char *contents; /* the whole file */
    size_t size;
    struct load_header *loads;
    size_t load_count;
    struct unwind_file *next; /* hash chain */
};

struct unwind_mapping {
    uint64_t start, end, file_offset;
    struct unwind_file *file; /* NULL when the file is unusable */
    uint64_t bias;
    int reported; /* its module is in the process's Dwfl */
};

struct unwind_module {
    struct unwind_file *file;
    uint64_t bias;
};

struct unwind_sample {
    const uint64_t *regs;
    uint64_t regs_mask;
    const uint8_t *stack;
    uint64_t stack_start, stack_end; /* [SP, SP + size) */
    int read_failed;
};

struct unwind_process {
    int pid;
    struct unwind_mapping *mappings; /* sorted by start */
    size_t mapping_count, mapping_capacity;
    struct unwind_module *modules; /* reported to dwfl */
    size_t module_count, module_capacity;
    Dwfl *dwfl;
    int attached;       /* dwfl_attach_state done */
    int needs_rebuild;  /* a reported mapping was replaced */
    int needs_report;   /* some mapping is not reported yet */
    struct unwind_rule_cache *rules; /* of this Dwfl's modules; NULL until needed */
    struct unwind_sample *sample; /* during dwarf_unwind only */
    struct unwind_process *next;  /* hash chain */
};

struct dwarf_unwinder {
    struct unwind_process **processes;
    size_t process_mask, process_count;
    struct unwind_file **files;
    size_t file_mask, file_count;
    int use_rules; /* unwind simple frames from cached rules (default) */
    struct dwarf_unwind_stats stats;
};

struct unwind_walk {
    const struct unwind_process *process;
    struct unwind_sample *sample;
    uint64_t *frames;
    size_t count, max_frames;
    uint64_t last_sp;
};

/* No separate debug files: .eh_frame (and a file's own .debug_frame) is
 * what unwinding needs, and looking for debug files per process would cost
 * more than the unwinding. */
static int unwind_find_no_debuginfo(Dwfl_Module *module, void **userdata, const char *name,
                                    Dwarf_Addr base, const char *file_name,
                                    const char *debuglink_file, GElf_Word debuglink_crc,
                                    char **debuginfo_file_name)
{
    return -1;
}

/* A module's ELF: its userdata is its struct unwind_file (set when it is
 * reported). libdwfl ends the handle; the contents stay ours. Returns no
 * descriptor (-1). */
static int unwind_find_elf(Dwfl_Module *module, void **userdata, const char *name,
                           Dwarf_Addr base, char **file_name, Elf **elf)
{
    const struct unwind_file *file = *userdata;
    if (file)
        *elf = elf_memory(file->contents, file->size);
    return -1;
}

static const Dwfl_Callbacks unwind_dwfl_callbacks = {
    .find_elf = unwind_find_elf,
    .find_debuginfo = unwind_find_no_debuginfo,
};

/* ---- files ---- */

static void read_load_headers(struct unwind_file *file)
{
    size_t count;
    if (elf_getphdrnum(file->elf, &count) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        GElf_Phdr header;
        if (!gelf_getphdr(file->elf, (int)i, &header) || header.p_type != PT_LOAD)
            continue;
        file->loads = xrealloc(file->loads, (file->load_count + 1) * sizeof *file->loads);
        file->loads[file->load_count++] = (struct load_header){
            header.p_offset, header.p_filesz, header.p_vaddr, header.p_memsz, header.p_align};
    }
}

/* A copy of this process's vDSO, which stands for any process's "[vdso]"
 * (the kernel maps the same image into every process). */
static void copy_vdso(struct unwind_file *file)
{
    const unsigned char *image = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (!image || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_CLASS] != ELFCLASS64)
        return;
    Elf64_Ehdr header;
    memcpy(&header, image, sizeof header);
    /* The image ends with its section headers, or its last segment. */
    uint64_t size = header.e_shoff + (uint64_t)header.e_shnum * header.e_shentsize;
    for (unsigned i = 0; i < header.e_phnum; i++) {
        Elf64_Phdr segment;
        memcpy(&segment, image + header.e_phoff + (uint64_t)i * header.e_phentsize,
               sizeof segment);
        if (segment.p_type == PT_LOAD && segment.p_offset + segment.p_filesz > size)
            size = segment.p_offset + segment.p_filesz;
    }
    if (size < sizeof header || size > (1u << 24))
        return;
    file->contents = xmalloc(size);
    memcpy(file->contents, image, size);
    file->size = size;
    file->is_copy = 1;
}

/* Maps path's contents copy-on-write (libelf may write into an
 * elf_memory image; the file never changes). Only regular files: a
 * perf.data file could name a FIFO. */
static void map_file(struct unwind_file *file)
{
    int fd = open(file->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat status;
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0 &&
        (uint64_t)status.st_size <= SIZE_MAX) {
        void *contents =
            mmap(NULL, (size_t)status.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (contents != MAP_FAILED) {
            file->contents = contents;
            file->size = (size_t)status.st_size;
        }
    }
    close(fd);
}

static void open_file(struct unwind_file *file)
{
    file->opened = -1;
    if (strcmp(file->path, "[vdso]") == 0)
        copy_vdso(file);
    else
        map_file(file);
    if (!file->contents)
        return;
    file->elf = elf_memory(file->contents, file->size);
    if (!file->elf || elf_kind(file->elf) != ELF_K_ELF)
        return;
    read_load_headers(file);
    if (file->load_count > 0)
        file->opened = 1;
}

static void close_file(struct unwind_file *file)
{
    if (file->elf)
        elf_end(file->elf);
    if (file->is_copy)
        free(file->contents);
    else if (file->contents)
        munmap(file->contents, file->size);
    free(file->loads);
    free(file->path);
    free(file);
}

static struct unwind_file *file_for_path(struct dwarf_unwinder *unwinder, const char *path)
{
    size_t length = strlen(path);
    size_t slot = hash_bytes(path, length) & unwinder->file_mask;
    for (struct unwind_file *file = unwinder->files[slot]; file; file = file->next)
        if (strcmp(file->path, path) == 0)
            return file->opened > 0 ? file : NULL;
    struct unwind_file *file = xcalloc(1, sizeof *file);
    file->path = xstrdup(path);
    file->next = unwinder->files[slot];
    unwinder->files[slot] = file;
    if (++unwinder->file_count > unwinder->file_mask) {
        size_t mask = unwinder->file_mask * 2 + 1;
        struct unwind_file **files = xcalloc(mask + 1, sizeof *files);
        for (size_t i = 0; i <= unwinder->file_mask; i++)
            while (unwinder->files[i]) {
                struct unwind_file *moved = unwinder->files[i];
                unwinder->files[i] = moved->next;
                size_t to = hash_bytes(moved->path, strlen(moved->path)) & mask;
                moved->next = files[to];
                files[to] = moved;
            }
        free(unwinder->files);
        unwinder->files = files;
        unwinder->file_mask = mask;
    }
    open_file(file);
    return file->opened > 0 ? file : NULL;
}

/* The load bias of file when its byte file_offset is mapped at start. The
 * loader maps each PT_LOAD segment from the page holding its first byte, so
 * the mapping holds the segment with the largest offset whose page is at or
 * before file_offset and which extends past it. Returns 0 when none does
 * (not part of the ELF image: a data file mapped whole, say). */
static int bias_of_mapping(const struct unwind_file *file, uint64_t start, uint64_t file_offset,
                           uint64_t *bias)
{
    const struct load_header *best = NULL;
    for (size_t i = 0; i < file->load_count; i++) {
        const struct load_header *load = &file->loads[i];
        uint64_t first_page = load->file_offset & ~(uint64_t)0xfff;
        if (first_page > file_offset || load->file_offset + load->file_size <= file_offset)
            continue;
        if (!best || load->file_offset > best->file_offset)
            best = load;
    }
    if (!best)
        return 0;
    /* start holds file_offset, whose address in the file is
     * virtual_address + (file_offset - segment offset). */
    *bias = start - (best->virtual_address + file_offset - best->file_offset);
    return 1;
}

/* ---- processes ---- */

static struct unwind_process **process_slot(struct dwarf_unwinder *unwinder, int pid)
{
    struct unwind_process **slot =
        &unwinder->processes[hash_mix64((uint64_t)(uint32_t)pid) & unwinder->process_mask];
    while (*slot && (*slot)->pid != pid)
        slot = &(*slot)->next;
    return slot;
}

static struct unwind_process *find_process(struct dwarf_unwinder *unwinder, int pid)
{
    return *process_slot(unwinder, pid);
}

static void grow_process_table(struct dwarf_unwinder *unwinder)
{
    size_t mask = unwinder->process_mask * 2 + 1;
    struct unwind_process **table = xcalloc(mask + 1, sizeof *table);
    for (size_t i = 0; i <= unwinder->process_mask; i++)
        while (unwinder->processes[i]) {
            struct unwind_process *moved = unwinder->processes[i];
            unwinder->processes[i] = moved->next;
            size_t to = hash_mix64((uint64_t)(uint32_t)moved->pid) & mask;
            moved->next = table[to];
            table[to] = moved;
        }
    free(unwinder->processes);
    unwinder->processes = table;
    unwinder->process_mask = mask;
}

static struct unwind_process *add_process(struct dwarf_unwinder *unwinder, int pid)
{
    struct unwind_process **slot = process_slot(unwinder, pid);
    if (*slot)
        return *slot;
    struct unwind_process *process = xcalloc(1, sizeof *process);
    process->pid = pid;
    *slot = process;
    if (++unwinder->process_count > unwinder->process_mask)
        grow_process_table(unwinder);
    return process;
}

static void reset_dwfl(struct unwind_process *process)
{
    if (process->dwfl)
        dwfl_end(process->dwfl);
    process->dwfl = NULL;
    process->attached = 0;
    process->module_count = 0;
    process->needs_rebuild = 0;
    for (size_t i = 0; i < process->mapping_count; i++)
        process->mappings[i].reported = 0;
    process->needs_report = process->mapping_count > 0;
    if (process->rules)
        unwind_rule_cache_clear(process->rules);
}

static void free_process(struct unwind_process *process)
{
    if (process->dwfl)
        dwfl_end(process->dwfl);
    unwind_rule_cache_destroy(process->rules);
    free(process->mappings);
    free(process->modules);
    free(process);
}

struct dwarf_unwinder *dwarf_unwinder_create(void)
{
    struct dwarf_unwinder *unwinder = xcalloc(1, sizeof *unwinder);
    unwinder->process_mask = 63;
    unwinder->processes = xcalloc(unwinder->process_mask + 1, sizeof *unwinder->processes);
    unwinder->file_mask = 63;
    unwinder->files = xcalloc(unwinder->file_mask + 1, sizeof *unwinder->files);
    unwinder->use_rules = 1;
    elf_version(EV_CURRENT);
    return unwinder;
}

void dwarf_unwinder_destroy(struct dwarf_unwinder *unwinder)
{
    if (!unwinder)
        return;
    for (size_t i = 0; i <= unwinder->process_mask; i++)
        while (unwinder->processes[i]) {
            struct unwind_process *process = unwinder->processes[i];
            unwinder->processes[i] = process->next;
            free_process(process);
        }
    for (size_t i = 0; i <= unwinder->file_mask; i++)
        while (unwinder->files[i]) {
            struct unwind_file *file = unwinder->files[i];
            unwinder->files[i] = file->next;
            close_file(file);
        }
    free(unwinder->processes);
    free(unwinder->files);
    free(unwinder);
}

static int same_module(const struct unwind_mapping *a, const struct unwind_mapping *b)
{
    return a->file == b->file && a->bias == b->bias;
}

/* Inserts mapping into the process's sorted list, cutting away what it
 * overlaps. Replacing a reported mapping of another module makes the Dwfl
 * stale. */
static void insert_mapping(struct unwind_process *process, struct unwind_mapping mapping)
{
    GROW(process->mappings, process->mapping_capacity, process->mapping_count + 2);
    struct unwind_mapping *list = process->mappings;
    size_t index = 0;
    while (index < process->mapping_count && list[index].end <= mapping.start)
        index++;
    /* list[index] is the first mapping ending after the new one starts. */
    while (index < process->mapping_count && list[index].start < mapping.end) {
        struct unwind_mapping *old = &list[index];
        if (old->reported && !same_module(old, &mapping))
            process->needs_rebuild = 1;
        if (old->start < mapping.start && old->end > mapping.end) {
            /* The new mapping punches a hole: keep both sides. */
            struct unwind_mapping tail = *old;
            tail.file_offset += mapping.end - old->start;
            tail.start = mapping.end;
            old->end = mapping.start;
            memmove(&list[index + 2], &list[index + 1],
                    (process->mapping_count - index - 1) * sizeof *list);
            list[index + 1] = tail;
            process->mapping_count++;
            index++;
            break;
        }
        if (old->start < mapping.start) {
            old->end = mapping.start;
            index++;
        } else if (old->end > mapping.end) {
            old->file_offset += mapping.end - old->start;
            old->start = mapping.end;
            break;
        } else {
            memmove(old, old + 1, (process->mapping_count - index - 1) * sizeof *list);
            process->mapping_count--;
        }
    }
    memmove(&list[index + 1], &list[index], (process->mapping_count - index) * sizeof *list);
    list[index] = mapping;
    process->mapping_count++;
    if (mapping.file)
        process->needs_report = 1;
}

static int is_file_path(const char *path)
{
    if (!path || !*path)
        return 0;
    if (strcmp(path, "[vdso]") == 0)
        return 1;
    return path[0] == '/' && strncmp(path, "//anon", 6) != 0;
}

void dwarf_unwinder_add_mapping(struct dwarf_unwinder *unwinder, int pid, uint64_t start,
                                uint64_t length, uint64_t file_offset, const char *path)
{
    if (length == 0 || start + length < start)
        return;
    struct unwind_mapping mapping = {start, start + length, file_offset, NULL, 0, 0};
    if (is_file_path(path)) {
        struct unwind_file *file = file_for_path(unwinder, path);
        if (file && bias_of_mapping(file, start, file_offset, &mapping.bias))
            mapping.file = file;
    }
    /* Even an unusable mapping replaces what it overlaps. */
    insert_mapping(add_process(unwinder, pid), mapping);
}

void dwarf_unwinder_fork(struct dwarf_unwinder *unwinder, int parent_pid, int child_pid)
{
    if (parent_pid == child_pid)
        return;
    struct unwind_process *parent = find_process(unwinder, parent_pid);
    if (!parent)
        return;
    dwarf_unwinder_forget(unwinder, child_pid);
    parent = find_process(unwinder, parent_pid); /* (the table may not move, but be sure) */
    struct unwind_process *child = add_process(unwinder, child_pid);
    child->mapping_capacity = parent->mapping_count;
    child->mapping_count = parent->mapping_count;
    child->mappings = xmalloc((child->mapping_capacity ? child->mapping_capacity : 1) *
                              sizeof *child->mappings);
    for (size_t i = 0; i < parent->mapping_count; i++) {
        child->mappings[i] = parent->mappings[i];
        child->mappings[i].reported = 0;
    }
    child->needs_report = child->mapping_count > 0;
}

void dwarf_unwinder_forget(struct dwarf_unwinder *unwinder, int pid)
{
    struct unwind_process **slot = process_slot(unwinder, pid);
    struct unwind_process *process = *slot;
    if (!process)
        return;
    *slot = process->next;
    unwinder->process_count--;
    free_process(process);
}

/* ---- libdwfl thread callbacks: the sample as a stopped thread ---- */

static pid_t unwind_next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
    struct unwind_process *process = dwfl_arg;
    if (*thread_argp)
        return 0;
    *thread_argp = process;
    return process->pid;
}

static bool unwind_get_thread(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
    *thread_argp = dwfl_arg;
    return true;
}

static const struct unwind_mapping *mapping_at(const struct unwind_process *process,
                                               uint64_t address)
{
    size_t low = 0, high = process->mapping_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (process->mappings[middle].start <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return NULL;
    const struct unwind_mapping *mapping = &process->mappings[low - 1];
    return address < mapping->end ? mapping : NULL;
}

static bool unwind_memory_read(Dwfl *dwfl, Dwarf_Addr address, Dwarf_Word *result,
                               void *dwfl_arg)
{
    struct unwind_process *process = dwfl_arg;
    struct unwind_sample *sample = process->sample;
    if (address >= sample->stack_start && address < sample->stack_end &&
        sample->stack_end - address >= sizeof *result) {
        memcpy(result, sample->stack + (address - sample->stack_start), sizeof *result);
        return true;
    }
    /* Read-only contents of a mapped file (relocated data differs in the
     * process, but CFI expressions rarely look there). */
    const struct unwind_mapping *mapping = mapping_at(process, address);
    if (mapping && mapping->file && mapping->end - address >= sizeof *result) {
        uint64_t offset = address - mapping->start + mapping->file_offset;
        const struct unwind_file *file = mapping->file;
        if (file->contents && offset < file->size && file->size - offset >= sizeof *result) {
            memcpy(result, file->contents + offset, sizeof *result);
            return true;
        }
    }
    /* Below SP: a register an epilogue already popped (its CFI still says
     * "saved at CFA - N" until the return), or the red zone. The kernel
     * copies from SP up, so that value is lost, and so is the register;
     * the chain goes on without it (libdwfl leaves it unset, as the rules
     * do). Past the copy's end, the chain ends. */
    if (address >= sample->stack_start)
        sample->read_failed = 1;
    return false;
}

/* The value of perf register bit in the sample, if it was recorded. */
static int sample_register(const struct unwind_sample *sample, unsigned bit, uint64_t *value)
{
    if (!(sample->regs_mask & (1ULL << bit)))
        return 0;
    *value = sample->regs[__builtin_popcountll(sample->regs_mask & ((1ULL << bit) - 1))];
    return 1;
}

/* The perf register of each DWARF register number (rax 0, rdx 1, rcx 2,
 * rbx 3, rsi 4, rdi 5, rbp 6, rsp 7, r8-r15 8-15). */
static const unsigned char perf_register_of_dwarf[DWARF_GENERAL_REGISTERS] = {
    PERF_REG_X86_AX, PERF_REG_X86_DX, PERF_REG_X86_CX,  PERF_REG_X86_BX,
    PERF_REG_X86_SI, PERF_REG_X86_DI, PERF_REG_X86_BP,  PERF_REG_X86_SP,
    PERF_REG_X86_R8, PERF_REG_X86_R9, PERF_REG_X86_R10, PERF_REG_X86_R11,
    PERF_REG_X86_R12, PERF_REG_X86_R13, PERF_REG_X86_R14, PERF_REG_X86_R15,
};

static bool unwind_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
    struct unwind_process *process = thread_arg;
    const struct unwind_sample *sample = process->sample;
    for (int dwarf = 0; dwarf < DWARF_GENERAL_REGISTERS; dwarf++) {
        uint64_t value;
        if (!sample_register(sample, perf_register_of_dwarf[dwarf], &value))
            continue;
        Dwarf_Word word = value;
        if (!dwfl_thread_state_registers(thread, dwarf, 1, &word))
            return false;
    }
    uint64_t pc;
    if (!sample_register(sample, PERF_REG_X86_IP, &pc))
        return false;
    dwfl_thread_state_register_pc(thread, pc);
    /* rip as a register too (DWARF 16, the return-address column): PLT
     * stubs' CFA expressions read it (DW_OP_breg16). */
    Dwarf_Word pc_word = pc;
    dwfl_thread_state_registers(thread, UNWIND_RULE_RETURN_ADDRESS, 1, &pc_word);
    return true;
}

static const Dwfl_Thread_Callbacks unwind_thread_callbacks = {
    .next_thread = unwind_next_thread,
    .get_thread = unwind_get_thread,
    .memory_read = unwind_memory_read,
    .set_initial_registers = unwind_set_initial_registers,
};

static int collect_frame(Dwfl_Frame *state, void *arg)
{
    struct unwind_walk *walk = arg;
    /* Whatever libdwfl made of a frame whose registers could not be read
     * (its frame-pointer guess) is not trusted. */
    if (walk->sample->read_failed)
        return DWARF_CB_ABORT;
    Dwarf_Addr pc;
    if (!dwfl_frame_pc(state, &pc, NULL) || pc == 0)
        return DWARF_CB_ABORT;
    Dwarf_Word sp;
    if (dwfl_frame_reg(state, DWARF_REGISTER_SP, &sp) == 0) {
        /* Callers' frames are above their callees', inside the copy. */
        if (walk->count > 0 && (sp < walk->last_sp || sp > walk->sample->stack_end))
            return DWARF_CB_ABORT;
        walk->last_sp = sp;
    } else if (walk->count > 0) {
        return DWARF_CB_ABORT;
    }
    walk->frames[walk->count++] = pc;
    /* Code outside the mapped ELF files (JIT code, or a module the process
     * has unmapped since libdwfl saw it) has no CFI to go on: its frame is
     * the last. (Return addresses are looked up in their call.) */
    const struct unwind_mapping *mapping =
        mapping_at(walk->process, walk->count == 1 ? pc : pc - 1);
    if (!mapping || !mapping->file)
        return DWARF_CB_ABORT;
    return walk->count < walk->max_frames ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* Reports file's image at bias: from its first segment's page to its last
 * segment's end, which libdwfl turns back into bias when it reads the
 * ELF (see unwind_find_elf). */
static void report_module(Dwfl *dwfl, struct unwind_file *file, uint64_t bias)
{
    const struct load_header *first = &file->loads[0];
    /* (libdwfl's rule: p_vaddr & -p_align, even for an alignment of 0) */
    uint64_t low = first->virtual_address & (0 - first->alignment), high = 0;
    for (size_t i = 0; i < file->load_count; i++) {
        uint64_t end = file->loads[i].virtual_address + file->loads[i].memory_size;
        if (end > high)
            high = end;
    }
    if (high <= low)
        return;
    Dwfl_Module *module = dwfl_report_module(dwfl, file->path, low + bias, high + bias);
    void **userdata;
    if (module && dwfl_module_info(module, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
        *userdata = file;
}

/* Reports the process's mappings that are not in its Dwfl yet; builds the
 * Dwfl first if needed. Returns 0 when no module could be reported. */
static int prepare_dwfl(struct unwind_process *process)
{
    if (process->needs_rebuild)
        reset_dwfl(process);
    if (!process->dwfl) {
        process->dwfl = dwfl_begin(&unwind_dwfl_callbacks);
        if (!process->dwfl)
            return 0;
        process->needs_report = 1;
    }
    if (process->needs_report) {
        dwfl_report_begin_add(process->dwfl);
        for (size_t i = 0; i < process->mapping_count; i++) {
            struct unwind_mapping *mapping = &process->mappings[i];
            if (mapping->reported || !mapping->file)
                continue;
            mapping->reported = 1;
            int known = 0;
            for (size_t m = 0; m < process->module_count && !known; m++)
                known = process->modules[m].file == mapping->file &&
                        process->modules[m].bias == mapping->bias;
            if (known)
                continue;
            GROW(process->modules, process->module_capacity, process->module_count + 1);
            process->modules[process->module_count++] =
                (struct unwind_module){mapping->file, mapping->bias};
            report_module(process->dwfl, mapping->file, mapping->bias);
        }
        dwfl_report_end(process->dwfl, NULL, NULL);
        process->needs_report = 0;
        /* Addresses without a module may have one now. */
        if (process->rules)
            unwind_rule_cache_clear(process->rules);
    }
    if (!process->attached)
        process->attached =
            dwfl_attach_state(process->dwfl, NULL, process->pid, &unwind_thread_callbacks,
                              process);
    return process->attached;
}

/* ---- unwinding from cached rules ---- */

static const struct unwind_rule *rule_at(struct unwind_process *process, uint64_t address)
{
    if (!process->rules)
        process->rules = unwind_rule_cache_create();
    const struct unwind_rule *rule = unwind_rule_cache_find(process->rules, address);
    if (rule)
        return rule;
    struct unwind_rule read;
    Dwfl_Module *module = dwfl_addrmodule(process->dwfl, address);
    Dwarf_Addr bias = 0;
    Dwarf_CFI *cfi = module ? dwfl_module_eh_cfi(module, &bias) : NULL;
    /* (A CFA expression reading rip gets the looked-up address: right for
     * the sampled frame; unwind_with_rules leaves callers' such rules to
     * libdwfl.) */
    unwind_rule_read(cfi, address - bias, address, &read);
    return unwind_rule_cache_add(process->rules, address, &read);
}

/* Unwinds sample as libdwfl would, from the cached rules of its frames'
 * addresses. Returns the number of frames, or 0 when some frame needs
 * libdwfl (no rule of the simple forms, or its CFA register lost). */
static size_t unwind_with_rules(struct unwind_process *process, struct unwind_sample *sample,
                                uint64_t *frames, size_t max_frames)
{
    uint64_t value[UNWIND_RULE_REGISTERS], next[UNWIND_RULE_REGISTERS];
    uint32_t known = 0;
    for (int dwarf = 0; dwarf < DWARF_GENERAL_REGISTERS; dwarf++)
        if (sample_register(sample, perf_register_of_dwarf[dwarf], &value[dwarf]))
            known |= 1u << dwarf;
    uint64_t pc = 0;
    sample_register(sample, PERF_REG_X86_IP, &pc);
    size_t count = 0;
    frames[count++] = pc;
    uint64_t lookup = pc, last_sp = sample->stack_start;
    while (count < max_frames) {
        const struct unwind_mapping *mapping = mapping_at(process, lookup);
        if (!mapping || !mapping->file)
            break;
        const struct unwind_rule *rule = rule_at(process, lookup);
        if (rule->kind == UNWIND_RULE_OUTERMOST)
            break;
        if (rule->kind != UNWIND_RULE_SIMPLE || !(known & (1u << rule->cfa_register)) ||
            (rule->cfa_uses_pc && count > 1)) /* a caller's PC is lookup + 1 */
            return 0;
        uint64_t cfa = value[rule->cfa_register] + (uint64_t)rule->cfa_offset;
        uint32_t next_known = 0;
        for (int regno = 0; regno < UNWIND_RULE_REGISTERS; regno++) {
            uint64_t at = cfa + (uint64_t)(int64_t)rule->offset[regno];
            switch (rule->how[regno]) {
            case UNWIND_REGISTER_SAME:
                next[regno] = value[regno];
                next_known |= known & (1u << regno);
                break;
            case UNWIND_REGISTER_AT_CFA:
                if (unwind_memory_read(process->dwfl, at, &next[regno], process))
                    next_known |= 1u << regno;
                else if (at >= sample->stack_start || regno == UNWIND_RULE_RETURN_ADDRESS)
                    return count; /* the copy ends here */
                /* else popped already (below SP): lost, as libdwfl has it */
                break;
            case UNWIND_REGISTER_CFA_PLUS:
                next[regno] = at;
                next_known |= 1u << regno;
                break;
            default:
                break;
            }
        }
        if (!(next_known & (1u << DWARF_REGISTER_SP)))
            return 0; /* libdwfl may know it from an expression */
        pc = next[UNWIND_RULE_RETURN_ADDRESS];
        uint64_t sp = next[DWARF_REGISTER_SP];
        if (pc == 0 || sp < last_sp || sp > sample->stack_end)
            break;
        frames[count++] = pc;
        memcpy(value, next, sizeof value);
        known = next_known;
        last_sp = sp;
        lookup = pc - 1;
    }
    return count;
}

void dwarf_unwinder_use_rules(struct dwarf_unwinder *unwinder, int enabled)
{
    unwinder->use_rules = enabled;
}

const struct dwarf_unwind_stats *dwarf_unwinder_stats(const struct dwarf_unwinder *unwinder)
{
    return &unwinder->stats;
}

size_t dwarf_unwind(struct dwarf_unwinder *unwinder, int pid, uint64_t regs_mask,
                    const uint64_t *regs, const uint8_t *stack, size_t stack_size,
                    uint64_t *frames, size_t max_frames)
{
    struct unwind_sample sample = {regs, regs_mask, stack, 0, 0, 0};
    uint64_t ip, sp;
    if (max_frames == 0 || !sample_register(&sample, PERF_REG_X86_IP, &ip) || ip == 0)
        return 0;
    struct unwind_process *process = find_process(unwinder, pid);
    if (!process)
        return 0;
    frames[0] = ip;
    unwinder->stats.samples++;
    if (max_frames == 1 || !sample_register(&sample, PERF_REG_X86_SP, &sp) || !stack ||
        !prepare_dwfl(process))
        return 1;
    sample.stack_start = sp;
    sample.stack_end = sp + stack_size < sp ? UINT64_MAX : sp + stack_size;
    process->sample = &sample;
    size_t count =
        unwinder->use_rules ? unwind_with_rules(process, &sample, frames, max_frames) : 0;
    if (count > 0) {
        unwinder->stats.by_rules++;
    } else {
        unwinder->stats.by_libdwfl++;
        sample.read_failed = 0;
        struct unwind_walk walk = {process, &sample, frames, 0, max_frames, sp};
        dwfl_getthread_frames(process->dwfl, pid, collect_frame, &walk);
        count = walk.count;
    }
    process->sample = NULL;
    return count > 0 ? count : 1;
}
