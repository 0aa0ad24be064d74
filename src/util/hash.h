/* hash.h — fast non-cryptographic hashing of byte strings and integers.
 *
 * Used by the interning tables and the call-tree child index. Reads eight
 * bytes at a time with memcpy (alignment-safe) and mixes with 64-bit
 * multiplies; quality is enough for open addressing with power-of-two
 * tables because the final value is passed through a full avalanche.
 */
#ifndef EMBER_HASH_H
#define EMBER_HASH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix64(uint64_t value)
{
    value ^= value >> 32;
    value *= 0xd6e8feb86659fd93ULL;
    value ^= value >> 32;
    value *= 0xd6e8feb86659fd93ULL;
    value ^= value >> 32;
    return value;
}

static inline uint64_t hash_bytes(const void *data, size_t length)
{
    const unsigned char *bytes = data;
    uint64_t state = 0x9e3779b97f4a7c15ULL ^ (length * 0xff51afd7ed558ccdULL);
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        state = (state ^ word) * 0x87c37b91114253d5ULL;
        state ^= state >> 29;
        bytes += 8;
        length -= 8;
    }
    uint64_t tail = 0;
    if (length)
        memcpy(&tail, bytes, length);
    state = (state ^ tail) * 0x4cf5ad432745937fULL;
    return hash_mix64(state);
}

#endif
