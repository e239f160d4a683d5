#!/usr/bin/env bash
# Regenerates the darling-loader test programs in bin/ from the C sources in
# src/, checks every binary with LLVM 19's own tools, and writes imports.txt.
#
#   usage: bash loader/tests/data/build.sh        (from any directory)
#
# Tool versions the committed files were made with (Debian 12 packages
# clang-19, lld-19 and llvm-19, all 1:19.1.7-3~deb12u1):
#   clang-19 19.1.7, ld64.lld-19 (LLD 19.1.7), llvm-otool-19, llvm-nm-19 and
#   llvm-objdump-19 (LLVM 19.1.7).
# ld64.lld writes its version into LC_BUILD_VERSION, so another LLVM release
# produces different bytes; the script refuses anything but LLD 19 and warns
# when it is not 19.1.7.
#
# There is no macOS SDK.  src/darwin.h declares the few libc/Mach functions,
# constants and struct layouts the programs use, with macOS x86-64 values
# (taken from apple-oss-distributions/xnu, see its comments), and
# src/libSystem.tbd is a hand-written TAPI v4 stub for
# /usr/lib/libSystem.B.dylib that exports only the symbols they import.
# Nothing here is ever run: the expected outputs in expected/ were written by
# hand from the sources.
#
# Outputs (bin/<program>-<minos>, MH_EXECUTE, x86_64 only, PIE, LC_MAIN, one
# LC_LOAD_DYLIB of /usr/lib/libSystem.B.dylib, no debug info, -dead_strip):
#   bin/<program>-10.15   -target x86_64-apple-macos10.15,
#                         -platform_version macos 10.15 10.15,
#                         -no_fixup_chains: LC_DYLD_INFO_ONLY with rebase,
#                         bind (GOT: data imports and dyld_stub_binder) and
#                         lazy-bind opcodes (calls go through __stubs,
#                         __stub_helper and __la_symbol_ptr).
#   bin/<program>-13.0    -target x86_64-apple-macos13.0,
#                         -platform_version macos 13.0 13.0,
#                         -fixup_chains: LC_DYLD_CHAINED_FIXUPS
#                         (DYLD_CHAINED_PTR_64, DYLD_CHAINED_IMPORT) +
#                         LC_DYLD_EXPORTS_TRIE; every import, function or
#                         data, is a GOT slot bound at load time.
# for the programs: hello args fileio threads mach_msg host_info commpage bootstrap tsd.
#   imports.txt           one line per binary: its file name, then the
#                         symbols `llvm-nm-19 -u` lists for it (in nm's order).
#
# Checks made on every binary (the script fails if one does not hold):
# llvm-otool-19 -hv: MH_MAGIC_64 X86_64 EXECUTE with PIE; llvm-otool-19 -l:
# LC_BUILD_VERSION minos, LC_MAIN, one LC_LOAD_DYLIB (libSystem), dyld-info
# xor chained fixups, no __DWARF, no LC_CODE_SIGNATURE;
# llvm-objdump-19 --macho --bind --lazy-bind --chained-fixups --dyld-info:
# the symbols the fixups bind are exactly the undefined symbols of
# llvm-nm-19 -u (10.15: bind + lazy-bind tables; 13.0: chained imports, where
# lld 19 leaves dyld_stub_binder in the symbol table as an undefined symbol
# that no fixup refers to).
#
# Determinism: lld's UUID is a hash of the output, it writes no timestamps,
# and objects are compiled without debug info, so nothing depends on the time
# or on where the checkout lives.  Compiling and linking happen in a scratch
# directory with relative paths.  Running the script twice gives identical
# bytes (sha256sum bin/* imports.txt).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/src
bin=$here/bin

CLANG=clang-19
LD=ld64.lld-19
OTOOL=llvm-otool-19
NM=llvm-nm-19
OBJDUMP=llvm-objdump-19

missing=()
for tool in "$CLANG" "$LD" "$OTOOL" "$NM" "$OBJDUMP"; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
	echo "build.sh: missing tools: ${missing[*]}" >&2
	echo "build.sh: install them with: apt-get install clang-19 lld-19 llvm-19" >&2
	exit 1
fi
ldver=$("$LD" --version)
case $ldver in
*" 19."*) ;;
*)
	echo "build.sh: $LD is not LLD 19 ($ldver); refusing to regenerate" >&2
	exit 1
	;;
esac
case $ldver in
*" 19.1.7"*) ;;
*) echo "build.sh: warning: LLD is not 19.1.7 ($ldver): the binaries will differ from the committed ones" >&2 ;;
esac

PROGRAMS=(hello args fileio threads mach_msg host_info commpage bootstrap tsd)
VERSIONS=(10.15 13.0)
# -ffreestanding -nostdinc: no SDK, only src/darwin.h.  -fno-builtin keeps
# every libc call the source makes (no printf -> puts rewriting), so the
# imports are exactly what the sources say.  -fstack-protector-strong is what
# Apple's clang does by default and brings ___stack_chk_guard (data, via the
# GOT) and ___stack_chk_fail into the programs with stack buffers.
CFLAGS=(-O1 -ffreestanding -nostdinc -fno-builtin -fstack-protector-strong
	-Wall -Wextra -Werror)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src"/*.c "$src"/*.h "$src"/libSystem.tbd "$work"/
cd "$work"

fail() {
	echo "build.sh: $1: $2" >&2
	exit 1
}

# check NAME MINOS: the properties listed in the header comment.
check() {
	local f=$1 v=$2 hdr lc nmu bound
	hdr=$("$OTOOL" -hv "$f" | tail -n 1)
	[[ $hdr == *MH_MAGIC_64*X86_64*EXECUTE*PIE* ]] || fail "$f" "header: $hdr"
	lc=$("$OTOOL" -l "$f")
	grep -q "cmd LC_MAIN$" <<<"$lc" || fail "$f" "no LC_MAIN"
	grep -q "minos $v$" <<<"$lc" || fail "$f" "LC_BUILD_VERSION minos is not $v"
	grep -q "segname __DWARF" <<<"$lc" && fail "$f" "has debug info"
	grep -q "LC_CODE_SIGNATURE" <<<"$lc" && fail "$f" "has a code signature"
	[[ $(grep -c "cmd LC_LOAD_DYLIB$" <<<"$lc") == 1 ]] || fail "$f" "not exactly one LC_LOAD_DYLIB"
	grep -q "name /usr/lib/libSystem.B.dylib " <<<"$lc" || fail "$f" "does not load libSystem"
	nmu=$("$NM" -u "$f" | sort)
	if [[ $v == 10.15 ]]; then
		grep -q "cmd LC_DYLD_INFO_ONLY$" <<<"$lc" || fail "$f" "no LC_DYLD_INFO_ONLY"
		grep -q "LC_DYLD_CHAINED_FIXUPS" <<<"$lc" && fail "$f" "has chained fixups"
		grep -q "sectname __stub_helper" <<<"$lc" || fail "$f" "no __stub_helper"
		bound=$("$OBJDUMP" --macho --bind --lazy-bind "$f" |
			awk '$1 ~ /^__/ && NF >= 5 { print $NF }' | sort -u)
		grep -qx dyld_stub_binder <<<"$bound" || fail "$f" "dyld_stub_binder not bound"
		[[ -n $("$OBJDUMP" --macho --lazy-bind "$f" | awk '$1 == "__DATA"') ]] ||
			fail "$f" "no lazy binds"
	else
		grep -q "cmd LC_DYLD_CHAINED_FIXUPS$" <<<"$lc" || fail "$f" "no LC_DYLD_CHAINED_FIXUPS"
		grep -q "LC_DYLD_INFO" <<<"$lc" && fail "$f" "has dyld-info opcodes"
		grep -q "pointer_format = 2 (DYLD_CHAINED_PTR_64)" \
			< <("$OBJDUMP" --macho --chained-fixups "$f") ||
			fail "$f" "chained fixups are not DYLD_CHAINED_PTR_64"
		bound=$("$OBJDUMP" --macho --dyld-info "$f" |
			awk '$5 == "bind" { print $NF }' | sort -u)
		nmu=$(grep -vx dyld_stub_binder <<<"$nmu" || true)
	fi
	[[ $bound == "$nmu" ]] ||
		fail "$f" "bound symbols ($(echo $bound)) are not the undefined ones ($(echo $nmu))"
}

for p in "${PROGRAMS[@]}"; do
	for v in "${VERSIONS[@]}"; do
		if [[ $v == 10.15 ]]; then fx=-no_fixup_chains; else fx=-fixup_chains; fi
		"$CLANG" -target "x86_64-apple-macos$v" "${CFLAGS[@]}" -c "$p.c" -o "$p-$v.o"
		"$LD" -arch x86_64 -platform_version macos "$v" "$v" -pie -dead_strip \
			"$fx" -L . -lSystem "$p-$v.o" -o "$p-$v"
		check "$p-$v" "$v"
	done
done

rm -rf "$bin"
mkdir -p "$bin"
: >"$here/imports.txt"
for p in "${PROGRAMS[@]}"; do
	for v in "${VERSIONS[@]}"; do
		cp "$p-$v" "$bin/$p-$v"
		chmod 0755 "$bin/$p-$v"
		echo "$p-$v $("$NM" -u "$p-$v" | tr '\n' ' ' | sed 's/ $//')" >>"$here/imports.txt"
	done
done

echo "build.sh: ${#PROGRAMS[@]} programs x ${#VERSIONS[@]} macOS versions in $bin, imports in $here/imports.txt"
