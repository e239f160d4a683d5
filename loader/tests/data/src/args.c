/* args: what the runtime hands to main.  Prints argc, every argv[i] and the
 * environment variable DARLING_TEST (or "(unset)"), then leaves with
 * exit(42).  The last line is printed without a newline and nothing calls
 * fflush: only exit()'s flush of stdio can make it appear. */
#include "darwin.h"

int main(int argc, char **argv)
{
	const char *value;
	int i;

	printf("argc: %d\n", argc);
	for (i = 0; i < argc; i++)
		printf("argv[%d]: %s\n", i, argv[i]);
	if (argv[argc] != NULL)
		printf("argv[argc] is not NULL\n");
	value = getenv("DARLING_TEST");
	printf("DARLING_TEST: %s\n", value != NULL ? value : "(unset)");
	printf("exit(42) flushes this line");
	exit(42);
}
