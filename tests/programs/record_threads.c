/* record_threads.c — three threads in distinct functions for `ember record`
 * tests: main's thread in main_thread_work, two pthreads in
 * thread_alpha_work and thread_beta_work (reached through thread_start).
 * Usage: record_threads [SECONDS] (default 1). */
#include "record_spin.h"

#include <pthread.h>
#include <stdio.h>

volatile unsigned long threads_sink;

__attribute__((noinline)) void thread_alpha_work(double end);
__attribute__((noinline)) void thread_beta_work(double end);
__attribute__((noinline)) void main_thread_work(double end);

void thread_alpha_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            threads_sink += i;
}

void thread_beta_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            threads_sink ^= i;
}

void main_thread_work(double end)
{
    while (record_now() < end)
        for (unsigned long i = 0; i < 100000; i++)
            threads_sink -= i;
}

struct thread_task {
    void (*work)(double);
    double end;
};

static void *thread_start(void *argument)
{
    struct thread_task *task = argument;
    task->work(task->end);
    return NULL;
}

int main(int argc, char **argv)
{
    double end = record_now() + record_seconds_arg(argc, argv, 1, 1.0);
    struct thread_task alpha = {thread_alpha_work, end}, beta = {thread_beta_work, end};
    pthread_t threads[2];
    pthread_create(&threads[0], NULL, thread_start, &alpha);
    pthread_create(&threads[1], NULL, thread_start, &beta);
    main_thread_work(end);
    pthread_join(threads[0], NULL);
    pthread_join(threads[1], NULL);
    printf("record_threads done\n");
    return 0;
}
