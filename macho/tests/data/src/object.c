/* obj-*.o: relocatable objects (MH_OBJECT), never linked.
 *
 * Covers the symbol kinds an object can hold: defined text and data,
 * zero-fill (bss), a common symbol (-fcommon), undefined references
 * (functions and data), a weak definition, a weak import, a private-extern
 * (hidden) symbol, static locals, a thread-local variable and relocations
 * of many kinds (calls, GOT loads, absolute pointers, and the pointer
 * differences of a switch jump table).
 */

extern int puts(const char *);
extern int printf(const char *, ...);
extern int object_ext_value;
extern int object_ext_weak(void) __attribute__((weak_import));

int object_common;              /* common with -fcommon */
int object_bss_zero = 0;        /* zero-fill */
int object_data = 42;
const char object_rodata[] = "object fixture";
__thread int object_tls = 3;

__attribute__((visibility("hidden"))) int object_hidden = 8;

static int object_static_counter = 1;
static int object_static_fn(int x)
{
	return x + object_static_counter++;
}

__attribute__((weak)) int object_weak_def(void)
{
	return 99;
}

int *object_ptr_to_ext = &object_ext_value;
int (*object_ptr_to_fn)(int) = object_static_fn;
const char *object_ptr_to_str = &object_rodata[7];

/* Dense switch: compiled to a jump table of label differences. */
int object_switch(int x)
{
	switch (x) {
	case 0: return object_data;
	case 1: return object_hidden * 3;
	case 2: return object_static_counter + 11;
	case 3: return object_bss_zero - 5;
	case 4: return object_common ^ 0x55;
	case 5: return object_tls << 2;
	case 6: return object_ext_value / 7;
	default: return -1;
	}
}

int object_function(int x)
{
	int r = object_static_fn(x) + object_ext_value + object_common +
		object_hidden + object_tls;

	if (object_ext_weak)
		r += object_ext_weak();
	r += object_weak_def();
	puts(object_rodata);
	printf("%d\n", r);
	return r;
}
