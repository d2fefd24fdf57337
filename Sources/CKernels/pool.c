// A small fork-join pool for EnpireLearning's training step: the calling thread runs chunk 0 and up to seven
// persistent workers run the others. Nothing is allocated per call (the job is a function pointer and a context
// pointer), which DispatchQueue.concurrentPerform cannot promise (it boxes and copies the closure), and one pool
// does all the step's parallel work, matrix products included, so no second set of threads (OpenBLAS's) spins
// for the same cores. Workers spin briefly after a job (the next one usually follows within microseconds), then
// sleep on a condition variable.
#define _GNU_SOURCE
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define POOL_MAX_WORKERS 7
// Pause iterations a worker spins before sleeping (tens of microseconds).
#define POOL_SPIN 20000

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   // guards sleeping
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;   // one fork-join at a time
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_workers;                                         // started workers
static int configured_size = 0;
// The job's ticket: generation << 16 | chunk count << 8 | next unclaimed chunk. A chunk is claimed by a
// compare-and-swap on the whole ticket, so a worker that wakes late for a finished job cannot claim a chunk of the
// next one under the old generation; and since a job's function and context change only after all its chunks
// finished, they are read after a successful claim.
static _Atomic unsigned long pool_ticket;
static _Atomic int pool_sleeping;
static _Atomic int pool_remaining;
static void (*pool_function)(void *, int);
static void *pool_context;
static _Thread_local int pool_inside;                            // a chunk that forks again runs inline

static inline void pool_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Claims and runs chunks of the job `ticket` names until none is left or the job changed.
static void pool_help(unsigned long ticket) {
    for (;;) {
        const unsigned long chunks = (ticket >> 8) & 0xff, next = ticket & 0xff;
        if (next >= chunks) return;
        if (atomic_compare_exchange_weak(&pool_ticket, &ticket, ticket + 1)) {
            pool_function(pool_context, (int)next);
            atomic_fetch_sub(&pool_remaining, 1);
            ticket = atomic_load(&pool_ticket);
        }
        // On failure `ticket` holds the current value: another claim, or a new job (then its chunks are ours too).
    }
}

static void *pool_worker(void *argument) {
    (void)argument;
    unsigned long seen = 0;   // generation last worked on
    pool_inside = 1;
    for (;;) {
        unsigned long ticket = atomic_load(&pool_ticket);
        for (int spin = 0; (ticket >> 16) == seen && spin < POOL_SPIN; spin++) {
            pool_pause();
            ticket = atomic_load(&pool_ticket);
        }
        if ((ticket >> 16) == seen) {
            pthread_mutex_lock(&pool_lock);
            atomic_fetch_add(&pool_sleeping, 1);
            while (((ticket = atomic_load(&pool_ticket)) >> 16) == seen) pthread_cond_wait(&pool_wake, &pool_lock);
            atomic_fetch_sub(&pool_sleeping, 1);
            pthread_mutex_unlock(&pool_lock);
        }
        seen = ticket >> 16;
        pool_help(ticket);
    }
    return 0;
}

static void pool_start(void) {
    int wanted = enpire_pool_size() - 1;
    for (int index = 0; index < wanted; index++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, pool_worker, 0) == 0) pool_workers++;
        pthread_attr_destroy(&attributes);
    }
}

void enpire_pool_configure(int size) {
    if (size < 1) size = 1;
    if (size > POOL_MAX_WORKERS + 1) size = POOL_MAX_WORKERS + 1;
    configured_size = size;
}

int enpire_pool_size(void) { return configured_size > 0 ? configured_size : 1; }

int enpire_affinity_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    return 0;
}

int enpire_pin_thread_to_first_cpu(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        return sched_setaffinity(0, sizeof(one), &one) == 0 ? cpu : -1;
    }
#endif
    return -1;
}

int enpire_pool_run(int chunks, void (*function)(void *context, int chunk), void *context) {
    if (chunks <= 1 || chunks > 255 || pool_inside || enpire_pool_size() <= 1 ||
        pthread_mutex_trylock(&pool_busy) != 0) {
        for (int chunk = 0; chunk < chunks; chunk++) function(context, chunk);
        return 0;
    }
    pthread_once(&pool_once, pool_start);
    pool_function = function;
    pool_context = context;
    atomic_store(&pool_remaining, chunks);
    const unsigned long generation = (atomic_load(&pool_ticket) >> 16) + 1;
    // Publishes the job (sequentially consistent); the caller keeps chunk 0 for itself.
    atomic_store(&pool_ticket, generation << 16 | (unsigned long)chunks << 8 | 1);
    if (atomic_load(&pool_sleeping) > 0) {
        pthread_mutex_lock(&pool_lock);
        pthread_cond_broadcast(&pool_wake);
        pthread_mutex_unlock(&pool_lock);
    }
    pool_inside = 1;
    function(context, 0);
    atomic_fetch_sub(&pool_remaining, 1);
    pool_help(atomic_load(&pool_ticket));   // chunks no worker has claimed yet (a worker may be descheduled)
    pool_inside = 0;
    for (long spin = 0; atomic_load(&pool_remaining) > 0; spin++) {
        if (spin < POOL_SPIN) pool_pause(); else sched_yield();
    }
    pthread_mutex_unlock(&pool_busy);
    return 1;
}
