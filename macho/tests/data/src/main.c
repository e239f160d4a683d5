/* The test executable (exe-* fixtures).  The same source is linked for
 * x86_64 and arm64, with classic dyld-info opcodes and with chained fixups.
 *
 * Covers:
 *  - lazy binds / stubs: calls to printf, puts, helper_compute, base_scale
 *  - non-lazy binds (GOT): address of environ, ___stack_chk_guard
 *  - binds in __data: function pointer to exit, data pointer to environ,
 *    pointer into base_table with an addend, a weak import (weakdep_probe,
 *    from libweakdep) and a pointer to our own weak definition
 *  - rebases: pointers to local globals and to a local function
 *  - weak definitions exported from the executable (MH_WEAK_DEFINES) and a
 *    reference to a weak definition in libhelper (MH_BINDS_TO_WEAK)
 *  - thread-local access to a TLV exported by libhelper (__thread_ptrs)
 *  - local (static), private-extern (hidden) and global symbols
 */

typedef unsigned long size_t;

extern int printf(const char *, ...);
extern int puts(const char *);
extern void exit(int) __attribute__((noreturn));
extern void *memcpy(void *, const void *, size_t);
extern char **environ;

extern int helper_compute(int);
extern int helper_version;
extern int helper_weak_hook(int);
extern __thread int helper_tls_counter;
extern int base_scale(int);
extern long base_table[64];
extern int weakdep_probe(void) __attribute__((weak_import));

/* Global data and a weak definition exported from the executable. */
int main_counter = 1;
__attribute__((weak)) int main_weak_data = 77;

__attribute__((weak)) int main_weak_fn(int x)
{
	return x * 2;
}

/* Private extern: global in the object, local in the linked image. */
__attribute__((visibility("hidden"))) int main_hidden_value = 12;

/* Locals. */
static int local_numbers[3] = { 5, 6, 7 };
static const char greeting[] = "hello from darling-rs fixture";

static int local_helper(int v)
{
	return v + local_numbers[v & 1];
}

/* Rebases: pointers to things in this image. */
int *main_rebase_ptr = &local_numbers[2];
int (*main_local_fn_ptr)(int) = local_helper;
const char *main_greeting_ptr = greeting;

/* Binds from __data: an imported function, an imported variable, an imported
 * array element (addend 16), a weak import and a weak definition. */
void (*main_exit_ptr)(int) = exit;
char ***main_environ_ptr = &environ;
long *main_table_ptr = &base_table[2];
int (*main_probe_ptr)(void) = weakdep_probe;
int (*main_weak_fn_ptr)(int) = main_weak_fn;
int (*main_hook_ptr)(int) = helper_weak_hook;

__attribute__((noinline)) static int copy_and_sum(const char *s)
{
	char buf[32];
	int i, sum = 0;

	memcpy(buf, s, sizeof(buf));
	for (i = 0; i < 32 && buf[i]; i++)
		sum += buf[i];
	return sum;
}

int main(int argc, char **argv)
{
	int v;

	(void)argv;
	puts(greeting);
	v = helper_compute(argc) + base_scale(argc) + helper_tls_counter;
	v += main_weak_fn(main_weak_data) + local_helper(main_hidden_value);
	v += copy_and_sum(*main_greeting_ptr ? greeting : "x");
	if (weakdep_probe)
		v += weakdep_probe();
	printf("%d %d %p\n", v, helper_version, (void *)environ);
	if (v == 0)
		main_exit_ptr(3);
	return main_counter + *main_rebase_ptr;
}
