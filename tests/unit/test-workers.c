// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The thread pool: every job runs exactly once and comes back exactly
 * once, for any number of threads and slots; waits time out.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workers.h"
#include "test.h"

struct job {
	unsigned int id;
	unsigned int tls_id;
	unsigned long result;
	unsigned long scratch;
};

static atomic_uint inits, finis, tls_seq;

static int t_init(void *arg, void **tls)
{
	unsigned int *p = malloc(sizeof(*p));

	(void)arg;
	if (!p)
		return -ENOMEM;
	*p = atomic_fetch_add(&tls_seq, 1) + 1;
	*tls = p;
	atomic_fetch_add(&inits, 1);
	return 0;
}

static void t_fini(void *arg, void *tls)
{
	(void)arg;
	free(tls);
	atomic_fetch_add(&finis, 1);
}

static void t_run(void *arg, void *tls, void *jobp)
{
	struct job *j = jobp;
	unsigned long x = j->id, i;

	(void)arg;
	for (i = 0; i < (j->id % 7) * 1000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	j->result = j->id * 3ul + 1;
	j->tls_id = *(unsigned int *)tls;
	j->scratch = x;		/* keep the loop */
}

static void run(unsigned int threads, unsigned int slots, unsigned int n)
{
	static const struct eseal_workers_ops ops = {
		.thread_init = t_init, .thread_fini = t_fini, .run = t_run,
	};
	struct eseal_error err = { 0 };
	struct eseal_workers *w;
	unsigned char *seen = calloc(n, 1);
	unsigned int next = 0, back = 0, bad = 0;
	struct job *j;

	atomic_store(&inits, 0);
	atomic_store(&finis, 0);
	w = eseal_workers_new(threads, slots, sizeof(struct job), &ops, NULL,
			      &err);
	CHECK(w != NULL, "pool of %u threads, %u slots: %s", threads, slots,
	      err.msg);
	if (!w)
		return;
	for (;;) {
		while (next < n && (j = eseal_workers_get_free(w))) {
			j->id = next++;
			j->result = 0;
			eseal_workers_submit(w, j);
		}
		if (!eseal_workers_busy(w))
			break;
		j = eseal_workers_wait_done(w, next % 2 ? 50 : -1);
		if (!j)
			continue;
		if (j->id >= n || seen[j->id] || j->result != j->id * 3ul + 1 ||
		    !j->tls_id) {
			printf("# bad job %u: result %lu tls %u\n", j->id,
			       j->result, j->tls_id);
			bad++;
		}
		else
			seen[j->id] = 1;
		back++;
		eseal_workers_put_free(w, j);
	}
	CHECK(back == n && !bad && next == n,
	      "%u threads, %u slots: %u jobs each ran and came back once "
	      "(%u back, %u bad)", threads, slots, n, back, bad);
	CHECK(eseal_workers_wait_done(w, 10) == NULL,
	      "nothing more to wait for");
	eseal_workers_free(w);
	CHECK(atomic_load(&finis) == atomic_load(&inits) &&
		      atomic_load(&inits) == (threads ? threads :
					      eseal_online_cpus()),
	      "per-thread state set up and torn down once per thread");
	free(seen);
}

int main(void)
{
	run(1, 1, 1000);
	run(1, 0, 5000);
	run(4, 3, 20000);
	run(8, 0, 20000);
	run(0, 0, 3000);
	return test_done();
}
