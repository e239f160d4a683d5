/* threads: errno is per thread.  Two pthreads and the main thread each store
 * their own value through __error(), meet at a barrier (so all three stores
 * have happened before anyone looks), yield, and read their value back.
 * main joins both threads and prints one line per thread in a fixed order.
 *
 * The waiting uses sched_yield() only: Darwin's usleep()/nanosleep() may leave
 * errno set (to ETIMEDOUT) even when they succeed, so a sleep would spoil the
 * very value being checked.  The barrier gives up after a bounded number of
 * yields, so a runtime that never runs the threads concurrently fails the
 * test ("timed out") instead of hanging. */
#include "darwin.h"

#define PARTIES 3
#define SPINS 5000000
#define YIELDS 100

struct job {
	int id;
	int value;   /* what this thread stores in errno */
	int seen;    /* what it read back after the barrier and the yields */
	int timeout; /* the barrier was not reached in time */
};

static int arrived;

static void run(struct job *job)
{
	long spins = 0;
	int i;

	errno = job->value;
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < PARTIES) {
		if (++spins > SPINS) {
			job->timeout = 1;
			break;
		}
		sched_yield();
	}
	for (i = 0; i < YIELDS; i++)
		sched_yield();
	job->seen = errno;
}

static void *thread_main(void *arg)
{
	run(arg);
	return arg;
}

static void report(const char *who, const struct job *job)
{
	if (job->timeout)
		printf("%s %d: timed out at the barrier\n", who, job->id);
	else if (job->id)
		printf("%s %d errno %d\n", who, job->id, job->seen);
	else
		printf("%s errno %d\n", who, job->seen);
}

int main(void)
{
	struct job jobs[2] = { { 1, 11, 0, 0 }, { 2, 22, 0, 0 } };
	struct job self = { 0, 33, 0, 0 };
	pthread_t tid[2];
	void *ret;
	int i, r;

	for (i = 0; i < 2; i++) {
		r = pthread_create(&tid[i], NULL, thread_main, &jobs[i]);
		if (r != 0) {
			fprintf(stderr, "threads: pthread_create failed: %d\n", r);
			return 1;
		}
	}
	run(&self);
	for (i = 0; i < 2; i++) {
		r = pthread_join(tid[i], &ret);
		if (r != 0 || ret != &jobs[i]) {
			fprintf(stderr, "threads: pthread_join failed: %d\n", r);
			return 1;
		}
	}
	report("thread", &jobs[0]);
	report("thread", &jobs[1]);
	report("main", &self);
	return 0;
}
