/* mach_msg: the sender/receiver example of the Darling documentation ("Mach
 * ports", Low-level API) as two threads of one process instead of two
 * processes, so no bootstrap server is needed: the receiver thread creates a
 * port (receive right), gives itself a send right, publishes the name; the
 * sender thread sends "Hello" and 35 to it with MACH_SEND_MSG and the receiver
 * takes the message with MACH_RCV_MSG.
 *
 * The threads only record what happened; main prints it after joining them,
 * so the output order does not depend on scheduling.  Port names are chosen
 * by the kernel and are not printed.  If the send fails, main exits at once
 * (the receiver would otherwise wait forever). */
#include "darwin.h"

#define SPINS 5000000
#define MSG_ID 1234

struct hello_message {
	mach_msg_header_t header;
	char some_text[10];
	int some_number;
};
struct hello_received {
	struct hello_message message;
	mach_msg_trailer_t trailer;
};
_Static_assert(sizeof(struct hello_message) == 40, "message body layout");
_Static_assert(sizeof(struct hello_received) == 48, "message + trailer layout");

static mach_port_t port;
static int port_state; /* 0 waiting, 1 port ready, -1 receiver gave up */
static kern_return_t kr_allocate = -1, kr_insert = -1, kr_send = -1, kr_receive = -1;
static struct hello_received received;

static void *receiver(void *arg)
{
	mach_port_t name = MACH_PORT_NULL;

	(void)arg;
	kr_allocate = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name);
	if (kr_allocate == KERN_SUCCESS)
		kr_insert = mach_port_insert_right(mach_task_self(), name, name,
			MACH_MSG_TYPE_MAKE_SEND);
	if (kr_allocate != KERN_SUCCESS || kr_insert != KERN_SUCCESS) {
		__atomic_store_n(&port_state, -1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	port = name;
	__atomic_store_n(&port_state, 1, __ATOMIC_SEQ_CST);

	kr_receive = mach_msg(&received.message.header, MACH_RCV_MSG, 0,
		sizeof(received), name, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	return NULL;
}

static void *sender(void *arg)
{
	struct hello_message message;
	const char *text = "Hello";
	long spins = 0;
	int i, state;

	(void)arg;
	while ((state = __atomic_load_n(&port_state, __ATOMIC_SEQ_CST)) == 0) {
		if (++spins > SPINS)
			return NULL; /* kr_send stays -1 */
		sched_yield();
	}
	if (state < 0)
		return NULL;

	message.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	message.header.msgh_size = sizeof(message);
	message.header.msgh_remote_port = port;
	message.header.msgh_local_port = MACH_PORT_NULL;
	message.header.msgh_voucher_port = MACH_PORT_NULL;
	message.header.msgh_id = MSG_ID;
	for (i = 0; i < (int)sizeof(message.some_text); i++) {
		message.some_text[i] = *text;
		if (*text)
			text++;
	}
	message.some_number = 35;

	kr_send = mach_msg(&message.header, MACH_SEND_MSG, sizeof(message), 0,
		MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	return NULL;
}

static void check(const char *what, kern_return_t kr)
{
	if (kr == KERN_SUCCESS)
		printf("%s: ok\n", what);
	else
		printf("%s failed with code 0x%x\n", what, kr);
}

int main(void)
{
	const mach_msg_header_t *h = &received.message.header;
	pthread_t rx, tx;

	if (pthread_create(&rx, NULL, receiver, NULL) != 0 ||
	    pthread_create(&tx, NULL, sender, NULL) != 0) {
		fprintf(stderr, "mach_msg: pthread_create failed\n");
		return 1;
	}
	if (pthread_join(tx, NULL) != 0) {
		fprintf(stderr, "mach_msg: pthread_join failed\n");
		return 1;
	}
	if (kr_send != KERN_SUCCESS) {
		check("mach_port_allocate()", kr_allocate);
		check("mach_port_insert_right()", kr_insert);
		check("mach_msg(MACH_SEND_MSG)", kr_send);
		exit(1);
	}
	if (pthread_join(rx, NULL) != 0) {
		fprintf(stderr, "mach_msg: pthread_join failed\n");
		return 1;
	}
	check("mach_port_allocate()", kr_allocate);
	check("mach_port_insert_right()", kr_insert);
	check("mach_msg(MACH_SEND_MSG)", kr_send);
	check("mach_msg(MACH_RCV_MSG)", kr_receive);
	if (kr_receive != KERN_SUCCESS)
		return 1;

	/* The kernel swaps the ports on delivery: local = the destination (a send
	 * right, 17, in the local bits), remote = the reply port (none). */
	printf("msgh_bits: 0x%x (remote %u, local %u)\n", h->msgh_bits,
		MACH_MSGH_BITS_REMOTE(h->msgh_bits), MACH_MSGH_BITS_LOCAL(h->msgh_bits));
	printf("msgh_size: %u\n", h->msgh_size);
	printf("msgh_remote_port: %s\n", h->msgh_remote_port == MACH_PORT_NULL ? "MACH_PORT_NULL" : "not null");
	printf("msgh_local_port: %s\n", h->msgh_local_port == port ? "the receive port" : "another name");
	printf("msgh_id: %d\n", h->msgh_id);
	printf("trailer: type %u, size %u\n", received.trailer.msgh_trailer_type,
		received.trailer.msgh_trailer_size);

	received.message.some_text[9] = 0;
	printf("Text: %s, number: %d\n", received.message.some_text,
		received.message.some_number);
	return 0;
}
