"""synth-loadcmds-x86_64: one x86_64 MH_EXECUTE carrying (nearly) every load
command otool -l knows, plus malformed ones.

Edge cases:
  * __TEXT segment with an inconsistent cmdsize (560, eight bytes more than
    72 + 6 * 80), whose sections include
      - __got with segname __DATA (does not match segment),
      - a zerofill __bss (S_ZEROFILL, offset 0) of 0x8000 bytes, larger than
        the 8 KiB file,
      - __weird with section type 0xff and attribute bits 0x60000000,
      - a section whose sectname and segname both have 16 characters and no
        NUL ("sixteencharsname", "sixteencharsegnm"),
      - __stubs / __got with reserved1 / reserved2 set;
  * LC_LOAD_DYLINKER, LC_UUID, LC_VERSION_MIN_MACOSX (sdk 0 = n/a),
    LC_BUILD_VERSION with unknown platform 99 and unknown tool 77,
    LC_SOURCE_VERSION, LC_MAIN;
  * dylib commands: LC_LOAD_DYLIB (timestamp 0), LC_LOAD_WEAK_DYLIB with
    versions 0xffffffff (n/a), LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB,
    LC_LOAD_UPWARD_DYLIB;
  * LC_RPATH, LC_SUB_FRAMEWORK, LC_SUB_UMBRELLA, LC_SUB_CLIENT, LC_SUB_LIBRARY;
  * LC_ROUTINES_64, LC_UNIXTHREAD (x86_THREAD_STATE64), LC_ENCRYPTION_INFO_64,
    LC_LINKER_OPTION, LC_NOTE, LC_FILESET_ENTRY, LC_ATOM_INFO,
    LC_DYLD_ENVIRONMENT, an unknown command 0x99 and LC_TWOLEVEL_HINTS.

usage: loadcmds_x86_64.py OUTPUT
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, dylib, lc, macho, main, pad_to, s16, strcmd


def seg64(name, vmaddr, vmsize, fileoff, filesize, maxp, initp, sects, flags=0, cmdsize=None):
    body = s16(name) + struct.pack('<QQQQiiII', vmaddr, vmsize, fileoff, filesize, maxp, initp,
                                   len(sects), flags)
    for s in sects:
        body += s
    return lc(0x19, body, cmdsize=cmdsize)


def sect64(sn, sg, addr, size, off, align, flags, r1=0, r2=0, reloff=0, nreloc=0):
    return s16(sn) + s16(sg) + struct.pack('<QQIIIIIIII', addr, size, off, align, reloff, nreloc,
                                           flags, r1, r2, 0)


def build():
    filesize = 0x2000
    cmds = []
    cmds.append(seg64('__PAGEZERO', 0, 0x100000000, 0, 0, 0, 0, []))
    cmds.append(seg64('__TEXT', 0x100000000, 0x10000, 0, filesize, 7, 5, [
        sect64('__text', '__TEXT', 0x100000f00, 0x10, 0xf00, 4, 0x80000400),
        sect64('__stubs', '__TEXT', 0x100000f10, 0x0c, 0xf10, 1, 0x80000408, 3, 6),
        sect64('__got', '__DATA', 0x100000f20, 0x10, 0xf20, 3, 0x6, 5),
        sect64('__bss', '__TEXT', 0x100001000, 0x8000, 0, 3, 0x1),
        sect64('__weird', '__TEXT', 0x100000f30, 0x8, 0xf30, 2, 0x600000ff),
        sect64('sixteencharsname', 'sixteencharsegnm', 0x100000f38, 0x8, 0xf38, 0, 0x2),
    ], flags=0x1f, cmdsize=72 + 6 * 80 + 8))
    cmds.append(strcmd(0xe, '/usr/lib/dyld'))                               # LC_LOAD_DYLINKER
    cmds.append(lc(0x1b, bytes(range(0x10, 0x20))))                         # LC_UUID
    cmds.append(lc(0x24, struct.pack('<II', 0x000a0608, 0)))                # LC_VERSION_MIN_MACOSX
    cmds.append(lc(0x32, struct.pack('<IIII', 99, 0x000e0100, 0, 3)         # LC_BUILD_VERSION
                   + struct.pack('<II', 3, 0x03f00100)
                   + struct.pack('<II', 77, 0x00010203)
                   + struct.pack('<II', 1, 0)))
    cmds.append(lc(0x2a, struct.pack('<Q', (1 << 40) | (2 << 30) | (3 << 20))))  # LC_SOURCE_VERSION
    cmds.append(lc(0x80000028, struct.pack('<QQ', 0xf00, 0x1000)))          # LC_MAIN
    cmds.append(dylib(0xc, '/usr/lib/libSystem.B.dylib', ts=0, cur=0x05370000 | 0x1234,
                      compat=0x10000))                                      # LC_LOAD_DYLIB
    cmds.append(dylib(0x80000018, '/usr/lib/libweak.dylib', ts=1700000000, cur=0xffffffff,
                      compat=0xffffffff))                                   # LC_LOAD_WEAK_DYLIB
    cmds.append(dylib(0x8000001f, '/usr/lib/libre.dylib'))                  # LC_REEXPORT_DYLIB
    cmds.append(dylib(0x20, '/usr/lib/liblazy.dylib'))                      # LC_LAZY_LOAD_DYLIB
    cmds.append(dylib(0x80000023, '/usr/lib/libup.dylib'))                  # LC_LOAD_UPWARD_DYLIB
    cmds.append(strcmd(0x8000001c, '@loader_path/../lib'))                  # LC_RPATH
    cmds.append(strcmd(0x12, 'Umbrella'))                                   # LC_SUB_FRAMEWORK
    cmds.append(strcmd(0x13, 'SubUmb'))                                     # LC_SUB_UMBRELLA
    cmds.append(strcmd(0x14, 'Client'))                                     # LC_SUB_CLIENT
    cmds.append(strcmd(0x15, 'libsub'))                                     # LC_SUB_LIBRARY
    cmds.append(lc(0x1a, struct.pack('<QQQQQQQQ', 0x100000f00, 1, 2, 3, 4, 5, 6, 7)))  # LC_ROUTINES_64
    regs = struct.pack('<' + 'Q' * 21, *[0x1111111111111100 + i for i in range(21)])
    cmds.append(lc(0x5, struct.pack('<II', 4, 42) + regs))                  # LC_UNIXTHREAD
    cmds.append(lc(0x2c, struct.pack('<IIII', 0x1000, 0x100, 0, 0)))        # LC_ENCRYPTION_INFO_64
    cmds.append(lc(0x2d, struct.pack('<I', 2) + b'-lfoo\0-framework\0'))    # LC_LINKER_OPTION
    cmds.append(lc(0x31, s16('myowner') + struct.pack('<QQ', 0xf40, 0x10)))  # LC_NOTE
    cmds.append(lc(0x80000035, struct.pack('<QQII', 0x200000000, 0x4000, 32, 0)
                   + b'com.example.kext\0'))                                # LC_FILESET_ENTRY
    cmds.append(lc(0x36, struct.pack('<II', 0xf50, 8)))                     # LC_ATOM_INFO
    cmds.append(strcmd(0x27, 'DYLD_FOO=bar'))                               # LC_DYLD_ENVIRONMENT
    cmds.append(lc(0x99, struct.pack('<II', 1, 2)))                         # unknown
    cmds.append(lc(0x16, struct.pack('<II', 0xf60, 1)))                     # LC_TWOLEVEL_HINTS
    data = macho(CPU_X86_64, 3, MH_EXECUTE, 0x00200085, cmds)
    assert len(data) < 0xf00, len(data)
    return pad_to(data, filesize)


if __name__ == '__main__':
    main(build, '')
