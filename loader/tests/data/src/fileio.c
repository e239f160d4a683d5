/* fileio: POSIX file calls with Darwin's flag values, struct stat layout and
 * errno numbers.  The path is the one the program sees; the runtime may map
 * it under its prefix.  Failures go to stderr (through ___stderrp) and give
 * exit status 1; a correct run prints only the lines in expected/. */
#include "darwin.h"

#define PATH "/tmp/darling-loader-test.txt"
#define MISSING "/tmp/darling-loader-test-missing.txt"

static const char line[] = "darling-loader fileio test\n";

static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "fileio: %s failed: errno %d (%s)\n", what, e, strerror(e));
	return 1;
}

int main(void)
{
	struct stat st;
	char buf[64];
	ssize_t n;
	int fd, r, e;

	/* Darwin 0x601; read with Linux values it would be O_TRUNC|O_APPEND|O_WRONLY */
	fd = open(PATH, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open(O_CREAT|O_WRONLY|O_TRUNC)");
	n = write(fd, line, sizeof line - 1);
	printf("write: %ld\n", (long)n);
	if (n != (ssize_t)(sizeof line - 1))
		return fail("write");
	if (close(fd) != 0)
		return fail("close");

	fd = open(PATH, O_RDONLY);
	if (fd < 0)
		return fail("open(O_RDONLY)");
	n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		return fail("read");
	buf[n] = '\0';
	printf("read: %ld: %s", (long)n, buf);
	n = read(fd, buf, sizeof buf - 1);
	printf("read at end of file: %ld\n", (long)n);
	if (close(fd) != 0)
		return fail("close");

	if (stat(PATH, &st) != 0)
		return fail("stat");
	printf("st_size: %lld\n", (long long)st.st_size);
	printf("regular file: %s\n", (st.st_mode & S_IFMT) == S_IFREG ? "yes" : "no");
	printf("st_nlink: %u\n", (unsigned)st.st_nlink);

	fd = open(MISSING, O_RDONLY);
	e = errno;
	printf("open missing: %d, errno %d: %s\n", fd, e, strerror(e));

	printf("unlink: %d\n", unlink(PATH));
	r = stat(PATH, &st);
	e = errno;
	printf("stat after unlink: %d, errno %d\n", r, e);
	return 0;
}
