"""synth-routines-i386: i386 MH_DYLIB with the 32-bit forms of several
commands.

Edge cases: LC_ROUTINES (32-bit), LC_UNIXTHREAD with i386_THREAD_STATE,
LC_ENCRYPTION_INFO (32-bit), LC_VERSION_MIN_IPHONEOS, LC_SOURCE_VERSION,
an LC_THREAD with no thread state at all (cmdsize 8), LC_ID_DYLINKER in a
dylib, LC_ID_DYLIB with a relative install name, 4-byte aligned commands,
a __jump_table section in segment __IMPORT (does not match segment) with
S_SYMBOL_STUBS | S_ATTR_SELF_MODIFYING_CODE and reserved1/reserved2 set.

usage: routines_i386.py OUTPUT
"""
import struct

from machogen import CPU_X86, MH_DYLIB, MH_STD_FLAGS, dylib, lc, macho, main, pad_to, s16, strcmd


def seg32(name, vmaddr, vmsize, fileoff, filesize, maxp, initp, sects, flags=0):
    body = s16(name) + struct.pack('<IIIIiiII', vmaddr, vmsize, fileoff, filesize, maxp, initp,
                                   len(sects), flags)
    for s in sects:
        body += s
    return lc(0x1, body, align=4)


def sect32(sn, sg, addr, size, off, align, flags, r1=0, r2=0):
    return s16(sn) + s16(sg) + struct.pack('<IIIIIIIII', addr, size, off, align, 0, 0, flags, r1, r2)


def build():
    cmds = []
    cmds.append(seg32('__TEXT', 0x1000, 0x2000, 0, 0x2000, 7, 5, [
        sect32('__text', '__TEXT', 0x1f00, 0x10, 0xf00, 4, 0x80000400),
        sect32('__jump_table', '__IMPORT', 0x1f10, 0x10, 0xf10, 6, 0x04000008, 2, 5)]))
    cmds.append(lc(0x11, struct.pack('<IIIIIIII', 0x1f00, 1, 2, 3, 4, 5, 6, 7), align=4))  # LC_ROUTINES
    regs = struct.pack('<' + 'I' * 16, *[0xa0000000 + i for i in range(16)])
    cmds.append(lc(0x5, struct.pack('<II', 1, 16) + regs, align=4))        # LC_UNIXTHREAD
    cmds.append(lc(0x21, struct.pack('<III', 0x1000, 0x100, 1), align=4))  # LC_ENCRYPTION_INFO
    cmds.append(lc(0x25, struct.pack('<II', 0x00070000, 0x00000001), align=4))  # LC_VERSION_MIN_IPHONEOS
    cmds.append(lc(0x2a, struct.pack('<Q', (1 << 40) | (5 << 10)), align=4))  # LC_SOURCE_VERSION
    cmds.append(lc(0x4, b'', align=4))                                     # LC_THREAD, empty
    cmds.append(strcmd(0xf, '/usr/lib/dyld', align=4))                     # LC_ID_DYLINKER
    cmds.append(dylib(0xd, 'libme.dylib', align=4))                        # LC_ID_DYLIB
    data = macho(CPU_X86, 3, MH_DYLIB, MH_STD_FLAGS, cmds, is64=False)
    return pad_to(data, 0x2000)


if __name__ == '__main__':
    main(build, '')
