/*
 * demo.c: test input for darling-elfbridge's ELF reader and wrapper
 * generator. Each definition below is one case the reader must handle;
 * the comment on it says which. Version nodes come from demo.map; build
 * with regen.sh.
 */
#include <math.h>

/* Symbol versioning, default version: demo.map puts demo_add in DEMO_2.0,
 * so it is exported as demo_add@@DEMO_2.0 (what dlsym finds). */
int demo_add(int a, int b)
{
	return a + b;
}

/* Symbol versioning, older version of the same name: exported as
 * demo_add@DEMO_1.0 (single @: non-default, reachable only by dlvsym or by
 * binaries linked against DEMO_1.0). Its result differs from demo_add's so
 * a test can tell which one it called. demo_add_v1 itself is local. */
int demo_add_v1(int a, int b)
{
	return a - b - 1000;
}
__asm__(".symver demo_add_v1, demo_add@DEMO_1.0");

/* A name that exists ONLY in a hidden (non-default) version: there is no
 * demo_legacy@@..., so plain dlsym does not find it. */
int demo_legacy_v1(void)
{
	return 1234;
}
__asm__(".symver demo_legacy_v1, demo_legacy@DEMO_1.0");

/* Weak binding, one function and one object. */
__attribute__((weak)) int demo_weak(void)
{
	return 17;
}
__attribute__((weak)) int demo_weak_var = 3;

/* GNU indirect function: the exported symbol is STT_GNU_IFUNC and its
 * value is the resolver's address, not code to call. The resolver runs at
 * load time and returns the implementation. The choice is fixed so that
 * the result is the same on every machine: 42, never -42. */
static int demo_ifunc_impl(void)
{
	return 42;
}
static int demo_ifunc_unused(void)
{
	return -42;
}
static int (*demo_ifunc_resolver(void))(void)
{
	return sizeof(void *) != 0 ? demo_ifunc_impl : demo_ifunc_unused;
}
int demo_ifunc(void) __attribute__((ifunc("demo_ifunc_resolver")));

/* Data objects: initialised (.data), read-only (.rodata), zeroed (.bss). */
int demo_counter = 7;
const char demo_greeting[] = "hello from demo";
long demo_zeroed;

/* Thread-local object (STT_TLS: its value is an offset in the TLS block,
 * not an address) and a function giving the calling thread's address. */
__thread int demo_tls = 5;
int *demo_tls_address(void)
{
	return &demo_tls;
}

/* Hidden visibility: in .symtab but never in .dynsym. */
__attribute__((visibility("hidden"), noinline)) int demo_hidden(void)
{
	return 99;
}

/* Protected visibility: exported, but calls from inside the library always
 * bind to this definition. */
__attribute__((visibility("protected"))) int demo_protected(void)
{
	return demo_hidden() + 1;
}

/* Global in C but not listed in demo.map, so "local: *" hides it. */
int demo_unlisted(void)
{
	return -1;
}

/* Names that are Rust keywords (valid C identifiers). */
int match(int x)
{
	return x * 2;
}
int loop(void)
{
	return 8;
}
int self(void)
{
	return 9;
}

/* A symbol name that is not a C or Rust identifier at all. */
int demo_dotted(void) __asm__("demo.dotted");
int demo_dotted(void)
{
	return 77;
}

/* Floating-point arguments and result, for calls through dlsym. */
double demo_scale(double x, double k)
{
	return x * k;
}

/* Uses libm, so DT_NEEDED lists libm.so.6 (and libc.so.6). */
double demo_hypot(double x, double y)
{
	return sqrt(x * x + y * y);
}
