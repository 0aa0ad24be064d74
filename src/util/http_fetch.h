/* http_fetch.h — downloading one http(s) URL into memory with libcurl, and
 * editing the path and query of such a URL.
 *
 * http_fetch() never prints: it returns what happened (an HTTP answer with
 * its status, or why none arrived) and the caller words the message, since
 * only the caller knows what the URL was for (e.g. a 404 from a Go program
 * means net/http/pprof is not imported).
 */
#ifndef EMBER_HTTP_FETCH_H
#define EMBER_HTTP_FETCH_H

#include <stddef.h>

struct http_request {
    const char *url;
    double timeout_seconds; /* the whole transfer, connecting included; > 0 */
    size_t max_bytes;       /* larger bodies are refused (HTTP_FETCH_TOO_LARGE); > 0 */
};

enum http_fetch_outcome {
    HTTP_FETCH_ANSWERED,    /* an HTTP answer arrived; see status (any, 404 included) */
    HTTP_FETCH_BAD_URL,     /* malformed URL or a scheme other than http/https */
    HTTP_FETCH_RESOLVE,     /* the host name does not resolve */
    HTTP_FETCH_REFUSED,     /* nothing listens at host:port (ECONNREFUSED) */
    HTTP_FETCH_CONNECT,     /* could not connect for another reason (see message) */
    HTTP_FETCH_TIMEOUT,     /* no complete answer within timeout_seconds */
    HTTP_FETCH_TOO_LARGE,   /* the body is larger than max_bytes */
    HTTP_FETCH_TRANSFER,    /* anything else: connection cut, TLS, protocol (see message) */
};

struct http_response {
    enum http_fetch_outcome outcome;
    long status;             /* HTTP status of the last answer (after redirects), 0 if none */
    char *body;              /* malloc'ed, NUL-terminated (not counted in length); owned */
    size_t length;
    char content_type[128];  /* "" when the server sent none */
    char message[256];       /* libcurl's explanation when outcome is not ANSWERED */
};

/* GETs request->url, following up to 5 redirects within http and https.
 * Fills response (always: call http_response_free afterwards) and returns 0
 * when an answer arrived (response->outcome == HTTP_FETCH_ANSWERED, any
 * status), else -1. */
int http_fetch(const struct http_request *request, struct http_response *response);
void http_response_free(struct http_response *response);

/* A parsed http or https URL. "host:port/path" without a scheme means http. */
struct http_url;

/* Returns NULL, with a reason in error, when text is not an http(s) URL with
 * a host. */
struct http_url *http_url_parse(const char *text, char *error, size_t error_size);
void http_url_free(struct http_url *url);
/* The path, "/" at least (malloc'ed, owned by the caller), as written (not
 * percent-decoded). */
char *http_url_path(const struct http_url *url);
/* The query without '?', or NULL when there is none (malloc'ed). */
char *http_url_query(const struct http_url *url);
/* Replace the path or the query (NULL or "" removes it). Return 0, or -1
 * when libcurl refuses the value. */
int http_url_set_path(struct http_url *url, const char *path);
int http_url_set_query(struct http_url *url, const char *query);
/* The whole URL (malloc'ed). */
char *http_url_string(const struct http_url *url);

#endif
