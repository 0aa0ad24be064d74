/* output.c — atomic output files; see output.h. */
#include "output.h"
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUTPUT_BUFFER_SIZE = 1 << 16 };

const char *output_name(const struct output *output)
{
    return output->final_path ? output->final_path : "<stdout>";
}

/* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in
 * place: there is no file to replace, and renaming a temporary file over
 * /dev/null would put a regular file there. */
static int open_special(struct output *output, const char *path)
{
    output->file = fopen(path, "w");
    if (!output->file) {
        fprintf(stderr, "ember: %s: cannot open output: %s\n", path, strerror(errno));
        return -1;
    }
    output->final_path = xstrdup(path);
    output->buffer = xmalloc(OUTPUT_BUFFER_SIZE);
    setvbuf(output->file, output->buffer, _IOFBF, OUTPUT_BUFFER_SIZE);
    return 0;
}

int output_open(struct output *output, const char *path)
{
    memset(output, 0, sizeof *output);
    if (!path || strcmp(path, "-") == 0) {
        output->file = stdout;
    } else {
        struct stat status;
        int exists = stat(path, &status) == 0;
        if (exists && S_ISDIR(status.st_mode)) {
            fprintf(stderr, "ember: %s: is a directory, cannot write output there\n", path);
            return -1;
        }
        if (exists && !S_ISREG(status.st_mode))
            return open_special(output, path);
        size_t length = strlen(path);
        output->final_path = xstrdup(path);
        output->temporary_path = xmalloc(length + 32);
        snprintf(output->temporary_path, length + 32, "%s.tmp.XXXXXX", path);
        int fd = mkstemp(output->temporary_path);
        if (fd < 0) {
            fprintf(stderr, "ember: %s: cannot create output file: %s\n", path, strerror(errno));
            free(output->final_path);
            free(output->temporary_path);
            memset(output, 0, sizeof *output);
            return -1;
        }
        fchmod(fd, 0644 & ~(mode_t)0);
        output->file = fdopen(fd, "w");
        if (!output->file) {
            close(fd);
            unlink(output->temporary_path);
            fprintf(stderr, "ember: %s: cannot open output: %s\n", path, strerror(errno));
            free(output->final_path);
            free(output->temporary_path);
            memset(output, 0, sizeof *output);
            return -1;
        }
    }
    if (output->final_path) { /* stdout's buffer is set up once by main() */
        output->buffer = xmalloc(OUTPUT_BUFFER_SIZE);
        setvbuf(output->file, output->buffer, _IOFBF, OUTPUT_BUFFER_SIZE);
    }
    return 0;
}

static void release(struct output *output)
{
    free(output->final_path);
    free(output->temporary_path);
    free(output->buffer);
    memset(output, 0, sizeof *output);
}

int output_commit(struct output *output)
{
    int failed = 0;
    if (!output->final_path) {
        failed = fflush(output->file) != 0 || ferror(output->file);
        if (failed)
            fprintf(stderr, "ember: <stdout>: write error: %s\n", strerror(errno));
        release(output);
        return failed ? -1 : 0;
    }
    if (fflush(output->file) != 0 || ferror(output->file))
        failed = 1;
    int saved_errno = errno;
    if (fclose(output->file) != 0)
        failed = 1;
    if (!output->temporary_path) { /* a device or pipe, written in place */
        if (failed)
            fprintf(stderr, "ember: %s: write error: %s\n", output->final_path,
                    strerror(saved_errno));
        release(output);
        return failed ? -1 : 0;
    }
    if (!failed && rename(output->temporary_path, output->final_path) != 0) {
        saved_errno = errno;
        failed = 1;
    }
    if (failed) {
        fprintf(stderr, "ember: %s: write error: %s\n", output->final_path, strerror(saved_errno));
        unlink(output->temporary_path);
    }
    release(output);
    return failed ? -1 : 0;
}

void output_abort(struct output *output)
{
    if (!output->file)
        return;
    if (output->final_path) {
        fclose(output->file);
        if (output->temporary_path)
            unlink(output->temporary_path);
    } else {
        fflush(output->file);
    }
    release(output);
}
