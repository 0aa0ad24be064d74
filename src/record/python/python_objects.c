/* python_objects.c — cached code objects and interned names read from a
 * CPython process (see python_objects.h). */
#include "python_objects.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "python_line_table.h"
#include "python_opcodes.h"

#define STRING_WINDOW 256       /* bytes read at a str object at first */
#define LINE_TABLE_WINDOW 1024  /* bytes read at a bytes object at first */
#define MAX_STRING_CHARS 4096   /* longer names are cut */
#define MAX_LINE_TABLE (1u << 20)
#define MAX_BYTECODE (4u << 20)

struct intern_slot {
    uint64_t hash;
    char *text;
};

struct python_objects {
    const struct python_layout *layout;
    struct remote_memory *memory;
    uint64_t code_type;
    /* code objects by remote address */
    struct python_code **codes;
    size_t code_capacity, code_count;
    /* interned names by content */
    struct intern_slot *names;
    size_t name_capacity, name_count;
    /* the validation window */
    size_t window_offset, window_size;
};

static uint64_t mix_address(uint64_t address)
{
    address ^= address >> 33;
    address *= 0xff51afd7ed558ccdull;
    address ^= address >> 33;
    return address;
}

static uint64_t hash_text(const char *text, size_t length)
{
    uint64_t hash = 1469598103934665603ull;
    for (size_t i = 0; i < length; i++) hash = (hash ^ (uint8_t)text[i]) * 1099511628211ull;
    return hash | 1;
}

static void widen_window(struct python_objects *objects, int32_t offset, size_t *low, size_t *high)
{
    if (offset < 0) return;
    if ((size_t)offset < *low) *low = (size_t)offset;
    if ((size_t)offset + 8 > *high) *high = (size_t)offset + 8;
    (void)objects;
}

struct python_objects *python_objects_create(const struct python_layout *layout,
                                             struct remote_memory *memory, uint64_t code_type) {
    struct python_objects *objects = calloc(1, sizeof *objects);
    if (!objects) return NULL;
    objects->layout = layout;
    objects->memory = memory;
    objects->code_type = code_type;
    objects->code_capacity = 256;
    objects->codes = calloc(objects->code_capacity, sizeof *objects->codes);
    objects->name_capacity = 512;
    objects->names = calloc(objects->name_capacity, sizeof *objects->names);
    if (!objects->codes || !objects->names) {
        python_objects_destroy(objects);
        return NULL;
    }
    size_t low = SIZE_MAX, high = 0;
    widen_window(objects, layout->object_type, &low, &high);
    widen_window(objects, layout->code_filename, &low, &high);
    widen_window(objects, layout->code_name, &low, &high);
    widen_window(objects, layout->code_qualname, &low, &high);
    widen_window(objects, layout->code_linetable, &low, &high);
    widen_window(objects, layout->code_firstlineno, &low, &high);
    widen_window(objects, layout->code_flags, &low, &high);
    objects->window_offset = low;
    objects->window_size = high - low;
    return objects;
}

static void free_code(struct python_code *code)
{
    if (!code) return;
    free(code->line_table);
    free(code->return_points);
    free(code->callees);
    free(code);
}

void python_objects_destroy(struct python_objects *objects)
{
    if (!objects) return;
    for (size_t i = 0; i < objects->code_capacity; i++) free_code(objects->codes[i]);
    for (size_t i = 0; i < objects->name_capacity; i++) free(objects->names[i].text);
    free(objects->codes);
    free(objects->names);
    free(objects);
}

const char *python_objects_intern(struct python_objects *objects, const char *text, size_t length)
{
    if (objects->name_count * 2 >= objects->name_capacity) {
        size_t capacity = objects->name_capacity * 2;
        struct intern_slot *grown = calloc(capacity, sizeof *grown);
        if (!grown) return NULL;
        for (size_t i = 0; i < objects->name_capacity; i++) {
            if (!objects->names[i].text) continue;
            size_t slot = objects->names[i].hash & (capacity - 1);
            while (grown[slot].text) slot = (slot + 1) & (capacity - 1);
            grown[slot] = objects->names[i];
        }
        free(objects->names);
        objects->names = grown;
        objects->name_capacity = capacity;
    }
    uint64_t hash = hash_text(text, length);
    size_t slot = hash & (objects->name_capacity - 1);
    while (objects->names[slot].text) {
        if (objects->names[slot].hash == hash && strlen(objects->names[slot].text) == length &&
            memcmp(objects->names[slot].text, text, length) == 0)
            return objects->names[slot].text;
        slot = (slot + 1) & (objects->name_capacity - 1);
    }
    char *copy = malloc(length + 1);
    if (!copy) return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    objects->names[slot].hash = hash;
    objects->names[slot].text = copy;
    objects->name_count++;
    return copy;
}

static size_t find_code_slot(const struct python_objects *objects, uint64_t address)
{
    size_t slot = mix_address(address) & (objects->code_capacity - 1);
    while (objects->codes[slot] && objects->codes[slot]->address != address)
        slot = (slot + 1) & (objects->code_capacity - 1);
    return slot;
}

struct python_code *python_objects_cached_code(struct python_objects *objects, uint64_t address)
{
    struct python_code *code = objects->codes[find_code_slot(objects, address)];
    return code && code->type ? code : NULL;
}

static uint64_t word_at(const uint8_t *bytes, int32_t offset)
{
    uint64_t value;
    memcpy(&value, bytes + offset, sizeof value);
    return value;
}

static uint32_t u32_at(const uint8_t *bytes, int32_t offset)
{
    uint32_t value;
    memcpy(&value, bytes + offset, sizeof value);
    return value;
}

/* Appends the UTF-8 encoding of code_point to out (room for 4 bytes). */
static size_t put_utf8(char *out, uint32_t code_point)
{
    if (code_point < 0x80) {
        out[0] = (char)code_point;
        return 1;
    }
    if (code_point < 0x800) {
        out[0] = (char)(0xc0 | (code_point >> 6));
        out[1] = (char)(0x80 | (code_point & 0x3f));
        return 2;
    }
    if (code_point >= 0xd800 && code_point < 0xe000) code_point = 0xfffd; /* lone surrogate */
    if (code_point < 0x10000) {
        out[0] = (char)(0xe0 | (code_point >> 12));
        out[1] = (char)(0x80 | ((code_point >> 6) & 0x3f));
        out[2] = (char)(0x80 | (code_point & 0x3f));
        return 3;
    }
    if (code_point > 0x10ffff) code_point = 0xfffd;
    if (code_point >= 0x10000) {
        out[0] = (char)(0xf0 | (code_point >> 18));
        out[1] = (char)(0x80 | ((code_point >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((code_point >> 6) & 0x3f));
        out[3] = (char)(0x80 | (code_point & 0x3f));
        return 4;
    }
    return put_utf8(out, 0xfffd);
}

/* Decodes a str object from bytes (its header plus data, available bytes
 * long); reads more from the process when the data goes beyond. */
static const char *decode_string(struct python_objects *objects, uint64_t address,
                                 const uint8_t *bytes, size_t available, int *error) {
    const struct python_layout *layout = objects->layout;
    *error = 0;
    if (available < (size_t)layout->unicode_ascii_size) return NULL;
    uint64_t length = word_at(bytes, layout->unicode_length);
    uint32_t state = u32_at(bytes, layout->unicode_state);
    unsigned kind = (state & layout->state_kind_mask) >> layout->state_kind_shift;
    int compact = (state & layout->state_compact_bit) != 0;
    int ascii = (state & layout->state_ascii_bit) != 0;
    if (!compact || (kind != 1 && kind != 2 && kind != 4) || length > (1u << 28)) return NULL;
    if (ascii && kind != 1) return NULL;
    size_t header = ascii ? (size_t)layout->unicode_ascii_size : (size_t)layout->unicode_compact_size;
    size_t chars = length > MAX_STRING_CHARS ? MAX_STRING_CHARS : (size_t)length;
    size_t data_size = chars * kind;
    uint8_t *owned = NULL;
    const uint8_t *data;
    if (header + data_size <= available) {
        data = bytes + header;
    } else {
        owned = malloc(data_size ? data_size : 1);
        if (!owned) return NULL;
        int read_error = remote_read(objects->memory, address + header, owned, data_size);
        if (read_error) {
            *error = read_error;
            free(owned);
            return NULL;
        }
        data = owned;
    }
    char *text = malloc(chars * 4 + 1);
    const char *result = NULL;
    if (text) {
        size_t out = 0;
        for (size_t i = 0; i < chars; i++) {
            uint32_t code_point;
            if (kind == 1) {
                code_point = data[i];
            } else if (kind == 2) {
                uint16_t unit;
                memcpy(&unit, data + 2 * i, 2);
                code_point = unit;
            } else {
                memcpy(&code_point, data + 4 * i, 4);
            }
            if (ascii && code_point >= 0x80) code_point = 0xfffd;
            out += put_utf8(text + out, code_point);
        }
        result = python_objects_intern(objects, text, out);
        free(text);
    }
    free(owned);
    return result;
}

const char *python_objects_read_string(struct python_objects *objects, uint64_t address, int *error)
{
    uint8_t window[STRING_WINDOW];
    size_t size = sizeof window;
    int read_error = remote_read(objects->memory, address, window, size);
    if (read_error == EFAULT) {
        size = (size_t)objects->layout->unicode_compact_size;
        read_error = remote_read(objects->memory, address, window, size);
        if (read_error == EFAULT) {
            size = (size_t)objects->layout->unicode_ascii_size;
            read_error = remote_read(objects->memory, address, window, size);
        }
    }
    if (read_error) {
        *error = read_error;
        return NULL;
    }
    return decode_string(objects, address, window, size, error);
}

/* Reads the bytes object at address (the line table) into a new buffer. */
static uint8_t *read_bytes_object(struct python_objects *objects, uint64_t address,
                                  const uint8_t *window, size_t available, size_t *size, int *error) {
    const struct python_layout *layout = objects->layout;
    uint8_t header[64];
    if (available < (size_t)layout->bytes_sval) {
        int read_error = remote_read(objects->memory, address, header, (size_t)layout->bytes_sval);
        if (read_error) {
            *error = read_error;
            return NULL;
        }
        window = header;
        available = (size_t)layout->bytes_sval;
    }
    uint64_t length = word_at(window, layout->var_size);
    if (length > MAX_LINE_TABLE) return NULL;
    uint8_t *table = malloc(length ? length : 1);
    if (!table) return NULL;
    if ((size_t)layout->bytes_sval + length <= available) {
        memcpy(table, window + layout->bytes_sval, length);
    } else {
        int read_error = remote_read(objects->memory, address + (uint64_t)layout->bytes_sval, table, length);
        if (read_error) {
            *error = read_error;
            free(table);
            return NULL;
        }
    }
    *size = length;
    return table;
}

/* Learns PyCode_Type's address when the symbol was missing: a type whose
 * tp_name is "code". */
static int is_code_type(struct python_objects *objects, uint64_t type)
{
    if (objects->code_type) return type == objects->code_type;
    uint64_t name_address;
    char name[8];
    /* PyTypeObject: PyVarObject header (refcount, type, size), tp_name */
    if (remote_read_word(objects->memory, type + 3 * 8, &name_address)) return 0;
    if (remote_read(objects->memory, name_address, name, 5)) return 0;
    if (memcmp(name, "code", 5) != 0) return 0;
    objects->code_type = type;
    return 1;
}

static int store_code(struct python_objects *objects, struct python_code *code)
{
    if ((objects->code_count + 1) * 2 >= objects->code_capacity) {
        size_t capacity = objects->code_capacity * 2;
        struct python_code **grown = calloc(capacity, sizeof *grown);
        if (!grown) return -1;
        struct python_code **old = objects->codes;
        size_t old_capacity = objects->code_capacity;
        objects->codes = grown;
        objects->code_capacity = capacity;
        for (size_t i = 0; i < old_capacity; i++)
            if (old[i]) objects->codes[find_code_slot(objects, old[i]->address)] = old[i];
        free(old);
    }
    size_t slot = find_code_slot(objects, code->address);
    if (objects->codes[slot]) {
        free_code(objects->codes[slot]);
    } else {
        objects->code_count++;
    }
    objects->codes[slot] = code;
    return 0;
}

/* 3.11+: the code's bytecode, read once, decoded into its return points
 * (NULL when unreadable: callers suspended in this code then fail the
 * reader's check, their stacks are discarded rather than trusted). */
static uint8_t *read_return_points(struct python_objects *objects, const struct python_code *code,
                                   int *error)
{
    const struct python_layout *layout = objects->layout;
    size_t size = (size_t)code->code_bytes & ~(size_t)1;
    uint8_t *bytecode = malloc(size);
    uint8_t *kinds = calloc(size / 2 + 1, 1);
    int read_error = bytecode && kinds
                         ? remote_read(objects->memory, code->address + (uint64_t)layout->code_code_adaptive,
                                       bytecode, size)
                         : ENOMEM;
    if (read_error || python_opcodes_return_points(layout->major, layout->minor, bytecode, size, kinds) < 0) {
        *error = read_error;
        free(kinds);
        kinds = NULL;
    }
    free(bytecode);
    return kinds;
}

struct python_code *python_objects_read_code(struct python_objects *objects, uint64_t address,
                                             int *error) {
    const struct python_layout *layout = objects->layout;
    uint8_t code_bytes[1024];
    size_t code_size = (size_t)layout->code_size;
    *error = 0;
    if (address == 0 || (address & 7) || code_size > sizeof code_bytes) {
        *error = EFAULT;
        return NULL;
    }
    int read_error = remote_read(objects->memory, address, code_bytes, code_size);
    if (read_error) {
        *error = read_error;
        return NULL;
    }
    struct python_code *code = calloc(1, sizeof *code);
    if (!code) return NULL;
    code->address = address;
    code->type = word_at(code_bytes, layout->object_type);
    if (!is_code_type(objects, code->type)) {
        free(code);
        return NULL;
    }
    code->filename_object = word_at(code_bytes, layout->code_filename);
    code->name_object = word_at(code_bytes, layout->code_name);
    code->qualname_object = layout->code_qualname >= 0 ? word_at(code_bytes, layout->code_qualname) : 0;
    code->linetable_object = word_at(code_bytes, layout->code_linetable);
    code->first_line = (int32_t)u32_at(code_bytes, layout->code_firstlineno);
    code->flags = u32_at(code_bytes, layout->code_flags);

    /* the strings, the line table and (<= 3.10) co_code's header in one call */
    static const size_t window_sizes[5] = {STRING_WINDOW, STRING_WINDOW, STRING_WINDOW,
                                           LINE_TABLE_WINDOW, 64};
    uint8_t *windows = malloc(3 * STRING_WINDOW + LINE_TABLE_WINDOW + 64);
    if (!windows) {
        free(code);
        return NULL;
    }
    uint64_t co_code = layout->code_code >= 0 ? word_at(code_bytes, layout->code_code) : 0;
    struct remote_range ranges[5] = {
        {code->filename_object, windows, STRING_WINDOW},
        {code->name_object, windows + STRING_WINDOW, STRING_WINDOW},
        {code->qualname_object, windows + 2 * STRING_WINDOW, STRING_WINDOW},
        {code->linetable_object, windows + 3 * STRING_WINDOW, LINE_TABLE_WINDOW},
        {co_code, windows + 3 * STRING_WINDOW + LINE_TABLE_WINDOW, 64},
    };
    unsigned char ok[5] = {0};
    int batch_error = 0;
    remote_read_ranges(objects->memory, ranges, 5, ok, &batch_error);
    if (batch_error == ESRCH || batch_error == EPERM) {
        *error = batch_error;
        free(windows);
        free(code);
        return NULL;
    }
    const char *strings[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        if (!ranges[i].address) continue;
        int string_error = 0;
        strings[i] = ok[i] ? decode_string(objects, ranges[i].address, ranges[i].buffer,
                                           window_sizes[i], &string_error)
                           : python_objects_read_string(objects, ranges[i].address, &string_error);
    }
    code->file = strings[0] ? strings[0] : python_objects_intern(objects, "<unknown>", 9);
    code->function = strings[2] ? strings[2] : strings[1];
    if (!code->function) code->function = python_objects_intern(objects, "<unknown>", 9);
    int table_error = 0;
    if (code->linetable_object)
        code->line_table = read_bytes_object(objects, code->linetable_object,
                                             ok[3] ? ranges[3].buffer : NULL,
                                             ok[3] ? LINE_TABLE_WINDOW : 0, &code->line_table_size,
                                             &table_error);
    if (layout->code_code_adaptive >= 0) {
        /* 3.11+: the code object is a var object of code units */
        code->code_bytes = word_at(code_bytes, layout->var_size) * 2;
    } else if (co_code) {
        uint8_t header[64];
        const uint8_t *bytes = ok[4] ? ranges[4].buffer : NULL;
        if (!bytes && remote_read(objects->memory, co_code, header, (size_t)layout->bytes_sval) == 0)
            bytes = header;
        code->code_bytes = bytes ? word_at(bytes, layout->var_size) : 0;
    }
    free(windows);
    if (layout->code_code_adaptive >= 0 && python_opcodes_supported(layout->major, layout->minor) &&
        code->code_bytes >= 2 && code->code_bytes <= MAX_BYTECODE)
        code->return_points = read_return_points(objects, code, error);
    if (*error == ESRCH || *error == EPERM) {
        free_code(code);
        return NULL;
    }
    *error = 0;
    if (store_code(objects, code) < 0) {
        free_code(code);
        return NULL;
    }
    return code;
}

size_t python_objects_validation_offset(const struct python_objects *objects)
{
    return objects->window_offset;
}

size_t python_objects_validation_size(const struct python_objects *objects)
{
    return objects->window_size;
}

int python_objects_validate(struct python_objects *objects, struct python_code *code,
                            const uint8_t *window) {
    const struct python_layout *layout = objects->layout;
    const uint8_t *base = window - objects->window_offset; /* as if the object started here */
    int same = word_at(base, layout->object_type) == code->type &&
               word_at(base, layout->code_filename) == code->filename_object &&
               word_at(base, layout->code_name) == code->name_object &&
               word_at(base, layout->code_linetable) == code->linetable_object &&
               (int32_t)u32_at(base, layout->code_firstlineno) == code->first_line &&
               (layout->code_qualname < 0 || word_at(base, layout->code_qualname) == code->qualname_object);
    /* stale: marked, so that the next lookup misses and reads the object
     * again (the entry stays in place: the probe chains stay intact) */
    if (!same) code->type = 0;
    return same;
}

static struct python_callee *find_callee(const struct python_code *code, uint32_t unit, uint64_t function)
{
    for (size_t i = 0; i < code->callee_count; i++)
        if (code->callees[i].unit == unit && code->callees[i].function == function) return &code->callees[i];
    return NULL;
}

int python_objects_callee_known(const struct python_code *code, uint32_t unit, uint64_t function)
{
    const struct python_callee *callee = find_callee(code, unit, function);
    return callee && callee->seen >= 2;
}

void python_objects_learn_callee(struct python_code *code, uint32_t unit, uint64_t function)
{
    if (!function) return;
    struct python_callee *callee = find_callee(code, unit, function);
    if (!callee) {
        if (code->callee_count >= PYTHON_MAX_CALLEES) return;
        if (!code->callees) {
            code->callees = malloc(PYTHON_MAX_CALLEES * sizeof *code->callees);
            if (!code->callees) return;
        }
        callee = &code->callees[code->callee_count++];
        *callee = (struct python_callee){unit, 0, function};
    }
    if (callee->seen < UINT32_MAX) callee->seen++;
}

static uint32_t decode_line(const struct python_objects *objects, const struct python_code *code,
                            int64_t byte_offset)
{
    if (byte_offset < 0) return code->first_line > 0 ? (uint32_t)code->first_line : 0;
    switch (objects->layout->line_table) {
    case PYTHON_LINES_LNOTAB:
        return python_line_from_lnotab(code->line_table, code->line_table_size, code->first_line,
                                       (uint64_t)byte_offset);
    case PYTHON_LINES_LINETABLE:
        return python_line_from_linetable_310(code->line_table, code->line_table_size,
                                              code->first_line, (uint64_t)byte_offset);
    case PYTHON_LINES_LOCATIONS:
        return python_line_from_locations(code->line_table, code->line_table_size,
                                          code->first_line, (uint64_t)byte_offset);
    }
    return 0;
}

uint32_t python_objects_line(const struct python_objects *objects, struct python_code *code,
                             int64_t byte_offset)
{
    size_t slot = (size_t)((uint64_t)byte_offset >> 1) & 3;
    if (code->line_offsets[slot] == byte_offset + 3) return code->lines[slot];
    uint32_t line = decode_line(objects, code, byte_offset);
    code->line_offsets[slot] = byte_offset + 3;
    code->lines[slot] = line;
    return line;
}
