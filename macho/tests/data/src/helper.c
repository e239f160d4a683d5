/* libhelper.dylib: the main library fixture.
 *
 * Covers: exported functions and data, a weak definition, thread-local
 * variables (exported TLV and a private one), imports from libSystem, from
 * the re-exported libbase and from the weakly linked libweakdep (weak
 * import), a rebase (pointer to local data) and binds with and without an
 * addend.  Built with -reexport_library libbase.dylib, -weak_library
 * libweakdep.dylib, -rpath and explicit current/compatibility versions.
 */

typedef unsigned long size_t;

extern int puts(const char *);
extern void *malloc(size_t);
extern void free(void *);
extern size_t strlen(const char *);

extern int base_counter;
extern long base_table[64];
extern int base_scale(int);

extern int weakdep_probe(void) __attribute__((weak_import));
extern int weakdep_flag __attribute__((weak_import));

/* Exported data. */
int helper_version = 0x010203;
const char helper_name[] = "libhelper";

/* Exported thread-local variables: one initialised (__thread_data), one
 * zero-filled (__thread_bss). */
__thread int helper_tls_counter = 41;
__thread long helper_tls_zero;

/* Thread-local variable that is not exported. */
static __thread int helper_tls_private = 5;

/* Weak definition: a client's strong definition would win over this one. */
__attribute__((weak)) int helper_weak_hook(int x)
{
	return x + 1;
}

/* Hidden: a global that must not appear in the exports trie. */
__attribute__((visibility("hidden"))) int helper_hidden_state = 9;

static int helper_local_table[4] = { 1, 2, 3, 4 };

/* Data pointers: a rebase (local), plain binds, a bind with a large addend
 * and a weakly imported pointer. */
int *helper_local_ptr = &helper_local_table[1];
int *helper_base_ptr = &base_counter;
long *helper_base_far = &base_table[40];
int (*helper_probe_ptr)(void) = weakdep_probe;
int *helper_flag_ptr = &weakdep_flag;
int (*helper_hook_ptr)(int) = helper_weak_hook;

int helper_tls_bump(void)
{
	helper_tls_private += 1;
	return ++helper_tls_counter + (int)helper_tls_zero + helper_tls_private;
}

int helper_strlen_sum(const char *a, const char *b)
{
	return (int)(strlen(a) + strlen(b));
}

char *helper_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	size_t i;

	if (!p)
		return 0;
	for (i = 0; i < n; i++)
		p[i] = s[i];
	return p;
}

void helper_release(char *p)
{
	free(p);
}

int helper_compute(int x)
{
	int r = base_scale(x) + helper_hidden_state;

	if (weakdep_probe)
		r += weakdep_probe();
	puts(helper_name);
	return helper_weak_hook(r);
}
