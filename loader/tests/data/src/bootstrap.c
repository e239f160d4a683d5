/* bootstrap: a service registered with the bootstrap server and looked up
 * again, as two programs would find each other: the process makes a port,
 * registers a send right to it under a name (bootstrap_register), looks the
 * name up (bootstrap_look_up), sends "Hello" and 35 to what it found and
 * receives the message on its port.  A name nobody registered is
 * BOOTSTRAP_UNKNOWN_SERVICE.  All on one thread: the message waits in the
 * port's queue until it is received. */
#include "darwin.h"

#define SERVICE "org.darlinghq.loader-test"
#define MSG_ID 4321

struct hello_message {
	mach_msg_header_t header;
	char some_text[10];
	int some_number;
};
struct hello_received {
	struct hello_message message;
	mach_msg_trailer_t trailer;
};

static const char *status(kern_return_t kr)
{
	return kr == KERN_SUCCESS ? "ok" : "failed";
}

int main(void)
{
	mach_port_t port = MACH_PORT_NULL, found = MACH_PORT_NULL, nobody = MACH_PORT_NULL;
	struct hello_message message;
	struct hello_received received;
	const char *text = "Hello";
	kern_return_t kr;
	int i;

	kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
	printf("mach_port_allocate(): %s\n", status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	kr = mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
	printf("mach_port_insert_right(): %s\n", status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	kr = bootstrap_register(bootstrap_port, SERVICE, port);
	printf("bootstrap_register(%s): %s\n", SERVICE, status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	kr = bootstrap_look_up(bootstrap_port, SERVICE, &found);
	printf("bootstrap_look_up(%s): %s\n", SERVICE, status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	/* Send rights to one port share one name in a task. */
	printf("the same port: %s\n", found == port ? "yes" : "no");
	kr = bootstrap_look_up(bootstrap_port, "org.darlinghq.nobody", &nobody);
	printf("bootstrap_look_up(org.darlinghq.nobody): %d\n", kr);

	message.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	message.header.msgh_size = sizeof(message);
	message.header.msgh_remote_port = found;
	message.header.msgh_local_port = MACH_PORT_NULL;
	message.header.msgh_voucher_port = MACH_PORT_NULL;
	message.header.msgh_id = MSG_ID;
	for (i = 0; i < (int)sizeof(message.some_text); i++) {
		message.some_text[i] = *text;
		if (*text)
			text++;
	}
	message.some_number = 35;
	kr = mach_msg(&message.header, MACH_SEND_MSG, sizeof(message), 0,
		MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	printf("mach_msg(MACH_SEND_MSG): %s\n", status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	kr = mach_msg(&received.message.header, MACH_RCV_MSG, 0, sizeof(received),
		port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	printf("mach_msg(MACH_RCV_MSG): %s\n", status(kr));
	if (kr != KERN_SUCCESS)
		return 1;
	printf("msgh_id: %d\n", received.message.header.msgh_id);
	printf("Text: %s, number: %d\n", received.message.some_text,
		received.message.some_number);
	return 0;
}
