/*
 * plain.c: the simplest test input for darling-elfbridge. Built by
 * regen.sh with no SONAME, no version script and no start files, so the
 * library has no .gnu.version* sections at all (no symbol versioning).
 */

int plain_value = 11;

int plain_mul(int a, int b)
{
	return a * b;
}

int plain_get(void)
{
	return plain_value;
}
