/* perf_data.c — reads perf's binary perf.data (`perf record`'s file) into a
 * Profile through the record session (src/record/session.c), so `ember
 * collapse perf.data` prints what `perf script -i perf.data | ember
 * collapse` prints, without perf.
 *
 * Layout (tools/perf/Documentation/perf.data-file-format.txt, native byte
 * order, little-endian here):
 *   header: magic "PERFILE2", header size (104), attr entry size, then
 *           three (offset, size) sections: attrs, data, event_types, then a
 *           256-bit feature bitmap;
 *   attrs:  entries of {perf_event_attr (entry size - 16 bytes), ids
 *           section}; each ids section is an array of u64 sample ids;
 *   data:   the records, each a perf_event_header then its body; perf's own
 *           types (>= 64: FINISHED_ROUND, ID_INDEX, ...) are skipped;
 *   after the data: one (offset, size) section per feature bit set, in bit
 *           order; HEADER_BUILD_ID (build ids of the files) and
 *           HEADER_EVENT_DESC (event names as perf script prints them) are
 *           used.
 * Pipe mode (`perf record -o -`, a 16-byte header): the attrs, event names
 * and features come as records (HEADER_ATTR, EVENT_UPDATE, HEADER_FEATURE,
 * HEADER_BUILD_ID) among the others, read in one pass from standard input.
 * Not supported, with a message saying so: the other byte order, version 1
 * files, compressed records (`perf record -z`).
 *
 * Errors name the byte offset where the file stops making sense
 * ("ember: FILE: byte N: ..."); nothing is added to the profile then.
 */
#include "perf_data.h"
#include "../record/session.h"
#include "../util/diagnostics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    HEADER_SIZE = 104,
    FEATURE_BUILD_ID = 2,
    FEATURE_EVENT_DESC = 12,
    FEATURE_BITS = 256,
    RECORD_USER_TYPE_START = 64,
    RECORD_HEADER_ATTR = 64,
    RECORD_HEADER_BUILD_ID = 67,
    RECORD_EVENT_UPDATE = 78,
    RECORD_HEADER_FEATURE = 80,
    EVENT_UPDATE_NAME = 2,
    RECORD_AUXTRACE = 71,
    RECORD_COMPRESSED = 81,
    MISC_BUILD_ID_SIZE = 1 << 15,
};

static const char MAGIC[8] = {'P', 'E', 'R', 'F', 'I', 'L', 'E', '2'};
static const char SWAPPED_MAGIC[8] = {'2', 'E', 'L', 'I', 'F', 'R', 'E', 'P'};

struct section {
    uint64_t offset, size;
};

struct file_view {
    const char *name;
    const uint8_t *bytes;
    size_t length;
};

static uint64_t read_u64(const uint8_t *at)
{
    uint64_t value;
    memcpy(&value, at, sizeof value);
    return value;
}

static uint32_t read_u32(const uint8_t *at)
{
    uint32_t value;
    memcpy(&value, at, sizeof value);
    return value;
}

static struct section read_section(const uint8_t *at)
{
    return (struct section){read_u64(at), read_u64(at + 8)};
}

/* Whether a section lies inside the file; reports where it does not. */
static int section_fits(const struct file_view *file, struct section section, const char *what,
                        uint64_t described_at)
{
    if (section.offset > file->length || section.size > file->length - section.offset) {
        report_at_offset(file->name, described_at,
                         "%s section [%llu, +%llu) ends past the end of the file (%zu bytes): "
                         "truncated or corrupt perf.data",
                         what, (unsigned long long)section.offset,
                         (unsigned long long)section.size, file->length);
        return 0;
    }
    return 1;
}

/* HEADER_EVENT_DESC: u32 count, u32 attr size, then per event the attr,
 * u32 id count, a string {u32 length, bytes}, the ids. */
static void read_event_names(const struct file_view *file, struct section section,
                             struct record_session *session)
{
    const uint8_t *at = file->bytes + section.offset, *end = at + section.size;
    if (end - at < 8)
        return;
    uint32_t count = read_u32(at), attr_size = read_u32(at + 4);
    at += 8;
    for (uint32_t i = 0; i < count; i++) {
        if ((size_t)(end - at) < (size_t)attr_size + 8)
            return;
        at += attr_size;
        uint32_t id_count = read_u32(at), name_length = read_u32(at + 4);
        at += 8;
        if ((size_t)(end - at) < name_length ||
            (size_t)(end - at - name_length) / 8 < id_count)
            return;
        char name[256];
        size_t length = strnlen((const char *)at, name_length);
        if (length >= sizeof name)
            length = sizeof name - 1;
        memcpy(name, at, length);
        name[length] = '\0';
        at += name_length;
        for (uint32_t j = 0; j < id_count; j++)
            record_session_name_event(session, read_u64(at + (size_t)j * 8), name);
        at += (size_t)id_count * 8;
    }
}

/* HEADER_BUILD_ID: records {header, pid, build id (20 bytes + size byte
 * when misc says so, padded to 24), file name}. */
static void read_build_ids(const struct file_view *file, struct section section,
                           struct record_session *session)
{
    const uint8_t *at = file->bytes + section.offset, *end = at + section.size;
    while (end - at >= 8 + 4 + 24) {
        uint16_t misc, size;
        memcpy(&misc, at + 4, sizeof misc);
        memcpy(&size, at + 6, sizeof size);
        if (size < 8 + 4 + 24 || size > end - at)
            return;
        int32_t pid;
        memcpy(&pid, at + 8, sizeof pid);
        const uint8_t *id = at + 12;
        size_t id_size = (misc & MISC_BUILD_ID_SIZE) ? id[20] : 20;
        if (id_size > 20)
            id_size = 20;
        size_t name_length = strnlen((const char *)at + 36, (size_t)size - 36);
        if (name_length < (size_t)size - 36) /* NUL-terminated */
            record_session_add_build_id(session, pid, (const char *)at + 36, id, id_size);
        at += size;
    }
}

static struct record_session_options session_options(const struct read_options *options)
{
    struct record_session_options result;
    memset(&result, 0, sizeof result);
    result.root_with_pid = options->include_pid;
    result.root_with_tid = options->include_tid;
    result.annotate_kernel = options->annotate_kernel;
    result.annotate_jit = options->annotate_jit;
    result.show_addresses = options->include_addresses;
    result.inline_frames = options->inline_frames;
    result.inline_context = options->inline_context;
    result.include_kernel = 1;
    result.keep_timeline = options->keep_timeline;
    result.event_filters = options->event_filters;
    result.event_filter_count = options->event_filter_count;
    result.from_file = 1;
    return result;
}

/* Declares every event of the attrs section. */
static int read_attrs(const struct file_view *file, uint64_t attr_entry_size,
                      struct section attrs, struct record_session *session)
{
    if (attr_entry_size < 16 + PERF_ATTR_SIZE_VER0 || attr_entry_size > 4096) {
        report_at_offset(file->name, 16,
                         "attribute entries of %llu bytes (at least %d expected): corrupt "
                         "perf.data",
                         (unsigned long long)attr_entry_size, 16 + PERF_ATTR_SIZE_VER0);
        return -1;
    }
    if (!section_fits(file, attrs, "attrs", 24))
        return -1;
    uint64_t count = attrs.size / attr_entry_size;
    if (count == 0) {
        report_at_offset(file->name, 24, "no events in the attrs section: corrupt perf.data");
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t entry_offset = attrs.offset + i * attr_entry_size;
        const uint8_t *entry = file->bytes + entry_offset;
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof attr);
        size_t attr_bytes = (size_t)attr_entry_size - 16;
        memcpy(&attr, entry, attr_bytes < sizeof attr ? attr_bytes : sizeof attr);
        struct section ids = read_section(entry + attr_bytes);
        if (!section_fits(file, ids, "event ids", entry_offset + attr_bytes))
            return -1;
        uint64_t *id_values = ids.size ? malloc((size_t)ids.size) : NULL;
        if (ids.size && !id_values) {
            report_at_offset(file->name, entry_offset, "out of memory for %llu event ids",
                             (unsigned long long)(ids.size / 8));
            return -1;
        }
        if (ids.size)
            memcpy(id_values, file->bytes + ids.offset, (size_t)ids.size);
        int status = record_session_add_event(session, &attr, id_values, (size_t)(ids.size / 8));
        free(id_values);
        if (status < 0) {
            report_at_offset(file->name, entry_offset, "event attributes not usable");
            return -1;
        }
    }
    return 0;
}

/* Pipe mode (`perf record -o -`): what the header's sections say in a file
 * comes as records: HEADER_ATTR (an attr, then its ids), EVENT_UPDATE (an
 * event's name), HEADER_FEATURE (a feature section's bytes), HEADER_BUILD_ID.
 * Returns 0, or -1 after a message. */
static int read_pipe_record(const struct file_view *file, uint64_t offset,
                            const struct perf_event_header *header,
                            struct record_session *session)
{
    const uint8_t *body = file->bytes + offset + sizeof *header;
    size_t body_size = header->size - sizeof *header;
    if (header->type == RECORD_HEADER_ATTR) {
        uint32_t attr_size = body_size >= 8 ? read_u32(body + 4) : 0;
        if (attr_size < PERF_ATTR_SIZE_VER0 || attr_size > body_size) {
            report_at_offset(file->name, offset,
                             "event attributes of %u bytes in a record of %zu: corrupt perf.data",
                             attr_size, body_size);
            return -1;
        }
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof attr);
        memcpy(&attr, body, attr_size < sizeof attr ? attr_size : sizeof attr);
        size_t id_count = (body_size - attr_size) / 8;
        uint64_t *ids = id_count ? malloc(id_count * 8) : NULL;
        if (id_count && !ids)
            return -1;
        if (id_count)
            memcpy(ids, body + attr_size, id_count * 8);
        int status = record_session_add_event(session, &attr, ids, id_count);
        free(ids);
        if (status < 0)
            report_at_offset(file->name, offset, "event attributes not usable");
        return status;
    }
    if (header->type == RECORD_EVENT_UPDATE && body_size > 16 &&
        read_u64(body) == EVENT_UPDATE_NAME) {
        char name[256];
        size_t length = strnlen((const char *)body + 16, body_size - 16);
        if (length >= sizeof name)
            length = sizeof name - 1;
        memcpy(name, body + 16, length);
        name[length] = '\0';
        record_session_name_event(session, read_u64(body + 8), name);
    } else if (header->type == RECORD_HEADER_FEATURE && body_size >= 8) {
        struct section section = {offset + sizeof *header + 8, body_size - 8};
        uint64_t feature = read_u64(body);
        if (feature == FEATURE_EVENT_DESC)
            read_event_names(file, section, session);
        else if (feature == FEATURE_BUILD_ID)
            read_build_ids(file, section, session);
    } else if (header->type == RECORD_HEADER_BUILD_ID) {
        read_build_ids(file, (struct section){offset, header->size}, session);
    }
    return 0;
}

/* The records of the data section into the session. */
static int read_records(const struct file_view *file, struct section data, int pipe_mode,
                        struct record_session *session)
{
    uint64_t offset = data.offset, end = data.offset + data.size;
    while (offset < end) {
        if (end - offset < sizeof(struct perf_event_header)) {
            report_at_offset(file->name, offset,
                             "record header cut short (%llu bytes left in the data section): "
                             "truncated perf.data",
                             (unsigned long long)(end - offset));
            return -1;
        }
        struct perf_event_header header;
        memcpy(&header, file->bytes + offset, sizeof header);
        if (header.size < sizeof header || header.size > end - offset) {
            report_at_offset(file->name, offset,
                             "record of type %u claims %u bytes (%llu left in the data "
                             "section): truncated or corrupt perf.data",
                             header.type, header.size, (unsigned long long)(end - offset));
            return -1;
        }
        uint64_t size = header.size;
        if (header.type == RECORD_COMPRESSED) {
            report_at_offset(file->name, offset,
                             "compressed records (perf record -z) are not supported; "
                             "record without -z, or `perf script | ember collapse`");
            return -1;
        }
        if (header.type == RECORD_AUXTRACE && header.size >= 16) {
            uint64_t aux_size = read_u64(file->bytes + offset + 8);
            if (aux_size > end - offset - size) {
                report_at_offset(file->name, offset, "AUXTRACE data runs past the data section");
                return -1;
            }
            size += aux_size;
        }
        if (pipe_mode && read_pipe_record(file, offset, &header, session) < 0)
            return -1;
        if (header.type < RECORD_USER_TYPE_START) {
            /* The file stays mapped until the session is finished: the
             * session keeps pointers to aligned records; a misaligned one
             * (a corrupt file) is handed over from an aligned copy. */
            const uint8_t *bytes = file->bytes + offset;
            int status;
            if (((uintptr_t)bytes & 7) == 0) {
                status = record_session_add_record_borrowed(
                    session, (const struct perf_event_header *)(const void *)bytes);
            } else {
                uint64_t aligned[8192]; /* header.size < 65536 */
                memcpy(aligned, bytes, header.size);
                status = record_session_add_record(
                    session, (const struct perf_event_header *)(const void *)aligned);
            }
            if (status < 0) {
                report_at_offset(file->name, offset, "the record above could not be decoded");
                return -1;
            }
        }
        offset += size;
    }
    return 0;
}

/* Symbolizes and fills the profile; the counts go to statistics. */
static int finish_session(const struct file_view *file, struct record_session *session,
                          struct read_statistics *statistics)
{
    if (record_session_finish(session) < 0)
        return -1;
    const struct record_session_stats *stats = record_session_stats(session);
    statistics->samples += stats->samples;
    statistics->filtered_samples += stats->filtered_samples;
    if (stats->lost_records || stats->lost_samples)
        fprintf(stderr, "ember: %s: note: the recording lost %llu events and %llu samples\n",
                file->name, (unsigned long long)stats->lost_records,
                (unsigned long long)stats->lost_samples);
    return 0;
}

static int perf_data_read_view(const struct file_view *file, struct profile *profile,
                               const struct read_options *options,
                               struct read_statistics *statistics)
{
    if (file->length < 16 || memcmp(file->bytes, MAGIC, 8) != 0) {
        if (file->length >= 8 && memcmp(file->bytes, SWAPPED_MAGIC, 8) == 0)
            report_at_offset(file->name, 0,
                             "perf.data of the other byte order (recorded on a big-endian "
                             "machine) is not supported");
        else if (file->length >= 7 && memcmp(file->bytes, MAGIC, 7) == 0)
            report_at_offset(file->name, 0, "perf.data version 1 is not supported");
        else
            report_at_offset(file->name, 0, "not a perf.data file (no PERFILE2 magic)");
        return -1;
    }
    uint64_t header_size = read_u64(file->bytes + 8);
    struct record_session_options session_opts = session_options(options);
    if (header_size == 16) { /* pipe mode: everything is a record */
        struct record_session *session = record_session_create(profile, &session_opts);
        int status = read_records(file, (struct section){16, file->length - 16}, 1, session);
        if (status == 0)
            status = finish_session(file, session, statistics);
        record_session_destroy(session);
        return status;
    }
    if (header_size < HEADER_SIZE || file->length < HEADER_SIZE) {
        report_at_offset(file->name, 8,
                         "perf.data header of %llu bytes in a file of %zu bytes (%d expected): "
                         "truncated or corrupt",
                         (unsigned long long)header_size, file->length, HEADER_SIZE);
        return -1;
    }
    uint64_t attr_entry_size = read_u64(file->bytes + 16);
    struct section attrs = read_section(file->bytes + 24);
    struct section data = read_section(file->bytes + 40);
    const uint8_t *features = file->bytes + 72;
    if (!section_fits(file, data, "data", 40))
        return -1;

    struct record_session *session = record_session_create(profile, &session_opts);
    int status = read_attrs(file, attr_entry_size, attrs, session);

    /* Feature sections follow the data, one per bit set, in bit order. */
    uint64_t feature_table = data.offset + data.size;
    size_t feature_index = 0;
    for (int bit = 0; status == 0 && bit < FEATURE_BITS; bit++) {
        if (!(features[bit / 8] & (1u << (bit % 8))))
            continue;
        uint64_t entry = feature_table + feature_index++ * 16;
        if (entry > file->length || file->length - entry < 16)
            break; /* perf too reads what it can of a file cut in its features */
        struct section section = read_section(file->bytes + entry);
        if (section.offset > file->length || section.size > file->length - section.offset)
            continue;
        if (bit == FEATURE_EVENT_DESC)
            read_event_names(file, section, session);
        else if (bit == FEATURE_BUILD_ID)
            read_build_ids(file, section, session);
    }
    if (status == 0)
        status = read_records(file, data, 0, session);
    if (status == 0)
        status = finish_session(file, session, statistics);
    record_session_destroy(session);
    return status;
}

static int perf_data_read(struct input *input, struct profile *profile,
                          const struct read_options *options, struct read_statistics *statistics)
{
    static const struct read_options default_options = {.include_process_name = 1};
    if (!options)
        options = &default_options;
    const char *data;
    size_t length;
    void *mapping;
    size_t mapping_length;
    char *copy = NULL;
    int mapped = input_map_rest(input, &data, &length, &mapping, &mapping_length);
    if (!mapped) {
        if (input_read_all(input, &copy, &length) < 0)
            return -1;
        data = copy;
    }
    struct file_view file = {input_name(input), (const uint8_t *)data, length};
    int status = perf_data_read_view(&file, profile, options, statistics);
    if (mapped)
        input_unmap(mapping, mapping_length);
    free(copy);
    return status;
}

static int perf_data_probe(const char *head, size_t length)
{
    /* The other byte order is claimed too, so that its reader says why it
     * cannot read it. */
    return length >= 8 && (memcmp(head, MAGIC, 8) == 0 || memcmp(head, SWAPPED_MAGIC, 8) == 0)
               ? 100
               : 0;
}

static const char *const perf_data_extensions[] = {".data", NULL};

const struct format perf_data_format = {
    .name = "perf-data",
    .extensions = perf_data_extensions,
    .probe = perf_data_probe,
    .read = perf_data_read,
    .write = NULL,
};
