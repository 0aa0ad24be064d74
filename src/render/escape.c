/* escape.c — context-aware escaping of untrusted text for SVG output;
 * see escape.h. Runs of plain ASCII are copied with one memcpy, so the
 * common case costs a comparison or two per byte. */
#define _GNU_SOURCE /* fputs_unlocked, fwrite_unlocked */
#include "escape.h"
#include "../util/memory.h"

#include <stdlib.h>
#include <string.h>

static const char replacement_utf8[] = "\xEF\xBF\xBD";

static int is_forbidden_control(unsigned char byte)
{
    return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r';
}

/* Length of the valid UTF-8 sequence at bytes[position], 0 when invalid. */
static size_t utf8_sequence_length(const unsigned char *bytes, size_t length, size_t position,
                                   uint32_t *code_point)
{
    unsigned char lead = bytes[position];
    size_t need;
    uint32_t value;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
        value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        value = lead & 0x0F;
        if (lead == 0xE0)
            low = 0xA0;
        else if (lead == 0xED)
            high = 0x9F; /* no surrogates */
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        value = lead & 0x07;
        if (lead == 0xF0)
            low = 0x90;
        else if (lead == 0xF4)
            high = 0x8F;
    } else {
        return 0;
    }
    if (length - position <= need)
        return 0;
    for (size_t i = 1; i <= need; i++) {
        unsigned char next = bytes[position + i];
        if (i == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF))
            return 0;
        value = (value << 6) | (next & 0x3F);
    }
    if (value == 0xFFFE || value == 0xFFFF)
        return 0;
    *code_point = value;
    return need + 1;
}

uint32_t escape_next_character(const char *text, size_t length, size_t *position, int utf8)
{
    const unsigned char *bytes = (const unsigned char *)text;
    unsigned char byte = bytes[*position];
    if (byte < 0x80 || !utf8) {
        (*position)++;
        return is_forbidden_control(byte) ? 0xFFFD : byte;
    }
    uint32_t code_point;
    size_t sequence = utf8_sequence_length(bytes, length, *position, &code_point);
    if (!sequence) {
        (*position)++;
        return 0xFFFD;
    }
    *position += sequence;
    return code_point;
}

size_t escape_character_count(const char *bytes, size_t length, int utf8)
{
    size_t count = 0, position = 0;
    while (position < length) {
        if ((unsigned char)bytes[position] < 0x80) {
            position++;
        } else {
            escape_next_character(bytes, length, &position, utf8);
        }
        count++;
    }
    return count;
}

size_t escape_character_offset(const char *bytes, size_t length, size_t count, int utf8)
{
    size_t position = 0;
    while (count > 0 && position < length) {
        if ((unsigned char)bytes[position] < 0x80)
            position++;
        else
            escape_next_character(bytes, length, &position, utf8);
        count--;
    }
    return position;
}

size_t escape_into(char *out, const char *text, size_t length, enum escape_context context,
                   int utf8)
{
    const unsigned char *bytes = (const unsigned char *)text;
    char *start = out;
    size_t run_start = 0, position = 0;
    while (position < length) {
        unsigned char byte = bytes[position];
        int plain = byte >= 0x20 && byte < 0x80 && byte != '&' && byte != '<' && byte != '>' &&
                    (byte != '"' || context == ESCAPE_TEXT);
        if (plain || (byte >= 0x80 && !utf8)) {
            position++;
            continue;
        }
        memcpy(out, bytes + run_start, position - run_start);
        out += position - run_start;
        const char *entity;
        size_t entity_length;
        if (byte >= 0x80) {
            uint32_t code_point;
            size_t sequence = utf8_sequence_length(bytes, length, position, &code_point);
            if (sequence) {
                entity = text + position, entity_length = sequence;
                position += sequence;
            } else {
                entity = replacement_utf8, entity_length = 3;
                position++;
            }
        } else {
            switch (byte) {
            case '&': entity = "&amp;", entity_length = 5; break;
            case '<': entity = "&lt;", entity_length = 4; break;
            case '>': entity = "&gt;", entity_length = 4; break;
            case '"': entity = "&quot;", entity_length = 6; break;
            case '\t':
                if (context == ESCAPE_TEXT)
                    entity = "\t", entity_length = 1;
                else
                    entity = "&#9;", entity_length = 4;
                break;
            case '\n':
                if (context == ESCAPE_TEXT)
                    entity = "\n", entity_length = 1;
                else
                    entity = "&#10;", entity_length = 5;
                break;
            case '\r': entity = "&#13;", entity_length = 5; break;
            default:
                if (utf8)
                    entity = replacement_utf8, entity_length = 3;
                else
                    entity = "?", entity_length = 1;
                break;
            }
            position++;
        }
        memcpy(out, entity, entity_length);
        out += entity_length;
        run_start = position;
    }
    memcpy(out, bytes + run_start, position - run_start);
    out += position - run_start;
    return (size_t)(out - start);
}

void escape_write(FILE *file, const char *text, size_t length, enum escape_context context,
                  int utf8)
{
    enum { CHUNK = 1024 };
    char escaped[ESCAPE_MAXIMUM_GROWTH * CHUNK];
    while (length > 0) {
        /* A chunk ends before an ASCII byte, which no UTF-8 sequence holds,
         * so every sequence is judged whole; text without one goes whole. */
        size_t chunk = length;
        if (chunk > CHUNK) {
            chunk = CHUNK;
            while (chunk > CHUNK / 2 && (unsigned char)text[chunk] >= 0x80)
                chunk--;
            if ((unsigned char)text[chunk] >= 0x80)
                chunk = length;
        }
        char *out = chunk <= CHUNK ? escaped : xmalloc(ESCAPE_MAXIMUM_GROWTH * chunk);
        fwrite_unlocked(out, 1, escape_into(out, text, chunk, context, utf8), file);
        if (out != escaped)
            free(out);
        text += chunk;
        length -= chunk;
    }
}

static void write_replacement(FILE *file, int utf8)
{
    if (utf8)
        fwrite_unlocked(replacement_utf8, 1, 3, file);
    else
        putc_unlocked('?', file);
}

void escape_write_string(FILE *file, const char *string, enum escape_context context, int utf8)
{
    escape_write(file, string, strlen(string), context, utf8);
}

void escape_write_comment(FILE *file, const char *string, int utf8)
{
    size_t length = strlen(string);
    const unsigned char *bytes = (const unsigned char *)string;
    size_t position = 0;
    int previous_dash = 0;
    while (position < length) {
        unsigned char byte = bytes[position];
        if (byte == '-') {
            if (previous_dash)
                putc_unlocked(' ', file);
            putc_unlocked('-', file);
            previous_dash = 1;
            position++;
            continue;
        }
        previous_dash = 0;
        if (byte == '<' || byte == '>' || byte == '&') {
            fputs_unlocked(byte == '<' ? "&lt;" : byte == '>' ? "&gt;" : "&amp;", file);
            position++;
            continue;
        }
        if (byte < 0x80 || !utf8) {
            if (is_forbidden_control(byte))
                write_replacement(file, utf8);
            else
                putc_unlocked(byte, file);
            position++;
            continue;
        }
        uint32_t code_point;
        size_t sequence = utf8_sequence_length(bytes, length, position, &code_point);
        if (sequence) {
            fwrite_unlocked(bytes + position, 1, sequence, file);
            position += sequence;
        } else {
            write_replacement(file, utf8);
            position++;
        }
    }
    if (previous_dash)
        putc_unlocked(' ', file);
}

size_t escape_write_css_font(FILE *file, const char *string)
{
    size_t dropped = 0;
    for (const unsigned char *byte = (const unsigned char *)string; *byte; byte++) {
        unsigned char c = *byte;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == ' ' || c == ',' || c == '-' || c == '_' || c == '.')
            putc_unlocked(c, file);
        else
            dropped++;
    }
    return dropped;
}

static int is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int escape_is_safe_color(const char *string)
{
    size_t length = strlen(string);
    if (length == 0 || length > 64)
        return 0;
    if (string[0] == '#') {
        if (length != 4 && length != 7)
            return 0;
        for (size_t i = 1; i < length; i++)
            if (!is_hex_digit(string[i]))
                return 0;
        return 1;
    }
    if (strncmp(string, "rgb(", 4) == 0 && string[length - 1] == ')') {
        for (size_t i = 4; i + 1 < length; i++) {
            char c = string[i];
            if (!((c >= '0' && c <= '9') || c == ',' || c == '.' || c == ' ' || c == '%'))
                return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < length; i++)
        if (!((string[i] >= 'a' && string[i] <= 'z') || (string[i] >= 'A' && string[i] <= 'Z')))
            return 0;
    return 1;
}
