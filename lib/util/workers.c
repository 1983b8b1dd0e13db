// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The thread pool: job slots move free -> queued -> done -> free, the first
 * and last step on the main thread, the middle one on a worker.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workers.h"

struct ring {
	unsigned int *idx;
	unsigned int head, len;
};

struct eseal_workers {
	pthread_mutex_t lock;
	pthread_cond_t work_cv, done_cv;
	struct eseal_workers_ops ops;
	void *arg;
	unsigned int n_threads;		/* tls[] entries */
	unsigned int n_running;		/* threads[] started */
	unsigned int n_started;		/* threads that took their tls */
	pthread_t *threads;
	void **tls;
	unsigned int n_slots;
	size_t job_size;
	unsigned char *slots;
	struct ring queued, done, free;
	unsigned int busy;
	unsigned int n_waiting;		/* workers in cond_wait */
	bool main_waiting;		/* main in wait_done */
	bool stop;
	bool inited;			/* lock and conds initialised */
};

struct thread_arg {
	struct eseal_workers *w;
	unsigned int i;
};

unsigned int eseal_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)MIN(n, 1024L) : 1;
}

static void ring_push(struct ring *r, unsigned int n_slots, unsigned int i)
{
	r->idx[(r->head + r->len) % n_slots] = i;
	r->len++;
}

static unsigned int ring_pop(struct ring *r, unsigned int n_slots)
{
	unsigned int i = r->idx[r->head];

	r->head = (r->head + 1) % n_slots;
	r->len--;
	return i;
}

static void *slot(struct eseal_workers *w, unsigned int i)
{
	return w->slots + (size_t)i * w->job_size;
}

static unsigned int slot_index(struct eseal_workers *w, void *job)
{
	return (unsigned int)(((unsigned char *)job - w->slots) / w->job_size);
}

static void *thread_main(void *p)
{
	struct eseal_workers *w = p;
	unsigned int me, i;

	pthread_mutex_lock(&w->lock);
	me = w->n_started++;
	for (;;) {
		while (!w->stop && !w->queued.len) {
			w->n_waiting++;
			pthread_cond_wait(&w->work_cv, &w->lock);
			w->n_waiting--;
		}
		if (!w->queued.len)
			break;
		i = ring_pop(&w->queued, w->n_slots);
		pthread_mutex_unlock(&w->lock);
		w->ops.run(w->arg, w->tls[me], slot(w, i));
		pthread_mutex_lock(&w->lock);
		ring_push(&w->done, w->n_slots, i);
		/*
		 * Wake main only when it has a batch to take or we are
		 * about to run dry: a wake-up per job costs more than
		 * hashing a small file.
		 */
		if (w->main_waiting &&
		    (w->done.len >= w->n_slots / 2 || !w->queued.len))
			pthread_cond_signal(&w->done_cv);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct eseal_workers *eseal_workers_new(unsigned int n_threads,
					unsigned int n_slots, size_t job_size,
					const struct eseal_workers_ops *ops,
					void *arg, struct eseal_error *err)
{
	struct eseal_workers *w;
	pthread_condattr_t ca;
	unsigned int i;
	int r;

	if (!n_threads)
		n_threads = eseal_online_cpus();
	if (!n_slots)
		n_slots = 32 * n_threads;
	w = calloc(1, sizeof(*w));
	if (!w)
		goto oom;
	w->ops = *ops;
	w->arg = arg;
	w->n_threads = n_threads;
	w->n_slots = n_slots;
	w->job_size = ALIGN_UP(job_size ? job_size : 1, (size_t)16);
	w->slots = calloc(n_slots, w->job_size);
	w->queued.idx = calloc(n_slots, sizeof(unsigned int));
	w->done.idx = calloc(n_slots, sizeof(unsigned int));
	w->free.idx = calloc(n_slots, sizeof(unsigned int));
	w->threads = calloc(n_threads, sizeof(pthread_t));
	w->tls = calloc(n_threads, sizeof(void *));
	if (!w->slots || !w->queued.idx || !w->done.idx || !w->free.idx ||
	    !w->threads || !w->tls) {
		eseal_workers_free(w);
		goto oom;
	}
	for (i = 0; i < n_slots; i++)
		ring_push(&w->free, n_slots, i);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->work_cv, NULL);
	w->inited = true;
	for (i = 0; i < n_threads; i++) {
		if (ops->thread_init) {
			r = ops->thread_init(arg, &w->tls[i]);
			if (r < 0) {
				eseal_errorf(err, -r,
					     "cannot set up worker thread: %s",
					     strerror(-r));
				goto fail;
			}
		}
	}
	for (i = 0; i < n_threads; i++) {
		r = pthread_create(&w->threads[i], NULL, thread_main, w);
		if (r) {
			eseal_errorf(err, r, "cannot start a thread: %s",
				     strerror(r));
			goto fail;
		}
		w->n_running = i + 1;
	}
	return w;
fail:
	eseal_workers_free(w);
	return NULL;
oom:
	eseal_errorf(err, ENOMEM, "out of memory");
	return NULL;
}

unsigned int eseal_workers_threads(const struct eseal_workers *w)
{
	return w->n_threads;
}

void *eseal_workers_get_free(struct eseal_workers *w)
{
	void *job = NULL;

	pthread_mutex_lock(&w->lock);
	if (w->free.len)
		job = slot(w, ring_pop(&w->free, w->n_slots));
	pthread_mutex_unlock(&w->lock);
	return job;
}

void eseal_workers_submit(struct eseal_workers *w, void *job)
{
	pthread_mutex_lock(&w->lock);
	ring_push(&w->queued, w->n_slots, slot_index(w, job));
	w->busy++;
	if (w->n_waiting)
		pthread_cond_signal(&w->work_cv);
	pthread_mutex_unlock(&w->lock);
}

void *eseal_workers_wait_done(struct eseal_workers *w, int timeout_ms)
{
	struct timespec ts;
	void *job = NULL;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&w->lock);
	/*
	 * A poll (timeout 0) must not sleep: a timed wait that has already
	 * expired is still a futex call under the lock the workers need.
	 */
	while (!w->done.len && w->busy && timeout_ms) {
		w->main_waiting = true;
		if (timeout_ms < 0) {
			pthread_cond_wait(&w->done_cv, &w->lock);
		} else if (pthread_cond_timedwait(&w->done_cv, &w->lock,
						  &ts) == ETIMEDOUT) {
			w->main_waiting = false;
			break;
		}
		w->main_waiting = false;
	}
	if (w->done.len) {
		job = slot(w, ring_pop(&w->done, w->n_slots));
		w->busy--;
	}
	pthread_mutex_unlock(&w->lock);
	return job;
}

void eseal_workers_put_free(struct eseal_workers *w, void *job)
{
	pthread_mutex_lock(&w->lock);
	ring_push(&w->free, w->n_slots, slot_index(w, job));
	pthread_mutex_unlock(&w->lock);
}

unsigned int eseal_workers_busy(const struct eseal_workers *w)
{
	return w->busy;		/* only main changes it */
}

void eseal_workers_free(struct eseal_workers *w)
{
	unsigned int i;

	if (!w)
		return;
	if (w->n_running) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_broadcast(&w->work_cv);
		pthread_mutex_unlock(&w->lock);
		for (i = 0; i < w->n_running; i++)
			pthread_join(w->threads[i], NULL);
	}
	if (w->tls && w->ops.thread_fini) {
		for (i = 0; i < w->n_threads; i++)
			if (w->tls[i])
				w->ops.thread_fini(w->arg, w->tls[i]);
	}
	if (w->inited) {
		pthread_cond_destroy(&w->work_cv);
		pthread_cond_destroy(&w->done_cv);
		pthread_mutex_destroy(&w->lock);
	}
	free(w->threads);
	free(w->tls);
	free(w->slots);
	free(w->queued.idx);
	free(w->done.idx);
	free(w->free.idx);
	free(w);
}
