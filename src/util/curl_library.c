/* curl_library.c — loading libcurl at run time; see curl_library.h. */
#include "curl_library.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Looks a symbol up; on failure records its name and returns NULL. */
static void *symbol(void *handle, const char *name, const char **missing)
{
    void *address = dlsym(handle, name);
    if (!address && !*missing)
        *missing = name;
    return address;
}

#define LOAD(field, name) \
    (*(void **)&library->field = symbol(library->handle, name, &missing))

int curl_library_open(struct curl_library *library, char *error, size_t error_size)
{
    memset(library, 0, sizeof *library);
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};
    const char *first_error = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library->handle; i++) {
        library->handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library->handle && !first_error)
            first_error = dlerror();
    }
    if (!library->handle) {
        snprintf(error, error_size, "libcurl is not installed (%s); apt-get install libcurl4",
                 first_error ? first_error : "not found");
        return -1;
    }
    const char *missing = NULL;
    LOAD(global_init, "curl_global_init");
    LOAD(global_cleanup, "curl_global_cleanup");
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(free, "curl_free");
    LOAD(url, "curl_url");
    LOAD(url_cleanup, "curl_url_cleanup");
    LOAD(url_get, "curl_url_get");
    LOAD(url_set, "curl_url_set");
    LOAD(url_strerror, "curl_url_strerror");
    if (missing) {
        snprintf(error, error_size, "the installed libcurl lacks %s (libcurl 7.62 or newer needed)",
                 missing);
        curl_library_close(library);
        return -1;
    }
    return 0;
}

void curl_library_close(struct curl_library *library)
{
    if (library->handle)
        dlclose(library->handle);
    memset(library, 0, sizeof *library);
}
