"""synth-thread-armv7: 32-bit ARM (armv7, cpusubtype 9) MH_EXECUTE whose only
load command is an LC_UNIXTHREAD with ARM_THREAD_STATE (r0-r12, sp, lr, pc,
cpsr = 0xc0000000 + n), flags 0.

usage: thread_armv7.py OUTPUT
"""
import struct

from machogen import CPU_ARM, MH_EXECUTE, lc, macho, main, pad_to


def build():
    regs = struct.pack('<' + 'I' * 17, *[0xc0000000 + i for i in range(17)])
    cmds = [lc(0x5, struct.pack('<II', 1, 17) + regs, align=4)]
    return pad_to(macho(CPU_ARM, 9, MH_EXECUTE, 0, cmds, is64=False), 0x1000)


if __name__ == '__main__':
    main(build, '')
