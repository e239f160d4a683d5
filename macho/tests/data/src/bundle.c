/* plugin.bundle: an MH_BUNDLE loaded into the test executable.
 *
 * Imports from libhelper and libSystem and, through -bundle_loader, symbols
 * defined by the executable itself (two-level ordinal "main executable"),
 * plus one symbol that only the running process provides (flat lookup).
 * The flat-namespace variant resolves every import by flat lookup.
 */

extern int puts(const char *);
extern int helper_compute(int);
extern int helper_version;
extern int base_scale(int);

/* Left undefined at link time (-U): resolved by flat lookup at load time. */
extern int plugin_host_hook(void);

/* Defined by the executable (see main.c). */
extern int main_counter;
extern int main_weak_fn(int);

int plugin_id = 0x706c7567;
int *plugin_counter_ptr = &main_counter;
int (*plugin_entry_ptr)(int);

static const char plugin_msg[] = "plugin loaded";

int plugin_entry(int x)
{
	puts(plugin_msg);
	return helper_compute(x) + base_scale(helper_version) +
	       main_weak_fn(main_counter) + plugin_host_hook() + plugin_id;
}

int (*plugin_entry_ptr)(int) = plugin_entry;
