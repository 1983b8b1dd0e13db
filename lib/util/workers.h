/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * A fixed pool of threads running jobs that one thread (the caller, "main")
 * hands out and takes back.  Jobs live in a fixed set of slots, so nothing
 * is allocated per job; finished jobs return to main in completion order,
 * which keeps all tree mutation on main's thread.
 *
 *	w = eseal_workers_new(n, slots, job_size, &ops, arg, err);
 *	while (more work or eseal_workers_busy(w)) {
 *		while (more work && (job = eseal_workers_get_free(w)))
 *			fill job, eseal_workers_submit(w, job);
 *		if ((job = eseal_workers_wait_done(w, 100)))
 *			use result, eseal_workers_put_free(w, job);
 *	}
 *	eseal_workers_free(w);
 */
#ifndef ESEAL_WORKERS_H
#define ESEAL_WORKERS_H

#include <stddef.h>

#include "internal.h"

struct eseal_workers_ops {
	/* per-thread state; called on the worker thread, may be NULL */
	int (*thread_init)(void *arg, void **tls);
	void (*thread_fini)(void *arg, void *tls);
	/* run one job on a worker thread */
	void (*run)(void *arg, void *tls, void *job);
};

struct eseal_workers;

/* The number of online CPUs, at least 1. */
unsigned int eseal_online_cpus(void);

/*
 * Start n_threads workers (0: online CPUs) with n_slots job slots of
 * job_size bytes each (0: 32 per thread), zero-filled.
 */
struct eseal_workers *eseal_workers_new(unsigned int n_threads,
					unsigned int n_slots, size_t job_size,
					const struct eseal_workers_ops *ops,
					void *arg, struct eseal_error *err);
unsigned int eseal_workers_threads(const struct eseal_workers *w);
/* A free slot to fill, or NULL when all are queued, running or done. */
void *eseal_workers_get_free(struct eseal_workers *w);
void eseal_workers_submit(struct eseal_workers *w, void *job);
/*
 * A finished job, waiting up to timeout_ms (negative: forever) for one;
 * NULL on timeout or when no job is queued or running.
 */
void *eseal_workers_wait_done(struct eseal_workers *w, int timeout_ms);
void eseal_workers_put_free(struct eseal_workers *w, void *job);
/* Jobs submitted and not yet handed back by wait_done. */
unsigned int eseal_workers_busy(const struct eseal_workers *w);
/* Stop the threads (after queued jobs ran) and free everything. */
void eseal_workers_free(struct eseal_workers *w);

#endif /* ESEAL_WORKERS_H */
