/* tsd: Darwin code reaches its thread's data through GS, as Apple's libc and
 * libpthread do (xnu osfmk/i386/ and libpthread's tsd_private.h: slot 0 is
 * the thread's own pthread_t, slot 1 its errno pointer).  Main and a second
 * thread each check that gs:[8] is the place __error() gives and that an
 * errno written through one is read through the other, and the second
 * thread that its TSD is not main's. */
#include "darwin.h"

static void *gs_slot(long slot)
{
	void *value;

	__asm__ volatile("movq %%gs:(,%1,8), %0" : "=r"(value) : "r"(slot));
	return value;
}

static void *main_self;
static int thread_same, thread_errno_ok, thread_own_tsd;

static int errno_through_gs(int value)
{
	int *through_gs = gs_slot(1);

	if (through_gs != __error())
		return 0;
	*through_gs = value;
	return *__error() == value;
}

static void *thread(void *arg)
{
	(void)arg;
	thread_same = gs_slot(1) == (void *)__error();
	thread_errno_ok = errno_through_gs(22);
	thread_own_tsd = gs_slot(0) != main_self && gs_slot(0) != 0;
	return 0;
}

int main(void)
{
	pthread_t t;

	main_self = gs_slot(0);
	printf("main: a TSD: %s\n", main_self != 0 ? "yes" : "no");
	printf("main: gs:[8] is __error(): %s\n", gs_slot(1) == (void *)__error() ? "yes" : "no");
	printf("main: errno through GS: %s\n", errno_through_gs(11) ? "yes" : "no");
	if (pthread_create(&t, 0, thread, 0) != 0 || pthread_join(t, 0) != 0) {
		printf("pthread_create/join failed\n");
		return 1;
	}
	printf("thread: gs:[8] is __error(): %s\n", thread_same ? "yes" : "no");
	printf("thread: errno through GS: %s\n", thread_errno_ok ? "yes" : "no");
	printf("thread: a TSD of its own: %s\n", thread_own_tsd ? "yes" : "no");
	printf("main: errno still %d\n", *__error());
	return 0;
}
