"""synth-fat-*: small universal (FAT_MAGIC) files, one per VARIANT.

Every slice is a 4 KiB MH_EXECUTE with flags 0x85; all fat_archs say
align 2^12.

  arm64-arm64e       arm64 + arm64e (cpusubtype 0x80000002): two slices of
                     one cputype that differ only in subtype and the
                     capability bits; slices: LC_MAIN + LC_LOAD_DYLIB.
  one-slice          a universal file with a single arm64 slice.
  x86_64h-arm64      x86_64h (cpusubtype 8, Haswell) + arm64: the host
                     (x86_64) is not an exact match for any slice.
  arm64-x86_64       arm64 first, x86_64 second: a host slice that is not
                     the first one.
  unknown-subtype    arm64 with cpusubtype 1 (unknown to LLVM: arch name
                     "unknown(16777228,1)"), arm64_32 with cpusubtype 1
                     (arm64_32_v8) and ARM cpusubtype 9 (armv7); 32-bit
                     headers for the last two; slices: LC_LOAD_DYLIB only.

usage: fat.py OUTPUT VARIANT
"""
import struct

from machogen import (CPU_ARM, CPU_ARM64, CPU_ARM64_32, CPU_X86_64, MH_EXECUTE, MH_STD_FLAGS,
                      dylib, fat, lc, macho, main, pad_to)


def thin(ct, st):
    """A 64-bit slice with LC_MAIN and LC_LOAD_DYLIB."""
    cmds = [lc(0x80000028, struct.pack('<QQ', 0x400, 0)), dylib(0xc, '/usr/lib/libSystem.B.dylib')]
    return pad_to(macho(ct, st, MH_EXECUTE, MH_STD_FLAGS, cmds), 0x1000)


def thin_dylib_only(ct, st, is64=True):
    """A 32- or 64-bit slice with only LC_LOAD_DYLIB."""
    cmds = [dylib(0xc, '/usr/lib/libSystem.B.dylib', align=8 if is64 else 4)]
    return pad_to(macho(ct, st, MH_EXECUTE, MH_STD_FLAGS, cmds, is64=is64), 0x1000)


def build(variant):
    if variant == 'arm64-arm64e':
        return fat([(CPU_ARM64, 0, thin(CPU_ARM64, 0)),
                    (CPU_ARM64, 0x80000002, thin(CPU_ARM64, 0x80000002))])
    if variant == 'one-slice':
        return fat([(CPU_ARM64, 0, thin(CPU_ARM64, 0))])
    if variant == 'x86_64h-arm64':
        return fat([(CPU_X86_64, 8, thin(CPU_X86_64, 8)), (CPU_ARM64, 0, thin(CPU_ARM64, 0))])
    if variant == 'arm64-x86_64':
        return fat([(CPU_ARM64, 0, thin(CPU_ARM64, 0)), (CPU_X86_64, 3, thin(CPU_X86_64, 3))])
    if variant == 'unknown-subtype':
        return fat([(CPU_ARM64, 1, thin_dylib_only(CPU_ARM64, 1)),
                    (CPU_ARM64_32, 1, thin_dylib_only(CPU_ARM64_32, 1, False)),
                    (CPU_ARM, 9, thin_dylib_only(CPU_ARM, 9, False))])
    raise SystemExit('fat.py: unknown variant %r' % variant)


if __name__ == '__main__':
    main(build, 'arm64-arm64e|one-slice|x86_64h-arm64|arm64-x86_64|unknown-subtype')
