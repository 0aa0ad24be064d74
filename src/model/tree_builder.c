/* tree_builder.c — the call tree built on a second thread; see tree_builder.h. */
#include "tree_builder.h"
#include "../util/memory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Four chunks of 256 KiB circulate: the caller fills one while the builder
 * works through another. */
enum { CHUNK_COUNT = 4, CHUNK_WORDS = 1 << 16 };
#define RECORD_CONTINUES UINT32_C(0x80000000) /* the stack goes on in the next record */
#define RECORD_FRAME_COUNT UINT32_C(0x7fffffff)

struct tree_builder {
    struct profile *profile;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    int threaded;                  /* else chunks are built when handed over */
    uint32_t *chunks[CHUNK_COUNT];
    size_t chunk_words[CHUNK_COUNT]; /* words used in each */
    size_t produced, consumed;       /* chunks handed over, chunks built; under lock */
    int finished;                    /* no chunk will follow; under lock */
    uint32_t node;                   /* builder: where a continued stack goes on */
    size_t filling_words;            /* caller: words in chunks[produced % CHUNK_COUNT] */
};

/* The builder's work on one chunk. */
static void build_chunk(struct tree_builder *builder, const uint32_t *words, size_t word_count)
{
    struct profile *profile = builder->profile;
    uint32_t node = builder->node;
    size_t i = 0;
    while (i < word_count) {
        uint32_t header = words[i++];
        uint32_t frame_count = header & RECORD_FRAME_COUNT;
        for (uint32_t k = 0; k < frame_count; k++)
            node = profile_child(profile, node, words[i + k]);
        i += frame_count;
        if (header & RECORD_CONTINUES)
            continue;
        uint32_t value_count = words[i++];
        for (uint32_t type = 0; type < value_count; type++, i += 2) {
            double value;
            memcpy(&value, words + i, sizeof value);
            profile_add_value(profile, node, type, value);
        }
        node = PROFILE_ROOT;
    }
    builder->node = node;
}

static void *builder_thread(void *builder_pointer)
{
    struct tree_builder *builder = builder_pointer;
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
    return NULL;
}

struct tree_builder *tree_builder_start(struct profile *profile)
{
    struct tree_builder *builder = xcalloc(1, sizeof *builder);
    builder->profile = profile;
    builder->node = PROFILE_ROOT;
    for (size_t i = 0; i < CHUNK_COUNT; i++)
        builder->chunks[i] = xmalloc(CHUNK_WORDS * sizeof *builder->chunks[i]);
    pthread_mutex_init(&builder->lock, NULL);
    pthread_cond_init(&builder->changed, NULL);
    builder->threaded = pthread_create(&builder->thread, NULL, builder_thread, builder) == 0;
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
                      size_t frame_count, const double *values, size_t value_count)
{
    size_t trailer_words = 1 + 2 * value_count;
    /* The most frames a record holds, leaving room for any trailer. */
    size_t most_frames = CHUNK_WORDS - 1 - trailer_words;
    while (frame_count > most_frames) {
        uint32_t *record = room(builder, 1 + most_frames);
        record[0] = (uint32_t)most_frames | RECORD_CONTINUES;
        memcpy(record + 1, frames_root_first, most_frames * sizeof *frames_root_first);
        frames_root_first += most_frames;
        frame_count -= most_frames;
    }
    uint32_t *record = room(builder, 1 + frame_count + trailer_words);
    record[0] = (uint32_t)frame_count;
    memcpy(record + 1, frames_root_first, frame_count * sizeof *frames_root_first);
    record[1 + frame_count] = (uint32_t)value_count;
    memcpy(record + 2 + frame_count, values, value_count * sizeof *values);
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

void tree_builder_finish(struct tree_builder *builder)
{
    if (builder->filling_words)
        hand_over(builder);
    if (builder->threaded) {
        pthread_mutex_lock(&builder->lock);
        builder->finished = 1;
        pthread_cond_broadcast(&builder->changed);
        pthread_mutex_unlock(&builder->lock);
        pthread_join(builder->thread, NULL);
    }
    pthread_cond_destroy(&builder->changed);
    pthread_mutex_destroy(&builder->lock);
    for (size_t i = 0; i < CHUNK_COUNT; i++)
        free(builder->chunks[i]);
    free(builder);
}
