/* libweakdep.dylib: linked weakly (LC_LOAD_WEAK_DYLIB) by libhelper, so a
 * loader must tolerate it being absent at run time. */

int weakdep_probe(void)
{
	return 0x5eed;
}

int weakdep_flag = 1;
