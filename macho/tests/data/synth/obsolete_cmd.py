"""synth-obsolete-loadfvmlib: x86_64 MH_EXECUTE whose only load command is an
obsolete one (build.sh passes 6, LC_LOADFVMLIB).

Edge case: obsolete load commands (LC_SYMSEG 0x3, LC_LOADFVMLIB 0x6,
LC_IDFVMLIB 0x7, LC_FVMFILE 0x9, LC_PREPAGE 0xa, LC_PREBIND_CKSUM 0x17 ...)
still have a documented layout; LLVM 19 refuses the whole file ("truncated
or malformed object (load command 0 for cmd value of: 6 is obsolete and not
supported)").  The body is an fvmlib_command whose name offset (12) points
into the command itself (at minor_version), followed by the string "x".

usage: obsolete_cmd.py OUTPUT CMD
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, lc, macho, main, pad_to


def build(cmd):
    cmds = [lc(int(cmd, 0), struct.pack('<III', 12, 0, 0) + b'x\0')]
    data = macho(CPU_X86_64, 3, MH_EXECUTE, 0, cmds)
    return pad_to(data, 0x1000)


if __name__ == '__main__':
    main(build, 'CMD')
