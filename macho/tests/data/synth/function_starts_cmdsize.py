"""synth-function-starts-bad-cmdsize: x86_64 MH_EXECUTE whose only load
command is an LC_FUNCTION_STARTS with cmdsize 24 instead of 16 (the
linkedit_data_command is followed by four extra zero bytes and padding);
dataoff 0x800, datasize 8 (all zeros).

Edge case: a wrong cmdsize on a fixed-size command.  LLVM 19 refuses the
whole file ("truncated or malformed object (LC_FUNCTION_STARTS command 0
has incorrect cmdsize)").

usage: function_starts_cmdsize.py OUTPUT
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, MH_STD_FLAGS, lc, macho, main, pad_to


def build():
    cmd = lc(0x26, struct.pack('<III', 0x800, 8, 0))   # 8 + 12 bytes, padded to 24
    return pad_to(macho(CPU_X86_64, 3, MH_EXECUTE, MH_STD_FLAGS, [cmd]), 0x1000)


if __name__ == '__main__':
    main(build, '')
