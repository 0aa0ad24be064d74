/* http_fetch.c — downloading one http(s) URL into memory with libcurl, and
 * editing URLs with libcurl's URL API; see http_fetch.h. */
#include "http_fetch.h"
#include "curl_library.h"
#include "memory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct http_url {
    struct curl_library curl;
    CURLU *handle;
};

struct body_buffer {
    char *data;
    size_t length;
    size_t capacity;
    size_t max_bytes;
    int too_large;
};

static size_t append_body(char *data, size_t size, size_t count, void *user_data)
{
    struct body_buffer *buffer = user_data;
    size_t bytes = size * count;
    if (bytes > buffer->max_bytes - buffer->length) {
        buffer->too_large = 1;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    if (buffer->length + bytes + 1 > buffer->capacity)
        GROW(buffer->data, buffer->capacity, buffer->length + bytes + 1);
    memcpy(buffer->data + buffer->length, data, bytes);
    buffer->length += bytes;
    return bytes;
}

static void set_message(struct http_response *response, const char *message)
{
    snprintf(response->message, sizeof response->message, "%s", message);
}

static enum http_fetch_outcome outcome_of(CURLcode code, long os_errno, int too_large)
{
    if (too_large)
        return HTTP_FETCH_TOO_LARGE;
    switch (code) {
    case CURLE_OK: return HTTP_FETCH_ANSWERED;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return HTTP_FETCH_BAD_URL;
    case CURLE_COULDNT_RESOLVE_HOST: return HTTP_FETCH_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        return os_errno == ECONNREFUSED ? HTTP_FETCH_REFUSED : HTTP_FETCH_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return HTTP_FETCH_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED: return HTTP_FETCH_TOO_LARGE;
    default: return HTTP_FETCH_TRANSFER;
    }
}

int http_fetch(const struct http_request *request, struct http_response *response)
{
    memset(response, 0, sizeof *response);
    response->outcome = HTTP_FETCH_TRANSFER;
    struct curl_library library;
    if (curl_library_open(&library, response->message, sizeof response->message) < 0)
        return -1;
    if (library.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        set_message(response, "libcurl could not be initialised");
        curl_library_close(&library);
        return -1;
    }
    CURL *curl = library.easy_init();
    if (!curl) {
        library.global_cleanup();
        set_message(response, "libcurl could not be initialised");
        curl_library_close(&library);
        return -1;
    }
    struct body_buffer buffer = {.max_bytes = request->max_bytes};
    char error_text[CURL_ERROR_SIZE] = "";
    long timeout_ms = (long)(request->timeout_seconds * 1000.0);
    if (timeout_ms < 1)
        timeout_ms = 1;

    library.easy_setopt(curl, CURLOPT_URL, request->url);
    library.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    library.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    library.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    library.easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    library.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    library.easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    library.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)request->max_bytes);
    library.easy_setopt(curl, CURLOPT_USERAGENT, "ember-fetch");
    library.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    library.easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    library.easy_setopt(curl, CURLOPT_WRITEDATA, &buffer);

    CURLcode code = library.easy_perform(curl);
    long os_errno = 0;
    library.easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    library.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    const char *content_type = NULL;
    if (library.easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type)
        snprintf(response->content_type, sizeof response->content_type, "%s", content_type);

    response->outcome = outcome_of(code, os_errno, buffer.too_large);
    if (response->outcome != HTTP_FETCH_ANSWERED) {
        if (response->outcome == HTTP_FETCH_REFUSED)
            set_message(response, "connection refused");
        else
            set_message(response, error_text[0] ? error_text : library.easy_strerror(code));
        free(buffer.data);
        buffer.data = NULL;
        buffer.length = 0;
    } else {
        if (!buffer.data)
            buffer.data = xmalloc(1);
        buffer.data[buffer.length] = '\0';
    }
    response->body = buffer.data;
    response->length = buffer.length;
    library.easy_cleanup(curl);
    library.global_cleanup();
    curl_library_close(&library);
    return response->outcome == HTTP_FETCH_ANSWERED ? 0 : -1;
}

void http_response_free(struct http_response *response)
{
    free(response->body);
    response->body = NULL;
    response->length = 0;
}

/* Copies a string libcurl allocated into one the caller frees with free(). */
static char *take_curl_string(const struct curl_library *curl, char *curl_string)
{
    if (!curl_string)
        return NULL;
    char *copy = xstrdup(curl_string);
    curl->free(curl_string);
    return copy;
}

struct http_url *http_url_parse(const char *text, char *error, size_t error_size)
{
    struct curl_library library;
    if (curl_library_open(&library, error, error_size) < 0)
        return NULL;
    CURLU *handle = library.url();
    if (!handle) {
        snprintf(error, error_size, "libcurl could not be initialised");
        curl_library_close(&library);
        return NULL;
    }
    /* "host:port/path" has no scheme: it means http (as go tool pprof takes it). */
    CURLUcode code;
    if (strstr(text, "://")) {
        code = library.url_set(handle, CURLUPART_URL, text, 0);
    } else {
        size_t length = strlen(text);
        char *with_scheme = xmalloc(length + sizeof "http://");
        memcpy(with_scheme, "http://", 7);
        memcpy(with_scheme + 7, text, length + 1);
        code = library.url_set(handle, CURLUPART_URL, with_scheme, 0);
        free(with_scheme);
    }
    if (code != CURLUE_OK) {
        snprintf(error, error_size, "%s", library.url_strerror(code));
        library.url_cleanup(handle);
        curl_library_close(&library);
        return NULL;
    }
    char *scheme = NULL;
    if (library.url_get(handle, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(error, error_size, "only http:// and https:// URLs can be fetched");
        library.free(scheme);
        library.url_cleanup(handle);
        curl_library_close(&library);
        return NULL;
    }
    library.free(scheme);
    struct http_url *url = xmalloc(sizeof *url);
    url->curl = library;
    url->handle = handle;
    return url;
}

void http_url_free(struct http_url *url)
{
    if (!url)
        return;
    url->curl.url_cleanup(url->handle);
    curl_library_close(&url->curl);
    free(url);
}

char *http_url_path(const struct http_url *url)
{
    char *path = NULL;
    if (url->curl.url_get(url->handle, CURLUPART_PATH, &path, 0) != CURLUE_OK || !path) {
        url->curl.free(path);
        return xstrdup("/");
    }
    return take_curl_string(&url->curl, path);
}

char *http_url_query(const struct http_url *url)
{
    char *query = NULL;
    if (url->curl.url_get(url->handle, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        return NULL;
    return take_curl_string(&url->curl, query);
}

int http_url_set_path(struct http_url *url, const char *path)
{
    return url->curl.url_set(url->handle, CURLUPART_PATH, path, 0) == CURLUE_OK ? 0 : -1;
}

int http_url_set_query(struct http_url *url, const char *query)
{
    if (query && !*query)
        query = NULL;
    return url->curl.url_set(url->handle, CURLUPART_QUERY, query, 0) == CURLUE_OK ? 0 : -1;
}

char *http_url_string(const struct http_url *url)
{
    char *text = NULL;
    if (url->curl.url_get(url->handle, CURLUPART_URL, &text, 0) != CURLUE_OK || !text) {
        url->curl.free(text);
        return xstrdup("");
    }
    return take_curl_string(&url->curl, text);
}
