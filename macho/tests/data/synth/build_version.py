"""synth-build-version-*: x86_64 MH_EXECUTE whose only load command is an
LC_BUILD_VERSION, one per VARIANT.

  tools       platform 1 (macOS), minos 14.0, sdk 14.2.3 and eight tool
              entries numbered 0-7 (0 and 5-7 are not known tool values;
              1 clang, 2 swift, 3 ld, 4 lld), all version 1.0.0.
  platform13  platform 13 (not a PLATFORM_* value LLVM 19 knows), minos 0.0,
              sdk 0 (n/a), no tools (cmdsize 24).

usage: build_version.py OUTPUT VARIANT
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, MH_STD_FLAGS, lc, macho, main, pad_to


def build(variant):
    if variant == 'tools':
        tools = b''.join(struct.pack('<II', t, 0x00010000) for t in range(0, 8))
        cmd = lc(0x32, struct.pack('<IIII', 1, 0x000e0000, 0x000e0203, 8) + tools)
    elif variant == 'platform13':
        cmd = lc(0x32, struct.pack('<IIII', 13, 0, 0, 0))
    else:
        raise SystemExit('build_version.py: unknown variant %r' % variant)
    return pad_to(macho(CPU_X86_64, 3, MH_EXECUTE, MH_STD_FLAGS, [cmd]), 0x1000)


if __name__ == '__main__':
    main(build, 'tools|platform13')
