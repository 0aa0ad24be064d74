/* curl_library.h — libcurl, loaded with dlopen() by the commands that use it.
 *
 * Why not link it: libcurl drags 29 more shared libraries into every ember
 * process. Measured on this machine (perf stat, 30 runs of an empty main):
 * 0.9 ms CPU to start with ember's other libraries, 5.8 ms with -lcurl —
 * more than ember needs to draw a 7 MB folded file's worth of work in some
 * commands. Only `ember fetch` talks HTTP, so only it pays for libcurl.
 *
 * The function pointers have libcurl's own prototypes (taken with typeof
 * from <curl/curl.h>), so calls are type-checked as before.
 */
#ifndef EMBER_CURL_LIBRARY_H
#define EMBER_CURL_LIBRARY_H

#include <curl/curl.h>
#include <stddef.h>

struct curl_library {
    void *handle;
    __typeof__((curl_global_init)) *global_init;
    __typeof__((curl_global_cleanup)) *global_cleanup;
    __typeof__((curl_easy_init)) *easy_init;
    __typeof__((curl_easy_cleanup)) *easy_cleanup;
    __typeof__((curl_easy_setopt)) *easy_setopt;
    __typeof__((curl_easy_getinfo)) *easy_getinfo;
    __typeof__((curl_easy_perform)) *easy_perform;
    __typeof__((curl_easy_strerror)) *easy_strerror;
    __typeof__((curl_free)) *free;
    __typeof__((curl_url)) *url;
    __typeof__((curl_url_cleanup)) *url_cleanup;
    __typeof__((curl_url_get)) *url_get;
    __typeof__((curl_url_set)) *url_set;
    __typeof__((curl_url_strerror)) *url_strerror;
};

/* Loads libcurl (libcurl.so.4, else libcurl-gnutls.so.4). Returns 0, or -1
 * with the reason (e.g. "libcurl is not installed: ...") in error. */
int curl_library_open(struct curl_library *library, char *error, size_t error_size);
void curl_library_close(struct curl_library *library);

#endif
