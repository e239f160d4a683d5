#!/usr/bin/env bash
# CI's corpus check: installs LLVM 19 if missing, fetches the pinned third-party corpus
# (../shared/corpus), and compares darling's Mach-O tools with LLVM on every file and slice.
# Anything that cannot be had (no apt, no network, no shared/) prints SKIPPED and exits 0;
# an unexplained difference exits 1.
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"

if ! command -v llvm-otool-19 >/dev/null || ! command -v llvm-lipo-19 >/dev/null; then
    if command -v apt-get >/dev/null; then
        echo "installing llvm-19 with apt"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-19; } >/dev/null 2>&1
    fi
fi
if ! command -v llvm-otool-19 >/dev/null; then
    echo "SKIPPED: Mach-O corpus check (llvm-19 is not installed and could not be installed)"
    exit 0
fi

fetch="$root/../shared/corpus/fetch-dev-corpus.sh"
if [ ! -f "$fetch" ]; then
    echo "SKIPPED: Mach-O corpus check (no $fetch)"
    exit 0
fi
if ! bash "$fetch" target/macho-corpus >target/macho-corpus-fetch.log 2>&1; then
    echo "SKIPPED: Mach-O corpus check (the corpus could not be downloaded; see target/macho-corpus-fetch.log)"
    exit 0
fi

echo "-- darling-macho's corpus tests (object's view, code signatures)"
MACHO_CORPUS="$root/target/macho-corpus/files" \
    cargo test -q -p darling-macho --test object_oracle --test code_signature -- --ignored || exit 1
cargo build -q -p darling-cli || exit 1
exec bash macho/tests/corpus/compare.sh target/macho-corpus target/debug/darling
