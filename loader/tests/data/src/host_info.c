/* host_info: the Mach host port and the HOST_BASIC_INFO flavor of host_info()
 * (a MIG routine).  Prints the number of available CPUs; the expected output
 * holds {NCPU}, which the test replaces with the host's CPU count.  Other
 * checks report on stderr and give exit status 1. */
#include "darwin.h"

int main(void)
{
	host_basic_info_data_t info;
	mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
	kern_return_t kr;

	kr = host_info(mach_host_self(), HOST_BASIC_INFO, (host_info_t)&info, &count);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "host_info: host_info() failed with code 0x%x\n", kr);
		return 1;
	}
	if (count != HOST_BASIC_INFO_COUNT) {
		fprintf(stderr, "host_info: count %u, expected %u\n", count,
			HOST_BASIC_INFO_COUNT);
		return 1;
	}
	if (info.avail_cpus < 1 || info.avail_cpus > info.max_cpus) {
		fprintf(stderr, "host_info: avail_cpus %d, max_cpus %d\n",
			info.avail_cpus, info.max_cpus);
		return 1;
	}
	printf("cpus: %d\n", info.avail_cpus);
	return 0;
}
