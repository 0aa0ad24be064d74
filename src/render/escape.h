/* escape.h — writing untrusted bytes into an SVG/XML document safely.
 *
 * Every string that comes from a profile or from the command line passes
 * through one of these writers, chosen by the context it lands in:
 *
 *   XML text        &, <, > become entities
 *   XML attribute   also ", and tab/newline/CR become character references
 *   XML comment     "--" is broken up, a trailing '-' padded, and &, <, >
 *                   written as entities (inert in a comment, but no markup
 *                   ever appears raw)
 *   CSS value       only a conservative set of characters is kept
 *
 * In every context bytes that XML 1.0 forbids (0x00-0x08, 0x0b, 0x0c,
 * 0x0e-0x1f) become U+FFFD. When the text is declared UTF-8 (no --encoding,
 * or an encoding named utf-8), invalid UTF-8 — stray continuation bytes,
 * truncated or overlong sequences, surrogates, code points above U+10FFFF,
 * U+FFFE and U+FFFF — is replaced byte by byte with U+FFFD too, so the
 * document stays well-formed whatever the input holds.
 *
 * "Characters" (for text truncation and colour hashing) are code points of
 * the sanitized text: each replaced byte counts as one character. Without
 * UTF-8 validation (a single-byte --encoding) every byte is a character.
 */
#ifndef EMBER_ESCAPE_H
#define EMBER_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum escape_context {
    ESCAPE_TEXT,
    ESCAPE_ATTRIBUTE,
};

/* Decodes the character at bytes[*position] and advances *position.
 * Returns its code point; an invalid byte (when utf8 is set) returns
 * 0xFFFD and advances by one. A forbidden control byte returns 0xFFFD. */
uint32_t escape_next_character(const char *bytes, size_t length, size_t *position, int utf8);

/* Number of characters in bytes[0, length). */
size_t escape_character_count(const char *bytes, size_t length, int utf8);

/* Byte offset just after the first count characters (or length). */
size_t escape_character_offset(const char *bytes, size_t length, size_t count, int utf8);

/* Escaping makes text at most this many times longer ('"' -> "&quot;"). */
enum { ESCAPE_MAXIMUM_GROWTH = 6 };

/* Writes bytes escaped for context into out, which has room for
 * ESCAPE_MAXIMUM_GROWTH * length bytes; returns how many were written. */
size_t escape_into(char *out, const char *bytes, size_t length, enum escape_context context,
                   int utf8);

/* Writes bytes escaped for context. */
void escape_write(FILE *file, const char *bytes, size_t length, enum escape_context context,
                  int utf8);

/* Writes a NUL-terminated string escaped for context. */
void escape_write_string(FILE *file, const char *string, enum escape_context context, int utf8);

/* Writes text that goes inside an XML comment: sanitized and escaped like
 * text, with "--" broken into "- -" and no '-' right before "-->". */
void escape_write_comment(FILE *file, const char *string, int utf8);

/* Writes a CSS font-family value: keeps letters, digits, space, ',', '-',
 * '_' and '.', drops everything else (quotes, braces, ';', '<', '&', '\'),
 * so the value cannot end the declaration, the rule or the <style>. Returns
 * the number of bytes dropped. */
size_t escape_write_css_font(FILE *file, const char *string);

/* 1 when string is a colour safe to put anywhere: "#rgb", "#rrggbb",
 * "rgb(r,g,b)" with numbers, or a plain colour keyword (letters only). */
int escape_is_safe_color(const char *string);

#endif
