#!/usr/bin/env bash
# Compares `darling otool` / `nm` / `dyldinfo` with LLVM 19 on every file and slice of the
# developer corpus (../shared/corpus). Prints one line per unexplained difference and a count:
#   "corpus: N of M files/slices equal to LLVM 19, K documented LLVM differences, F unexplained"
# Exits 1 when F > 0. Documented differences are listed in known-differences.txt.
# Usage: compare.sh [CORPUS_DIR] [DARLING_BIN]
# If the corpus or llvm-19 is missing it prints SKIPPED and exits 0.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
corpus=${1:-$root/target/macho-corpus}
darling=${2:-$root/target/debug/darling}
out=${OUT:-$root/target/macho-compare}
# The tools run inside the corpus directory, so the paths must not be relative.
corpus=$(realpath -m "$corpus"); darling=$(realpath -m "$darling")

for tool in llvm-otool-19 llvm-objdump-19 llvm-nm-19 llvm-lipo-19; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool not installed"; exit 0; }
done
[ -d "$corpus/files" ] || { echo "SKIPPED: no corpus at $corpus"; exit 0; }
[ -x "$darling" ] || { echo "SKIPPED: no darling binary at $darling"; exit 0; }

rm -rf "$out"; mkdir -p "$out"
known="$here/known-differences.txt"
equal=0; total=0; failed=0; documented=0
check() { # name, expected-command..., -- , actual-command...
    local name=$1; shift
    local exp=() act=()
    while [ "$1" != "--" ]; do exp+=("$1"); shift; done; shift
    act=("$@")
    total=$((total + 1))
    (cd "$corpus/files" && "${exp[@]}") > "$out/$name.expected" 2>/dev/null
    (cd "$corpus/files" && "${act[@]}") > "$out/$name.actual" 2>"$out/$name.stderr"
    if cmp -s "$out/$name.expected" "$out/$name.actual"; then
        equal=$((equal + 1)); rm -f "$out/$name".*
    elif grep -q "^$name	" "$known"; then
        documented=$((documented + 1))
    else
        failed=$((failed + 1)); echo "DIFF $name ($(diff "$out/$name.expected" "$out/$name.actual" | grep -c '^[<>]') lines)"
    fi
}

# `darling otool -h` labels the slices of a fat file as -l does (a deliberate difference):
# LLVM's -h output with, before each "Mach header", the line LLVM's -l puts before it.
labelled_h() {
    local labels
    labels=$(llvm-otool-19 -l "$1" 2>/dev/null | awk '$0 == "Mach header" { print prev } { prev = $0 }')
    llvm-otool-19 -h "$1" | awk -v labels="$labels" \
        'BEGIN { split(labels, label, "\n") } $0 == "Mach header" { print label[++i] } { print }'
}

for f in $(cd "$corpus/files" && ls); do
    if (cd "$corpus/files" && llvm-lipo-19 -info "$f" 2>/dev/null | grep -q '^Architectures in the fat file'); then
        check "$f.otool-h" labelled_h "$f" -- "$darling" otool -h "$f"
    else
        check "$f.otool-h" llvm-otool-19 -h "$f" -- "$darling" otool -h "$f"
    fi
    for flag in l L; do
        check "$f.otool-$flag" llvm-otool-19 -$flag "$f" -- "$darling" otool -$flag "$f"
    done
    archs=$(cd "$corpus/files" && llvm-lipo-19 -archs "$f" 2>/dev/null)
    nslices=$(echo "$archs" | wc -w)
    for a in $archs; do
        if [ "$nslices" -gt 1 ]; then sel=(--arch="$a"); dsel=(-arch "$a"); else sel=(); dsel=(); fi
        check "$f.$a.otool-l" llvm-objdump-19 --macho --non-verbose --private-headers "${sel[@]}" "$f" -- "$darling" otool -l "${dsel[@]}" "$f"
        check "$f.$a.otool-L" llvm-objdump-19 --macho --dylibs-used "${sel[@]}" "$f" -- "$darling" otool -L "${dsel[@]}" "$f"
        for opt in rebase bind lazy-bind weak-bind exports-trie chained-fixups dyld-info; do
            check "$f.$a.$opt" llvm-objdump-19 --macho "--$opt" "${sel[@]}" "$f" -- "$darling" dyldinfo "--$opt" "${dsel[@]}" "$f"
        done
        for flag in "" -m -g -u -U; do
            check "$f.$a.nm$flag" llvm-nm-19 $flag "${sel[@]}" "$f" -- "$darling" nm $flag "${dsel[@]}" "$f"
        done
    done
done
echo "corpus: $equal of $total files/slices equal to LLVM 19, $documented documented LLVM differences, $failed unexplained"
[ "$failed" -eq 0 ]
