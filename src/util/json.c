/* json.c — the JSON pull parser and string writer; see json.h.
 *
 * Hand-written rather than libjansson/libjson-c: measured with bench/json.sh
 * on files made from the corpus (large-A collapsed with --tid), 2 cores with
 * other jobs running; this parser and the readers in CPU time, best of 5;
 * jansson in wall time and peak memory of one load:
 *
 *   file                           jansson json_loadb   this parser    reader -> Profile
 *   large-A.speedscope.json 15.6 MB  0.77 s, 200 MB      0.057 s         0.17 s
 *   large-A.cpuprofile     134.2 MB  4.6 s, 1.4 GB       0.23 s          1.0 s
 *
 * jansson only builds its tree in that time; a reader would then walk it.
 * This parser allocates nothing per value: strings without escapes point
 * into the document, and the reader's memory is the document plus the
 * Profile.
 *
 * The scanner works on a NUL-terminated buffer, so looking one byte ahead
 * never needs a bounds check: the terminator stops every loop (a NUL inside
 * the document is refused as an unexpected byte, or inside a string as a
 * control byte, both with the position compared against the length).
 */
#include "json.h"
#include "diagnostics.h"
#include "memory.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    CONTAINER_STARTED = 1, /* the first member was read */
    CONTAINER_OBJECT = 2,  /* an object, else an array */
};

void json_init(struct json_parser *parser, const char *data, size_t length, const char *name)
{
    memset(parser, 0, offsetof(struct json_parser, started));
    parser->data = data;
    parser->length = length;
    parser->name = name;
    parser->scratch = NULL;
    parser->scratch_capacity = 0;
    parser->failed = 0;
    parser->error_offset = 0;
    parser->error[0] = '\0';
}

void json_parser_at(struct json_parser *parser, const struct json_parser *other, size_t offset)
{
    json_init(parser, other->data, other->length, other->name);
    parser->position = offset <= other->length ? offset : other->length;
}

void json_seek(struct json_parser *parser, size_t offset)
{
    parser->position = offset <= parser->length ? offset : parser->length;
    parser->depth = 0;
}

void json_free(struct json_parser *parser)
{
    free(parser->scratch);
    parser->scratch = NULL;
    parser->scratch_capacity = 0;
}

static int vfail_at(struct json_parser *parser, size_t offset, const char *format, va_list arguments)
{
    if (!parser->failed) {
        parser->failed = 1;
        parser->error_offset = offset;
        vsnprintf(parser->error, sizeof parser->error, format, arguments);
    }
    return -1;
}

int json_fail_at(struct json_parser *parser, size_t offset, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vfail_at(parser, offset, format, arguments);
    va_end(arguments);
    return -1;
}

static void skip_whitespace(struct json_parser *parser)
{
    const char *data = parser->data;
    size_t position = parser->position;
    while (data[position] == ' ' || data[position] == '\n' || data[position] == '\r' ||
           data[position] == '\t')
        position++;
    parser->position = position;
}

int json_fail(struct json_parser *parser, const char *format, ...)
{
    if (!parser->failed)
        skip_whitespace(parser);
    va_list arguments;
    va_start(arguments, format);
    vfail_at(parser, parser->position, format, arguments);
    va_end(arguments);
    return -1;
}

void json_take_error(struct json_parser *parser, const struct json_parser *other)
{
    if (other->failed && !parser->failed) {
        parser->failed = 1;
        parser->error_offset = other->error_offset;
        memcpy(parser->error, other->error, sizeof parser->error);
    }
}

int json_pair_begin(struct json_pair *pair, const struct json_parser *parent, size_t first_offset,
                    size_t second_offset, const char *first_name, const char *second_name)
{
    pair->has_second = second_offset != 0;
    pair->first_name = first_name;
    pair->second_name = second_name;
    pair->index = 0;
    json_parser_at(&pair->first, parent, first_offset);
    if (pair->has_second)
        json_parser_at(&pair->second, parent, second_offset);
    if (json_begin_array(&pair->first) < 0 ||
        (pair->has_second && json_begin_array(&pair->second) < 0))
        return -1;
    return 0;
}

int json_pair_next(struct json_pair *pair)
{
    int more = json_next_element(&pair->first);
    int more_second = pair->has_second ? json_next_element(&pair->second) : more;
    if (more < 0 || more_second < 0)
        return -1;
    if (more != more_second)
        return json_fail(more ? &pair->first : &pair->second, "%s and %s differ in length (%zu %s)",
                         pair->first_name, pair->second_name, pair->index,
                         more ? pair->second_name : pair->first_name);
    if (more)
        pair->index++;
    return more;
}

void json_pair_end(struct json_pair *pair, struct json_parser *parent)
{
    json_take_error(parent, &pair->first);
    json_free(&pair->first);
    if (pair->has_second) {
        json_take_error(parent, &pair->second);
        json_free(&pair->second);
    }
}

void json_report(const struct json_parser *parser)
{
    report_at_offset(parser->name ? parser->name : "<input>", parser->error_offset, "%s",
                     parser->failed ? parser->error : "invalid JSON");
}

size_t json_offset(struct json_parser *parser)
{
    skip_whitespace(parser);
    return parser->position;
}

const char *json_type_name(enum json_type type)
{
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_FALSE:
    case JSON_TRUE: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    case JSON_INVALID: break;
    }
    return "invalid JSON";
}

static enum json_type type_of_byte(unsigned char byte)
{
    switch (byte) {
    case '{': return JSON_OBJECT;
    case '[': return JSON_ARRAY;
    case '"': return JSON_STRING;
    case 't': return JSON_TRUE;
    case 'f': return JSON_FALSE;
    case 'n': return JSON_NULL;
    case '-': return JSON_NUMBER;
    default: return byte >= '0' && byte <= '9' ? JSON_NUMBER : JSON_INVALID;
    }
}

enum json_type json_peek(struct json_parser *parser)
{
    if (parser->failed)
        return JSON_INVALID;
    skip_whitespace(parser);
    unsigned char byte = (unsigned char)parser->data[parser->position];
    enum json_type type = type_of_byte(byte);
    if (type != JSON_INVALID)
        return type;
    if (parser->position >= parser->length)
        json_fail(parser, "unexpected end of input, expected a value");
    else if (byte >= 0x20 && byte < 0x7f)
        json_fail(parser, "unexpected '%c', expected a value", byte);
    else
        json_fail(parser, "unexpected byte 0x%02x, expected a value", byte);
    return JSON_INVALID;
}

static int expect_type(struct json_parser *parser, enum json_type wanted)
{
    enum json_type type = json_peek(parser);
    if (type == wanted || (wanted == JSON_TRUE && type == JSON_FALSE))
        return 0;
    if (type == JSON_INVALID)
        return -1;
    return json_fail(parser, "expected %s, found %s", json_type_name(wanted), json_type_name(type));
}

/* ---- containers -------------------------------------------------------- */

static int open_container(struct json_parser *parser, enum json_type type)
{
    if (expect_type(parser, type) < 0)
        return -1;
    if (parser->depth >= JSON_MAX_DEPTH)
        return json_fail(parser, "values nested deeper than %d levels", JSON_MAX_DEPTH);
    parser->position++;
    parser->started[parser->depth++] = type == JSON_OBJECT ? CONTAINER_OBJECT : 0;
    return 0;
}

int json_begin_object(struct json_parser *parser)
{
    return open_container(parser, JSON_OBJECT);
}

int json_begin_array(struct json_parser *parser)
{
    return open_container(parser, JSON_ARRAY);
}

/* Before the next member: consumes the closing byte (returns 0) or the
 * separating comma (returns 1). */
static int next_member(struct json_parser *parser, char closing)
{
    if (parser->failed)
        return -1;
    if (parser->depth == 0)
        return json_fail(parser, "internal: no open container");
    skip_whitespace(parser);
    unsigned char byte = (unsigned char)parser->data[parser->position];
    unsigned char *state = &parser->started[parser->depth - 1];
    if (byte == (unsigned char)closing) {
        parser->position++;
        parser->depth--;
        return 0;
    }
    if (*state & CONTAINER_STARTED) {
        if (byte != ',') {
            if (parser->position >= parser->length)
                return json_fail(parser, "unexpected end of input, expected ',' or '%c'", closing);
            return json_fail(parser, "expected ',' or '%c'", closing);
        }
        parser->position++;
        skip_whitespace(parser);
    }
    *state |= CONTAINER_STARTED;
    return 1;
}

int json_next_element(struct json_parser *parser)
{
    return next_member(parser, ']');
}

int json_next_key(struct json_parser *parser, const char **key, size_t *length)
{
    int status = next_member(parser, '}');
    if (status <= 0)
        return status;
    if (parser->data[parser->position] != '"') {
        if (parser->position >= parser->length)
            return json_fail(parser, "unexpected end of input, expected a key");
        return json_fail(parser, "expected a string key");
    }
    if (json_read_string(parser, key, length) < 0)
        return -1;
    skip_whitespace(parser);
    if (parser->data[parser->position] != ':')
        return json_fail(parser, "expected ':' after a key");
    parser->position++;
    return 1;
}

/* ---- strings ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at bytes (first byte >= 0x80), or 0.
 * The buffer is NUL-terminated, so reading up to 3 bytes past a lead byte
 * stops at the terminator at worst (NUL is never a continuation byte). */
static size_t utf8_sequence_length(const unsigned char *bytes, size_t available)
{
    unsigned char lead = bytes[0];
    size_t length;
    uint32_t minimum, code;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2; minimum = 0x80; code = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3; minimum = 0x800; code = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4; minimum = 0x10000; code = lead & 0x07;
    } else {
        return 0;
    }
    if (length > available)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((bytes[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (bytes[i] & 0x3f);
    }
    if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return length;
}

static void scratch_reserve(struct json_parser *parser, size_t needed)
{
    if (needed > parser->scratch_capacity)
        GROW(parser->scratch, parser->scratch_capacity, needed);
}

static size_t encode_utf8(uint32_t code, char *out)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xc0 | code >> 6);
        out[1] = (char)(0x80 | (code & 0x3f));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xe0 | code >> 12);
        out[1] = (char)(0x80 | (code >> 6 & 0x3f));
        out[2] = (char)(0x80 | (code & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | code >> 18);
    out[1] = (char)(0x80 | (code >> 12 & 0x3f));
    out[2] = (char)(0x80 | (code >> 6 & 0x3f));
    out[3] = (char)(0x80 | (code & 0x3f));
    return 4;
}

static int hex_value(unsigned char byte)
{
    if (byte >= '0' && byte <= '9')
        return byte - '0';
    if (byte >= 'a' && byte <= 'f')
        return byte - 'a' + 10;
    if (byte >= 'A' && byte <= 'F')
        return byte - 'A' + 10;
    return -1;
}

/* Four hex digits at text; -1 when they are not. */
static long read_hex4(const unsigned char *text)
{
    long value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(text[i]);
        if (digit < 0)
            return -1;
        value = value << 4 | digit;
    }
    return value;
}

/* 1 for bytes a string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
    [0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

int json_read_string(struct json_parser *parser, const char **string, size_t *length)
{
    if (expect_type(parser, JSON_STRING) < 0)
        return -1;
    const unsigned char *data = (const unsigned char *)parser->data;
    size_t start = parser->position + 1, position = start;
    size_t copied = 0; /* bytes in scratch when copying (escapes seen) */
    int copying = 0;
    for (;;) {
        while (plain_byte[data[position]])
            position++;
        unsigned char byte = data[position];
        if (byte == '"')
            break;
        if (byte >= 0x80) {
            size_t sequence = utf8_sequence_length(data + position, parser->length - position);
            if (sequence == 0)
                return json_fail_at(parser, position, "invalid UTF-8 in a string");
            position += sequence;
            continue;
        }
        if (byte < 0x20) {
            if (position >= parser->length)
                return json_fail_at(parser, parser->position, "unterminated string");
            return json_fail_at(parser, position, "control byte 0x%02x in a string (must be escaped)",
                                byte);
        }
        /* A backslash: from here on the string is decoded into scratch. */
        if (!copying) {
            copying = 1;
            copied = 0;
        }
        size_t plain = position - start;
        scratch_reserve(parser, copied + plain + 8);
        memcpy(parser->scratch + copied, data + start, plain);
        copied += plain;
        unsigned char escape = data[position + 1];
        char *out = parser->scratch + copied;
        switch (escape) {
        case '"': *out = '"'; copied++; position += 2; break;
        case '\\': *out = '\\'; copied++; position += 2; break;
        case '/': *out = '/'; copied++; position += 2; break;
        case 'b': *out = '\b'; copied++; position += 2; break;
        case 'f': *out = '\f'; copied++; position += 2; break;
        case 'n': *out = '\n'; copied++; position += 2; break;
        case 'r': *out = '\r'; copied++; position += 2; break;
        case 't': *out = '\t'; copied++; position += 2; break;
        case 'u': {
            long code = read_hex4(data + position + 2);
            if (code < 0)
                return json_fail_at(parser, position, "invalid \\u escape in a string");
            position += 6;
            if (code >= 0xd800 && code <= 0xdbff && data[position] == '\\' &&
                data[position + 1] == 'u') {
                long low = read_hex4(data + position + 2);
                if (low >= 0xdc00 && low <= 0xdfff) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                    position += 6;
                }
            }
            if (code >= 0xd800 && code <= 0xdfff)
                code = 0xfffd; /* a lone surrogate */
            copied += encode_utf8((uint32_t)code, out);
            break;
        }
        default:
            if (position + 1 >= parser->length)
                return json_fail_at(parser, parser->position, "unterminated string");
            return json_fail_at(parser, position, "invalid escape in a string");
        }
        start = position;
    }
    if (copying) {
        size_t plain = position - start;
        scratch_reserve(parser, copied + plain + 1);
        memcpy(parser->scratch + copied, data + start, plain);
        copied += plain;
        parser->scratch[copied] = '\0';
        *string = parser->scratch;
        *length = copied;
    } else {
        *string = (const char *)data + start;
        *length = position - start;
    }
    parser->position = position + 1;
    return 0;
}

/* ---- numbers and literals ---------------------------------------------- */

static int is_digit(unsigned char byte)
{
    return byte >= '0' && byte <= '9';
}

int json_read_number(struct json_parser *parser, double *value)
{
    if (expect_type(parser, JSON_NUMBER) < 0)
        return -1;
    const unsigned char *text = (const unsigned char *)parser->data + parser->position;
    size_t i = 0;
    int negative = text[0] == '-';
    i += (size_t)negative;
    uint64_t mantissa = 0;
    size_t digits = 0;
    if (text[i] == '0') {
        i++;
        digits = 1;
    } else if (is_digit(text[i])) {
        while (is_digit(text[i])) {
            if (digits < 19)
                mantissa = mantissa * 10 + (uint64_t)(text[i] - '0');
            digits++;
            i++;
        }
    } else {
        return json_fail(parser, "expected a digit in a number");
    }
    int simple = digits <= 19;
    if (text[i] == '.') {
        simple = 0;
        i++;
        if (!is_digit(text[i]))
            return json_fail_at(parser, parser->position + i, "expected a digit after '.'");
        while (is_digit(text[i]))
            i++;
    }
    if (text[i] == 'e' || text[i] == 'E') {
        simple = 0;
        i++;
        if (text[i] == '+' || text[i] == '-')
            i++;
        if (!is_digit(text[i]))
            return json_fail_at(parser, parser->position + i, "expected a digit in an exponent");
        while (is_digit(text[i]))
            i++;
    }
    double result;
    if (simple) {
        result = (double)mantissa;
        if (negative)
            result = -result;
    } else {
        char small[64];
        char *copy = i < sizeof small ? small : xmalloc(i + 1);
        memcpy(copy, text, i);
        copy[i] = '\0';
        result = strtod(copy, NULL);
        if (copy != small)
            free(copy);
        if (!isfinite(result))
            return json_fail(parser, "number too large");
    }
    parser->position += i;
    *value = result;
    return 0;
}

int json_read_integer(struct json_parser *parser, int64_t minimum, int64_t maximum,
                      const char *what, int64_t *value)
{
    size_t offset = json_offset(parser);
    double number;
    if (json_read_number(parser, &number) < 0)
        return -1;
    if (number != floor(number))
        return json_fail_at(parser, offset, "%s must be an integer", what);
    if (number < (double)minimum || number > (double)maximum)
        return json_fail_at(parser, offset, "%s out of range (%.17g; %lld to %lld allowed)", what,
                            number, (long long)minimum, (long long)maximum);
    *value = (int64_t)number;
    return 0;
}

static int read_literal(struct json_parser *parser, const char *literal)
{
    size_t length = strlen(literal);
    if (strncmp(parser->data + parser->position, literal, length) != 0)
        return json_fail(parser, "invalid literal, expected %s", literal);
    parser->position += length;
    return 0;
}

int json_read_boolean(struct json_parser *parser, int *value)
{
    if (expect_type(parser, JSON_TRUE) < 0)
        return -1;
    *value = parser->data[parser->position] == 't';
    return read_literal(parser, *value ? "true" : "false");
}

static int skip_scalar(struct json_parser *parser, enum json_type type)
{
    const char *string;
    size_t length;
    double number;
    switch (type) {
    case JSON_STRING: return json_read_string(parser, &string, &length);
    case JSON_NUMBER: return json_read_number(parser, &number);
    case JSON_TRUE: return read_literal(parser, "true");
    case JSON_FALSE: return read_literal(parser, "false");
    case JSON_NULL: return read_literal(parser, "null");
    default: return -1;
    }
}

int json_skip(struct json_parser *parser)
{
    unsigned base = parser->depth;
    do {
        enum json_type type = json_peek(parser);
        if (type == JSON_INVALID)
            return -1;
        if (type == JSON_ARRAY || type == JSON_OBJECT) {
            if (open_container(parser, type) < 0)
                return -1;
        } else if (skip_scalar(parser, type) < 0) {
            return -1;
        }
        /* Find the next value to skip, closing finished containers. */
        while (parser->depth > base) {
            int status;
            if (parser->started[parser->depth - 1] & CONTAINER_OBJECT) {
                const char *key;
                size_t length;
                status = json_next_key(parser, &key, &length);
            } else {
                status = json_next_element(parser);
            }
            if (status < 0)
                return -1;
            if (status == 1)
                break;
        }
    } while (parser->depth > base);
    return 0;
}

int json_end(struct json_parser *parser)
{
    if (parser->failed)
        return -1;
    skip_whitespace(parser);
    if (parser->position < parser->length)
        return json_fail(parser, "unexpected data after the end of the JSON document");
    return 0;
}

/* ---- writing ----------------------------------------------------------- */

void json_write_string(FILE *file, const char *bytes, size_t length)
{
    const unsigned char *text = (const unsigned char *)bytes;
    putc_unlocked('"', file);
    size_t run = 0; /* start of the bytes not yet written */
    size_t i = 0;
    while (i < length) {
        unsigned char byte = text[i];
        if (byte >= 0x20 && byte < 0x7f && byte != '"' && byte != '\\' && byte != '<' &&
            byte != '>' && byte != '&') {
            i++;
            continue;
        }
        if (byte >= 0x80) {
            size_t sequence = utf8_sequence_length(text + i, length - i);
            if (sequence) {
                i += sequence;
                continue;
            }
        }
        fwrite(text + run, 1, i - run, file);
        switch (byte) {
        case '"': fputs("\\\"", file); break;
        case '\\': fputs("\\\\", file); break;
        case '\n': fputs("\\n", file); break;
        case '\r': fputs("\\r", file); break;
        case '\t': fputs("\\t", file); break;
        case '\b': fputs("\\b", file); break;
        case '\f': fputs("\\f", file); break;
        default:
            if (byte >= 0x80)
                fputs("\\ufffd", file); /* a byte of invalid UTF-8 */
            else
                fprintf(file, "\\u%04x", byte); /* control bytes, DEL, and <, >, & */
            break;
        }
        i++;
        run = i;
    }
    fwrite(text + run, 1, length - run, file);
    putc_unlocked('"', file);
}

void json_write_cstring(FILE *file, const char *string)
{
    json_write_string(file, string, strlen(string));
}

void json_write_number(FILE *file, double value)
{
    if (!isfinite(value)) {
        fputs("0", file);
        return;
    }
    if (value == floor(value) && fabs(value) < 9007199254740992.0) {
        fprintf(file, "%.0f", value);
        return;
    }
    char text[40];
    snprintf(text, sizeof text, "%.15g", value);
    if (strtod(text, NULL) != value)
        snprintf(text, sizeof text, "%.17g", value);
    fputs(text, file);
}
