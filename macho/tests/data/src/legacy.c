/* exe-x86_64-legacy: a small, old-style executable.
 *
 * Linked for macOS 10.9 (so the linker writes LC_VERSION_MIN_MACOSX instead
 * of LC_BUILD_VERSION), without PIE, with a custom __PAGEZERO size, a
 * -sectcreate section (__TEXT,__info_plist), an LC_DYLD_ENVIRONMENT entry and
 * extra header padding.  Only libSystem is imported.
 */

extern int puts(const char *);
extern int printf(const char *, ...);

static const char *const messages[] = { "legacy one", "legacy two" };
const char *const *legacy_messages = messages;
int legacy_count = 2;

int main(void)
{
	int i;

	for (i = 0; i < legacy_count; i++)
		puts(legacy_messages[i]);
	printf("%d\n", legacy_count);
	return 0;
}
