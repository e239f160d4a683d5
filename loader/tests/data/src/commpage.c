/* commpage: reads the configured-CPU count straight from the x86-64 commpage,
 * the read-only page the kernel maps at 0x7fffffe00000 in every process
 * (_COMM_PAGE_NCPUS = _COMM_PAGE_START_ADDRESS + 0x022, one byte).  No
 * import is involved; the runtime must have mapped and filled the page
 * before main runs.  Expected output: "cpus: {NCPU}". */
#include "darwin.h"

int main(void)
{
	unsigned ncpus = *(const volatile uint8_t *)_COMM_PAGE_NCPUS;

	printf("cpus: %u\n", ncpus);
	return 0;
}
