/* record_long.c — a long-running target for `ember record` tests: spins in
 * long_running_work until SECONDS pass (0: until SIGINT or SIGTERM), starts
 * a second thread (late_thread_work) after LATE seconds, writes its pid to
 * PIDFILE once running, and exits with STATUS (on a signal too, so the
 * tests see ember pass it through).
 * Usage: record_long SECONDS STATUS [PIDFILE] [LATE]. */
#include "record_spin.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t long_stop;
volatile unsigned long long_sink;

static void on_signal(int signal_number)
{
    long_stop = signal_number;
}

__attribute__((noinline)) void long_running_work(void);
__attribute__((noinline)) void late_thread_work(void);

void long_running_work(void)
{
    for (unsigned long i = 0; i < 200000; i++)
        long_sink += i;
}

void late_thread_work(void)
{
    for (unsigned long i = 0; i < 200000; i++)
        long_sink ^= i;
}

static void *late_thread(void *unused)
{
    (void)unused;
    while (!long_stop)
        late_thread_work();
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = record_seconds_arg(argc, argv, 1, 0);
    int status = argc > 2 ? atoi(argv[2]) : 0;
    double late = record_seconds_arg(argc, argv, 4, -1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    if (argc > 3 && argv[3][0]) {
        char temporary[4096];
        snprintf(temporary, sizeof temporary, "%s.tmp", argv[3]);
        FILE *file = fopen(temporary, "w");
        if (file) {
            fprintf(file, "%d\n", (int)getpid());
            fclose(file);
            rename(temporary, argv[3]);
        }
    }
    double start = record_now();
    pthread_t thread;
    int thread_started = 0;
    while (!long_stop && (seconds <= 0 || record_now() < start + seconds)) {
        long_running_work();
        if (!thread_started && late >= 0 && record_now() >= start + late) {
            pthread_create(&thread, NULL, late_thread, NULL);
            thread_started = 1;
        }
    }
    long_stop = 1;
    if (thread_started)
        pthread_join(thread, NULL);
    return status;
}
