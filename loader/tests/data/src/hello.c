/* hello: the smallest useful program.  Imports only printf (through a lazy
 * stub on macOS 10.15, a chained-fixup import on 13.0); main returns 0, so the
 * runtime must call exit(main's result), which flushes stdout. */
#include "darwin.h"

int main(void)
{
	printf("Hello, world!\n");
	return 0;
}
