"""synth-thread-arm64: arm64e MH_EXECUTE (cpusubtype 0x80000002: arm64e with
the pointer-authentication ABI bit) with an arm64 thread state and LC_IDENT.

Edge cases: LC_THREAD with ARM_THREAD_STATE64 (x0-x28, fp, lr, sp, pc,
cpsr), LC_DYLD_CHAINED_FIXUPS and LC_DYLD_EXPORTS_TRIE pointing at zeros,
LC_IDENT ("hello"), then LC_MAIN and LC_SOURCE_VERSION *after* the LC_IDENT
(LLVM 19 never reads them, see README.md), flags MH_DYLDLINK only.

usage: thread_arm64.py OUTPUT
"""
import struct

from machogen import CPU_ARM64, MH_EXECUTE, lc, macho, main, pad_to


def build():
    cmds = []
    regs = struct.pack('<' + 'Q' * 33, *[0x2000000000000000 + i for i in range(33)]) \
        + struct.pack('<II', 0x60000000, 0)
    cmds.append(lc(0x4, struct.pack('<II', 6, 68) + regs))                 # LC_THREAD
    cmds.append(lc(0x80000034, struct.pack('<II', 0x400, 0x20)))           # LC_DYLD_CHAINED_FIXUPS
    cmds.append(lc(0x80000033, struct.pack('<II', 0x420, 0x10)))           # LC_DYLD_EXPORTS_TRIE
    cmds.append(lc(0x8, b'hello\0'))                                       # LC_IDENT
    cmds.append(lc(0x80000028, struct.pack('<QQ', 0x400, 0)))              # LC_MAIN
    cmds.append(lc(0x2a, struct.pack('<Q', (1 << 40) | (2 << 20))))        # LC_SOURCE_VERSION
    data = macho(CPU_ARM64, 0x80000002, MH_EXECUTE, 0x4, cmds)
    return pad_to(data, 0x1000)


if __name__ == '__main__':
    main(build, '')
