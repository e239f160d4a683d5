"""synth-segname-16: x86_64 MH_EXECUTE whose only load command is an
LC_SEGMENT_64 named "SIXTEENCHARSEGNM": a 16-character segment name with no
NUL.  vmaddr (0x4142434445464748, bytes "HGFEDCBA") directly follows the
name, then vmsize 0x1000 (first byte 0x00); no sections, flags 0.

Edge case: a tool that reads segname as a C string runs on into vmaddr and
prints "SIXTEENCHARSEGNMHGFEDCBA" (LLVM 19 does, see README.md).

usage: segname16.py OUTPUT
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, lc, macho, main, pad_to, s16


def build():
    seg = lc(0x19, s16('SIXTEENCHARSEGNM')
             + struct.pack('<QQQQiiII', 0x4142434445464748, 0x1000, 0, 0, 0, 0, 0, 0))
    return pad_to(macho(CPU_X86_64, 3, MH_EXECUTE, 0, [seg]), 0x1000)


if __name__ == '__main__':
    main(build, '')
