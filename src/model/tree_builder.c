/* tree_builder.c — the call tree built on a second thread; see tree_builder.h. */
#include "tree_builder.h"
#include "../util/memory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Four chunks of 64 KiB circulate: the caller fills one while the builder
 * works through another. Small, so that little is left to build once the
 * caller is done (the wait that follows); big enough that handing one over
 * (a lock and a wake-up) costs nothing beside building it. */
enum { CHUNK_COUNT = 4, CHUNK_WORDS = 1 << 14 };
#define RECORD_CONTINUES UINT32_C(0x80000000) /* the stack goes on in the next record */
#define RECORD_FRAME_COUNT UINT32_C(0x7fffffff)
#define RECORD_RESUME UINT32_MAX /* start word of a record that continues a stack */

struct tree_builder {
    struct profile *profile;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int threaded;                  /* else chunks are built when handed over */
    uint32_t *chunks[CHUNK_COUNT];
    size_t chunk_words[CHUNK_COUNT]; /* words used in each */
    size_t produced, consumed;       /* chunks handed over, chunks built; under lock */
    int finished;                    /* no chunk will follow; under lock */
    /* The builder's side: the nodes of the last stack by depth (path[0]
     * is the root), so that a stack starts from the depth it shares with
     * the one before; depth: where the current stack is. */
    uint32_t *path;
    size_t path_capacity, depth;
    /* The caller's side: words in chunks[produced % CHUNK_COUNT]. */
    size_t filling_words;
};

/* The builder's work on one chunk. */
static void build_chunk(struct tree_builder *builder, const uint32_t *words, size_t word_count)
{
    struct profile *profile = builder->profile;
    size_t depth = builder->depth;
    size_t i = 0;
    while (i < word_count) {
        uint32_t header = words[i++];
        uint32_t start = words[i++];
        uint32_t frame_count = header & RECORD_FRAME_COUNT;
        if (start != RECORD_RESUME)
            depth = start;
        if (depth + frame_count >= builder->path_capacity)
            GROW(builder->path, builder->path_capacity, depth + frame_count + 1);
        uint32_t *path = builder->path;
        uint32_t node = path[depth];
        for (uint32_t k = 0; k < frame_count; k++)
            path[++depth] = node = profile_child(profile, node, words[i + k]);
        i += frame_count;
        if (header & RECORD_CONTINUES)
            continue;
        uint32_t value_count = words[i++];
        for (uint32_t type = 0; type < value_count; type++, i += 2) {
            double value;
            memcpy(&value, words + i, sizeof value);
            profile_add_value(profile, node, type, value);
        }
    }
    builder->depth = depth;
}

/* The builder's loop: builds chunks as they are handed over, until the
 * producer has finished and everything is built. */
static void build_handed_chunks(struct tree_builder *builder)
{
    pthread_mutex_lock(&builder->lock);
    for (;;) {
        while (builder->consumed == builder->produced && !builder->finished)
            pthread_cond_wait(&builder->changed, &builder->lock);
        if (builder->consumed == builder->produced)
            break;
        size_t index = builder->consumed % CHUNK_COUNT;
        pthread_mutex_unlock(&builder->lock);
        build_chunk(builder, builder->chunks[index], builder->chunk_words[index]);
        pthread_mutex_lock(&builder->lock);
        builder->consumed++;
        pthread_cond_broadcast(&builder->changed);
    }
    pthread_mutex_unlock(&builder->lock);
}

static struct tree_builder *create_builder(struct profile *profile)
{
    struct tree_builder *builder = xcalloc(1, sizeof *builder);
    builder->profile = profile;
    GROW(builder->path, builder->path_capacity, 64);
    builder->path[0] = PROFILE_ROOT;
    for (size_t i = 0; i < CHUNK_COUNT; i++)
        builder->chunks[i] = xmalloc(CHUNK_WORDS * sizeof *builder->chunks[i]);
    pthread_mutex_init(&builder->lock, NULL);
    pthread_cond_init(&builder->changed, NULL);
    return builder;
}

/* Hands the chunk being filled to the builder and waits for a free one. */
static void hand_over(struct tree_builder *builder)
{
    size_t index = builder->produced % CHUNK_COUNT;
    builder->chunk_words[index] = builder->filling_words;
    builder->filling_words = 0;
    if (!builder->threaded) {
        build_chunk(builder, builder->chunks[index], builder->chunk_words[index]);
        builder->produced++;
        builder->consumed++;
        return;
    }
    pthread_mutex_lock(&builder->lock);
    builder->produced++;
    pthread_cond_broadcast(&builder->changed);
    while (builder->produced - builder->consumed == CHUNK_COUNT)
        pthread_cond_wait(&builder->changed, &builder->lock);
    pthread_mutex_unlock(&builder->lock);
}

/* Room for words more words in the chunk being filled. */
static uint32_t *room(struct tree_builder *builder, size_t words)
{
    if (builder->filling_words + words > CHUNK_WORDS)
        hand_over(builder);
    uint32_t *start = builder->chunks[builder->produced % CHUNK_COUNT] + builder->filling_words;
    builder->filling_words += words;
    return start;
}

void tree_builder_add(struct tree_builder *builder, const uint32_t *frames_root_first,
                      size_t frame_count, size_t shared, const double *values,
                      size_t value_count)
{
    /* The frames this stack shares with the one before are not sent: the
     * builder starts from its node at that depth. */
    frames_root_first += shared;
    frame_count -= shared;

    size_t trailer_words = 1 + 2 * value_count;
    /* The most frames a record holds, leaving room for any trailer. */
    size_t most_frames = CHUNK_WORDS - 2 - trailer_words;
    uint32_t start = (uint32_t)shared;
    while (frame_count > most_frames) {
        uint32_t *record = room(builder, 2 + most_frames);
        record[0] = (uint32_t)most_frames | RECORD_CONTINUES;
        record[1] = start;
        memcpy(record + 2, frames_root_first, most_frames * sizeof *frames_root_first);
        frames_root_first += most_frames;
        frame_count -= most_frames;
        start = RECORD_RESUME;
    }
    uint32_t *record = room(builder, 2 + frame_count + trailer_words);
    record[0] = (uint32_t)frame_count;
    record[1] = start;
    memcpy(record + 2, frames_root_first, frame_count * sizeof *frames_root_first);
    record[2 + frame_count] = (uint32_t)value_count;
    memcpy(record + 3 + frame_count, values, value_count * sizeof *values);
}

void tree_builder_drain(struct tree_builder *builder)
{
    if (builder->filling_words)
        hand_over(builder);
    if (!builder->threaded)
        return;
    pthread_mutex_lock(&builder->lock);
    while (builder->consumed != builder->produced)
        pthread_cond_wait(&builder->changed, &builder->lock);
    pthread_mutex_unlock(&builder->lock);
}

struct producer_job {
    struct tree_builder *builder;
    void (*produce)(struct tree_builder *builder, void *context);
    void *context;
};

/* Hands over what is left and tells the builder nothing follows. */
static void finish_producing(struct tree_builder *builder)
{
    if (builder->filling_words)
        hand_over(builder);
    if (!builder->threaded)
        return;
    pthread_mutex_lock(&builder->lock);
    builder->finished = 1;
    pthread_cond_broadcast(&builder->changed);
    pthread_mutex_unlock(&builder->lock);
}

static void *producer_thread(void *job_pointer)
{
    struct producer_job *job = job_pointer;
    job->produce(job->builder, job->context);
    finish_producing(job->builder);
    return NULL;
}

void tree_builder_run(struct profile *profile,
                      void (*produce)(struct tree_builder *builder, void *context),
                      void *context)
{
    struct tree_builder *builder = create_builder(profile);
    struct producer_job job = {builder, produce, context};
    pthread_t thread;
    builder->threaded = 1;
    if (pthread_create(&thread, NULL, producer_thread, &job) == 0) {
        build_handed_chunks(builder);
        pthread_join(thread, NULL);
    } else {
        builder->threaded = 0; /* chunks are built as they are handed over */
        produce(builder, context);
        finish_producing(builder);
    }
    pthread_cond_destroy(&builder->changed);
    pthread_mutex_destroy(&builder->lock);
    for (size_t i = 0; i < CHUNK_COUNT; i++)
        free(builder->chunks[i]);
    free(builder->path);
    free(builder);
}
