"""synth-arm64-subtype1: arm64 MH_EXECUTE with cpusubtype 1 (a subtype LLVM 19
has no name for: "unknown(16777228,1)") and no load commands at all
(ncmds 0, sizeofcmds 0, flags 0).

usage: arm64_subtype1.py OUTPUT
"""
from machogen import CPU_ARM64, MH_EXECUTE, macho, main, pad_to


def build():
    return pad_to(macho(CPU_ARM64, 1, MH_EXECUTE, 0, []), 0x1000)


if __name__ == '__main__':
    main(build, '')
