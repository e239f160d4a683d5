#!/usr/bin/env bash
# Regenerates the Mach-O test fixtures in bin/ from the sources in src/, then
# records LLVM 19's view of every fixture in llvm/ (the reference outputs the
# darling-rs tools must reproduce byte for byte).
#
#   usage: macho/tests/data/build.sh        (from any directory)
#
# Tool versions the committed files were made with (Debian 12 packages
# clang-19, lld-19 and llvm-19, all 1:19.1.7-3~deb12u1):
#   clang-19 19.1.7, ld64.lld-19 (LLD 19.1.7), llvm-lipo-19, llvm-otool-19,
#   llvm-nm-19 and llvm-objdump-19 (LLVM 19.1.7).
# The linker writes its own version into LC_BUILD_VERSION, so another LLVM
# release produces different bytes; the script refuses anything but LLVM 19
# and warns when it is not 19.1.7.
#
# There is no macOS SDK: src/libSystem.tbd is a hand-written text stub that
# lists only the libc symbols our sources import.  Nothing is ever run.
#
# Fixtures (bin/<name>; llvm/<name>/ holds the matching reference outputs):
#   exe-x86_64-dyldinfo     MH_EXECUTE x86_64, macOS 10.15, classic dyld-info
#                           opcodes: lazy binds (stubs), non-lazy binds (GOT),
#                           binds from __data incl. an addend and weak imports,
#                           rebases, weak-bind entries for weak definitions,
#                           TLV pointer (__thread_ptrs), LC_LOAD_WEAK_DYLIB,
#                           LC_RPATH, local/private-extern/global symbols.
#   exe-x86_64-chained      same source, macOS 13.0, LC_DYLD_CHAINED_FIXUPS +
#                           LC_DYLD_EXPORTS_TRIE.
#   exe-arm64-dyldinfo      same source, arm64, macOS 11.0, dyld-info opcodes,
#                           ad-hoc LC_CODE_SIGNATURE (lld default for arm64).
#   exe-arm64-chained       same source, arm64, macOS 13.0, chained fixups.
#   exe-x86_64-legacy       MH_EXECUTE x86_64, macOS 10.9: LC_VERSION_MIN_MACOSX,
#                           no PIE, custom __PAGEZERO size, -sectcreate
#                           __TEXT,__info_plist, LC_DYLD_ENVIRONMENT, headerpad.
#   libhelper-x86_64.dylib  MH_DYLIB, macOS 10.15, dyld-info: install name
#                           @rpath/libhelper.dylib, current 1.2.3 / compat 1.0,
#                           exported functions and data, weak definition,
#                           exported and private TLVs, -alias, re-export of
#                           libbase (LC_REEXPORT_DYLIB), weak dependency on
#                           libweakdep (LC_LOAD_WEAK_DYLIB), two LC_RPATHs,
#                           bind with a large addend.
#   libhelper-arm64.dylib   the same for arm64, macOS 11.0, chained fixups.
#   libbase-{x86_64,arm64}.dylib, libweakdep-{x86_64,arm64}.dylib
#                           the small dylibs libhelper re-exports / links weakly
#                           (needed to resolve the executables' imports).
#   plugin-x86_64.bundle    MH_BUNDLE, macOS 10.15, dyld-info, -bundle_loader
#                           exe-x86_64-dyldinfo: binds to the main executable
#                           (ordinal -1), libhelper and libSystem, and one
#                           symbol left to flat lookup (-U, ordinal -2).
#   plugin-arm64-flat.bundle MH_BUNDLE, arm64, macOS 13.0, chained fixups,
#                           -flat_namespace (flat-lookup ordinal -2, no
#                           MH_TWOLEVEL).
#   fat-exe                 FAT_MAGIC universal: exe-x86_64-chained + exe-arm64-chained.
#   fat64-exe               FAT_MAGIC_64 universal (llvm-lipo -fat64), same slices.
#   fat-libhelper.dylib     FAT_MAGIC universal of the two libhelper dylibs.
#   obj-x86_64.o, obj-arm64.o, obj-i386.o
#                           MH_OBJECT: common, bss, TLV, weak, hidden, static
#                           and undefined symbols, relocations (i386 has
#                           scattered SECTDIFF/LOCSDIFF pairs).
#   fat-obj.o               FAT_MAGIC universal of the three objects (i386 slice).
#
# Synthetic fixtures (bin/synth-*): small hand-crafted Mach-O edge cases that
# no linker produces, written by the Python 3 generators in synth/ (standard
# library only, deterministic, see the header comment of each and the
# SYNTH list below).  They get the same reference outputs as the others.
# Some are refused by LLVM 19 ("truncated or malformed object") or are not
# Mach-O at all: their STATUS.tsv rows have non-zero exits, and when
# llvm-lipo cannot list their architectures they have no per-slice outputs.
#
# Not producible with ld64.lld 19 (see README.md): an i386 executable or dylib
# (lld: "missing or unsupported -arch i386"), exports-trie re-exports under a
# different name (lld: "TODO: support aliasing to symbols of kind 3"),
# LC_SOURCE_VERSION (lld has no -source_version) and upward dylibs (no
# -upward-l / -upward_library in lld).
#
# Determinism: lld's UUID is a hash of the output, it writes no timestamps,
# and objects are compiled without debug info, so nothing depends on the time
# or on where the checkout lives.  Linking happens in a scratch directory with
# relative paths.  Running the script twice gives identical bytes.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/src
bin=$here/bin
out=$here/llvm

CLANG=clang-19
LD=ld64.lld-19
LIPO=llvm-lipo-19
OTOOL=llvm-otool-19
NM=llvm-nm-19
OBJDUMP=llvm-objdump-19

PYTHON=python3

missing=()
for tool in "$CLANG" "$LD" "$LIPO" "$OTOOL" "$NM" "$OBJDUMP" "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
	echo "build.sh: missing tools: ${missing[*]}" >&2
	echo "build.sh: install them with: apt-get install clang-19 lld-19 llvm-19 python3" >&2
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
*) echo "build.sh: warning: LLD is not 19.1.7 ($ldver): the fixtures will differ from the committed ones" >&2 ;;
esac

SDK=14.0
CFLAGS=(-O1 -ffreestanding -nostdinc -fno-builtin -fstack-protector-strong)
TBD=libSystem.tbd

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src"/*.c "$src"/*.tbd "$src"/*.plist "$work"/
cd "$work"

# cc ARCH MINOS SRC OUT [extra flags]
cc() {
	"$CLANG" -target "$1-apple-macos$2" "${CFLAGS[@]}" "${@:5}" -c "$3" -o "$4"
}
# link ARCH MINOS [ld64 args]
link() {
	"$LD" -arch "$1" -platform_version macos "$2" "$SDK" "${@:3}"
}

# ---- dylibs ------------------------------------------------------------
# Built in <arch>/lib/ under their install-name basenames so that lld can
# resolve libhelper's @rpath re-export of libbase through @loader_path.
dylibs() { # ARCH MINOS FIXUPS
	local a=$1 v=$2 fx=$3
	mkdir -p "$a/lib" "$a/bin"
	cc "$a" "$v" base.c "$a/base.o"
	cc "$a" "$v" weakdep.c "$a/weakdep.o"
	cc "$a" "$v" helper.c "$a/helper.o"
	link "$a" "$v" "$fx" -dylib "$a/base.o" "$TBD" \
		-install_name @rpath/libbase.dylib \
		-current_version 2.0 -compatibility_version 1.0 \
		-o "$a/lib/libbase.dylib"
	link "$a" "$v" "$fx" -dylib "$a/weakdep.o" "$TBD" \
		-install_name /usr/local/lib/libweakdep.dylib \
		-current_version 3.1 -compatibility_version 3.0 \
		-o "$a/lib/libweakdep.dylib"
	# lld 19 writes an LC_LOAD_DYLIB *and* an LC_REEXPORT_DYLIB for a
	# re-exported library but counts only one ordinal for the pair, so
	# every dylib after it would get an ordinal one too small.  Keeping the
	# re-exported library last on the command line avoids that.
	link "$a" "$v" "$fx" -dylib "$a/helper.o" "$TBD" \
		-weak_library "$a/lib/libweakdep.dylib" \
		-reexport_library "$a/lib/libbase.dylib" \
		-install_name @rpath/libhelper.dylib \
		-current_version 1.2.3 -compatibility_version 1.0 \
		-rpath @loader_path/../lib -rpath /opt/darling-rs/lib \
		-alias _helper_compute _helper_compute_alias \
		-o "$a/lib/libhelper.dylib"
	cp "$a/lib/libbase.dylib" "libbase-$a.dylib"
	cp "$a/lib/libweakdep.dylib" "libweakdep-$a.dylib"
	cp "$a/lib/libhelper.dylib" "libhelper-$a.dylib"
}
dylibs x86_64 10.15 -no_fixup_chains
dylibs arm64 11.0 -fixup_chains

# ---- executables -------------------------------------------------------
exe() { # NAME ARCH MINOS FIXUPS
	local name=$1 a=$2 v=$3 fx=$4
	cc "$a" "$v" main.c "$a/main-$v.o"
	link "$a" "$v" "$fx" "$a/main-$v.o" "$TBD" \
		"$a/lib/libhelper.dylib" "$a/lib/libweakdep.dylib" \
		-rpath @executable_path/../lib \
		-o "$name"
}
exe exe-x86_64-dyldinfo x86_64 10.15 -no_fixup_chains
exe exe-x86_64-chained x86_64 13.0 -fixup_chains
exe exe-arm64-dyldinfo arm64 11.0 -no_fixup_chains
exe exe-arm64-chained arm64 13.0 -fixup_chains

cc x86_64 10.9 legacy.c legacy.o
link x86_64 10.9 -no_fixup_chains legacy.o "$TBD" \
	-no_pie -pagezero_size 0x10000 \
	-sectcreate __TEXT __info_plist Info.plist \
	-dyld_env DYLD_DARLING_FIXTURE=legacy \
	-headerpad 0x200 \
	-o exe-x86_64-legacy

# ---- bundles -----------------------------------------------------------
cc x86_64 10.15 bundle.c x86_64/bundle.o
link x86_64 10.15 -no_fixup_chains -bundle x86_64/bundle.o "$TBD" \
	x86_64/lib/libhelper.dylib -bundle_loader exe-x86_64-dyldinfo \
	-U _plugin_host_hook -o plugin-x86_64.bundle
cc arm64 13.0 bundle.c arm64/bundle.o
# -flat_namespace makes lld load every dependent dylib by its install name,
# so libSystem must be found under a system root as well.
mkdir -p root/usr/lib
cp "$TBD" root/usr/lib/libSystem.B.tbd
link arm64 13.0 -fixup_chains -bundle -flat_namespace -syslibroot root \
	arm64/bundle.o "$TBD" arm64/lib/libhelper.dylib \
	-bundle_loader exe-arm64-chained -U _plugin_host_hook \
	-o plugin-arm64-flat.bundle

# ---- objects -----------------------------------------------------------
cc x86_64 10.15 object.c obj-x86_64.o -fcommon
cc arm64 11.0 object.c obj-arm64.o -fcommon
cc i386 10.7 object.c obj-i386.o -fcommon

# ---- universal files ---------------------------------------------------
"$LIPO" -create exe-x86_64-chained exe-arm64-chained -output fat-exe
"$LIPO" -create -fat64 exe-x86_64-chained exe-arm64-chained -output fat64-exe
"$LIPO" -create libhelper-x86_64.dylib libhelper-arm64.dylib -output fat-libhelper.dylib
"$LIPO" -create obj-x86_64.o obj-arm64.o obj-i386.o -output fat-obj.o

# ---- synthetic fixtures ------------------------------------------------
# synth NAME GENERATOR [ARGS]: runs synth/GENERATOR, which writes NAME.
# -B and PYTHONDONTWRITEBYTECODE keep __pycache__ out of synth/.
export PYTHONDONTWRITEBYTECODE=1
SYNTH=()
synth() {
	"$PYTHON" -B "$here/synth/$2" "$1" "${@:3}"
	SYNTH+=("$1")
}
synth synth-loadcmds-x86_64 loadcmds_x86_64.py
synth synth-routines-i386 routines_i386.py
synth synth-thread-arm64 thread_arm64.py
synth synth-thread-armv7 thread_armv7.py
synth synth-core-x86_64 core_x86_64.py
synth synth-segname-16 segname16.py
synth synth-build-version-tools build_version.py tools
synth synth-build-version-platform13 build_version.py platform13
synth synth-dysymtab-range dysymtab_range.py
synth synth-arm64-subtype1 arm64_subtype1.py
synth synth-symbols-exe symbols.py 2
synth synth-symbols-obj symbols.py 1
synth synth-symbols-i386 symbols.py 2 7 32
synth synth-nm-ties nm_ties.py 5 2000
synth synth-fat-arm64-arm64e fat.py arm64-arm64e
synth synth-fat-one-slice fat.py one-slice
synth synth-fat-x86_64h-arm64 fat.py x86_64h-arm64
synth synth-fat-arm64-x86_64 fat.py arm64-x86_64
synth synth-fat-unknown-subtype fat.py unknown-subtype
synth synth-obsolete-loadfvmlib obsolete_cmd.py 6
synth synth-function-starts-bad-cmdsize function_starts_cmdsize.py
synth synth-archive.a archive.py
synth synth-not-macho not_macho.py

FIXTURES=(
	exe-x86_64-dyldinfo exe-x86_64-chained
	exe-arm64-dyldinfo exe-arm64-chained
	exe-x86_64-legacy
	libhelper-x86_64.dylib libhelper-arm64.dylib
	libbase-x86_64.dylib libbase-arm64.dylib
	libweakdep-x86_64.dylib libweakdep-arm64.dylib
	plugin-x86_64.bundle plugin-arm64-flat.bundle
	fat-exe fat64-exe fat-libhelper.dylib
	obj-x86_64.o obj-arm64.o obj-i386.o fat-obj.o
	"${SYNTH[@]}"
)
FAT=(fat-exe fat64-exe fat-libhelper.dylib fat-obj.o
	synth-fat-arm64-arm64e synth-fat-one-slice synth-fat-x86_64h-arm64
	synth-fat-arm64-x86_64 synth-fat-unknown-subtype)

rm -rf "$bin" "$out"
mkdir -p "$bin" "$out"
for f in "${FIXTURES[@]}"; do
	cp "$f" "$bin/$f"
done
chmod 0644 "$bin"/*

# ---- LLVM reference outputs --------------------------------------------
# Every command runs inside bin/ on the bare file name.  stdout goes to
# llvm/<fixture>/[<arch>/]<name>.txt; stderr, when there is any, to
# <name>.stderr.txt; the exit status to llvm/STATUS.tsv.
cd "$bin"
status=$out/STATUS.tsv
printf 'fixture\tarch\toutput\texit\tcommand\n' >"$status"

# record FIXTURE ARCH RELPATH CMD...
record() {
	local fx=$1 arch=$2 rel=$3 rc=0
	shift 3
	mkdir -p "$(dirname "$out/$fx/$rel")"
	"$@" >"$out/$fx/$rel.txt" 2>"$out/$fx/$rel.stderr.txt" || rc=$?
	[[ -s $out/$fx/$rel.stderr.txt ]] || rm -f "$out/$fx/$rel.stderr.txt"
	printf '%s\t%s\t%s\t%s\t%s\n' "$fx" "$arch" "$rel.txt" "$rc" "$*" >>"$status"
}

NM_FLAGS=("" -m -g -u -U)
OBJDUMP_OPTS=(private-headers dylibs-used exports-trie rebase bind lazy-bind
	weak-bind chained-fixups dyld-info
	# extras, beyond what the Rust tools are first asked to match
	reloc indirect-symbols rpaths function-starts data-in-code)

is_fat() {
	local x
	for x in "${FAT[@]}"; do [[ $x == "$1" ]] && return 0; done
	return 1
}
is_synth() {
	local x
	for x in "${SYNTH[@]}"; do [[ $x == "$1" ]] && return 0; done
	return 1
}
# archs FIXTURE: the slices to record.  llvm-lipo fails on files LLVM refuses
# (and crashes on archives); that is expected only of synthetic fixtures,
# which then get no per-slice outputs.  An archive gets one pseudo-slice,
# "archive": nm and objdump run on the whole archive (every member, in order).
archs() {
	local list
	if [[ $1 == *.a ]]; then
		echo archive
	elif list=$("$LIPO" -archs "$1" 2>/dev/null); then
		echo "$list"
	elif ! is_synth "$1"; then
		echo "build.sh: llvm-lipo -archs $1 failed" >&2
		exit 1
	fi
}

for f in "${FIXTURES[@]}"; do
	record "$f" - otool-h "$OTOOL" -h "$f"
	record "$f" - otool-l "$OTOOL" -l "$f"
	record "$f" - otool-L "$OTOOL" -L "$f"
	archsel=()
	if is_fat "$f"; then
		record "$f" - universal-headers "$OBJDUMP" --macho --universal-headers "$f"
	fi
	slices=$(archs "$f")
	for arch in $slices; do
		if is_fat "$f"; then archsel=(--arch="$arch"); fi
		for flag in "${NM_FLAGS[@]}"; do
			name=nm${flag}
			record "$f" "$arch" "$arch/$name" "$NM" "${archsel[@]}" ${flag:+"$flag"} "$f"
		done
		for opt in "${OBJDUMP_OPTS[@]}"; do
			record "$f" "$arch" "$arch/$opt" "$OBJDUMP" --macho "${archsel[@]}" "--$opt" "$f"
		done
		# Per-slice truth for `otool -l -arch A` (otool itself ignores -arch).
		record "$f" "$arch" "$arch/otool-l-numeric" "$OBJDUMP" --macho --non-verbose \
			--private-headers "${archsel[@]}" "$f"
	done
done

{
	echo "# Tool versions used to produce bin/ and llvm/ (see build.sh)"
	for tool in "$CLANG" "$LD" "$LIPO" "$OTOOL" "$NM" "$OBJDUMP"; do
		echo "## $tool --version"
		"$tool" --version 2>&1 | sed -e '/^ *InstalledDir:/d' -e '/^ *$/d' \
			-e '/Registered Targets:/,$d'
	done
	echo "## $PYTHON --version (synth/ generators; their output does not depend on it)"
	"$PYTHON" --version 2>&1
	echo "## host machine (uname -m)"
	uname -m
	echo "# llvm-otool-19 ignores -arch and, given a universal file, shows only the"
	echo "# slice of the host's architecture: the otool-*.txt of the fat fixtures"
	echo "# were made on an x86_64 host and so show the x86_64 slice.  nm and"
	echo "# objdump outputs of fat fixtures always name the slice with --arch."
	if command -v dpkg-query >/dev/null 2>&1; then
		echo "## Debian packages"
		dpkg-query -W -f '${Package} ${Version}\n' clang-19 lld-19 llvm-19 2>/dev/null || true
	fi
} >"$out/VERSIONS.txt"

echo "build.sh: ${#FIXTURES[@]} fixtures (${#SYNTH[@]} synthetic) in $bin, reference outputs in $out"
