/* libbase.dylib: the innermost library of the fixture set.  libhelper
 * re-exports it, so its symbols must be reachable through libhelper. */

int base_counter = 3;

const char base_banner[] = "darling-rs base library";

int base_scale(int value)
{
	return value * base_counter;
}

/* Bound with addends: the executables point at element 2 (addend 16),
 * libhelper at element 40 (addend 320, too large for the 8-bit addend of a
 * DYLD_CHAINED_PTR_64 bind, so the linker needs an import format with
 * addends). */
long base_table[64] = { 10, 20, 30, 40, 50, 60, 70, 80 };
