"""synth-core-x86_64: x86_64 MH_CORE with two LC_THREAD commands holding
every x86 thread-state flavor LLVM prints, some with inconsistent headers.

  LC_THREAD 1: x86_FLOAT_STATE (8) with its x86_state_hdr saying
               x86_FLOAT_STATE64 / count 131 (consistent), then
               x86_FLOAT_STATE whose header says flavor 7 / count 1
               (inconsistent).  FPU control fields are distinct values
               (fcw 0x0f3f, fsw 0xffff, ftw 0xab, fop 0x1234, ip
               0xdeadbeef, cs 0x11, dp 0x33, ds 0x44, mxcsr 0x1f80, mask
               0xffff, reserved fields non-zero); the 484 bytes of
               stmm/xmm/reserved registers count up from 0x28.
  LC_THREAD 2: x86_THREAD_STATE (7) with header x86_THREAD_STATE64 / 42
               (consistent), x86_THREAD_STATE with header flavor 9 / count 3
               (inconsistent), x86_EXCEPTION_STATE (9) with header
               x86_EXCEPTION_STATE64 / 4 (trapno 14, cpu 1, err 0x55,
               faultvaddr 0xffff800000001000), and a bare
               x86_EXCEPTION_STATE64 (6) (trapno 13, cpu 2, err 0x66,
               faultvaddr 0x1000).

usage: core_x86_64.py OUTPUT
"""
import struct

from machogen import CPU_X86_64, MH_CORE, lc, macho, main, pad_to

X86_THREAD_STATE64 = 4
X86_FLOAT_STATE64 = 5
X86_EXCEPTION_STATE64 = 6
X86_THREAD_STATE = 7
X86_FLOAT_STATE = 8
X86_EXCEPTION_STATE = 9


def float_state64():
    """An x86_float_state64 (131 words)."""
    fixed = struct.pack('<II', 1, 2)                        # fpu_reserved[2]
    fixed += struct.pack('<HHBBHIHHIHHII', 0x0f3f, 0xffff, 0xab, 0xcd, 0x1234, 0xdeadbeef,
                         0x11, 0x22, 0x33, 0x44, 0x55, 0x1f80, 0xffff)
    regs = bytes((0x28 + i) & 0xff for i in range(484))     # stmm0-7, xmm0-15, rsrv4, reserved1
    state = fixed + regs
    assert len(state) == 131 * 4
    return state


def thread_state64():
    """An x86_thread_state64 (42 words): rax .. gs = 0x100 .. 0x114."""
    return struct.pack('<' + 'Q' * 21, *[0x100 + i for i in range(21)])


def build():
    fs = float_state64()
    thread1 = (struct.pack('<II', X86_FLOAT_STATE, 133) + struct.pack('<II', X86_FLOAT_STATE64, 131) + fs
               + struct.pack('<II', X86_FLOAT_STATE, 133) + struct.pack('<II', 7, 1) + fs)
    ts = thread_state64()
    thread2 = (struct.pack('<II', X86_THREAD_STATE, 44) + struct.pack('<II', X86_THREAD_STATE64, 42) + ts
               + struct.pack('<II', X86_THREAD_STATE, 44) + struct.pack('<II', 9, 3) + ts
               + struct.pack('<II', X86_EXCEPTION_STATE, 6)
               + struct.pack('<II', X86_EXCEPTION_STATE64, 4)
               + struct.pack('<HHIQ', 14, 1, 0x55, 0xffff800000001000)
               + struct.pack('<II', X86_EXCEPTION_STATE64, 4)
               + struct.pack('<HHIQ', 13, 2, 0x66, 0x1000))
    cmds = [lc(0x4, thread1), lc(0x4, thread2)]
    return pad_to(macho(CPU_X86_64, 3, MH_CORE, 0, cmds), 0x2000)


if __name__ == '__main__':
    main(build, '')
