#!/usr/bin/env bash
# Rebuilds the test libraries in this folder from demo.c, demo.map and
# plain.c with gcc and GNU ld (x86-64, plus i386 when gcc -m32 works).
# No debug info, no build-id, source paths mapped to "." so that a rebuild
# with the same toolchain gives the same bytes. --no-as-needed because some
# distributions' gcc passes --as-needed, which would drop libc.so.6 from
# libplain.so's DT_NEEDED.
set -euo pipefail
cd "$(dirname "$0")"

common=(-O2 -fPIC -shared -ffile-prefix-map="$PWD"=. -Wl,--build-id=none -Wl,--strip-debug
	-Wl,--no-as-needed)
demo=(demo.c -Wl,--hash-style=both -Wl,-soname,libdemo.so.1
	-Wl,--version-script=demo.map -lm)

gcc -m64 "${common[@]}" -o libdemo.so.1 "${demo[@]}"
echo "built libdemo.so.1"

# No SONAME, no version script, no start files (so nothing pulls in a
# versioned glibc symbol and there is no .gnu.version section at all).
gcc -m64 "${common[@]}" -nostartfiles -Wl,--hash-style=gnu -o libplain.so plain.c
echo "built libplain.so"

# 32-bit variant: needs gcc-multilib (Debian: apt-get install gcc-multilib).
if echo 'int main(void) { return 0; }' | gcc -m32 -x c -o /dev/null - 2>/dev/null; then
	gcc -m32 "${common[@]}" -o libdemo32.so.1 "${demo[@]}"
	echo "built libdemo32.so.1"
else
	echo "gcc -m32 does not work here (gcc-multilib missing?): libdemo32.so.1 not rebuilt" >&2
fi

# LLVM's listing of each library, the oracle that tests/read.rs compares ours with.
if command -v llvm-nm-19 >/dev/null; then
	for lib in libdemo.so.1 libplain.so libdemo32.so.1; do
		[ -e "$lib" ] && llvm-nm-19 -D --defined-only "$lib" >"$lib.nm"
	done
	echo "wrote the llvm-nm-19 -D --defined-only listings (*.nm)"
else
	echo "llvm-nm-19 not found: the *.nm listings were not rewritten" >&2
fi
