"""synth-symbols-{exe,obj,i386}: a symbol table with every kind of nlist entry
nm knows how to print (and some it should not see), for nm, nm -m and the
flag filters.

One __TEXT segment (named "" in MH_OBJECT files, as in real objects) with
sections __text, __data, __bss (zerofill), __cstring and __const (segment
names deliberately mixed), 13 LC_LOAD_DYLIBs whose install names exercise the
"(from NAME)" short-name rules (frameworks, Versions/X, _debug / _profile
suffixes, version numbers in the name, @rpath, no extension, .so), an
LC_ID_DYLIB when FILETYPE is 6, and an LC_SYMTAB with:

  * external / local / private-extern ("was a private external") definitions
    in each section, weak definitions, weak auto-hidden, N_PEXT + weak,
    REFERENCED_DYNAMICALLY, N_NO_DEAD_STRIP, N_ALT_ENTRY,
    N_SYMBOL_RESOLVER, N_COLD_FUNC, N_ARM_THUMB_DEF;
  * N_ABS global and local, N_INDR (to _main, and to a bad string index)
    global and local;
  * commons (with and without an alignment), undefined symbols for library
    ordinals 0-14 (14 is past the 13 dylibs), DYNAMIC_LOOKUP_ORDINAL 0xfe
    (the symbol is called _undefexe) and EXECUTABLE_ORDINAL 0xff (called
    _undefdyn: the names are swapped, the values are right), every
    REFERENCE_TYPE, weak references, N_PBUD, a non-external undefined
    (with and without a value), a private-extern undefined;
  * stabs (N_FUN, N_SO, N_OSO, an unknown stab 0xee);
  * four `_dup`s (two of them with the same name and address: an nm tie),
    a symbol with string index 0 and one with an out-of-range index, a bad
    section number, N_SECT with NO_SECT, invalid n_type values 0x07 and
    0x08, mixed-case and non-ASCII (UTF-8) names.

usage: symbols.py OUTPUT FILETYPE [CPUTYPE [32]]
  build.sh: "2" (synth-symbols-exe), "1" (synth-symbols-obj),
            "2 7 32" (synth-symbols-i386: i386 with cpusubtype 0, which LLVM
            names "unknown(7,0)")
"""
import struct

from machogen import CPU_X86_64, dylib, lc, macho, main, pad_to, s16


def build(ftype, cpu=None, bits=None):
    ftype = int(ftype)
    cpu = int(cpu, 0) if cpu is not None else CPU_X86_64
    is64 = bits != '32'

    def sect(sn, sg, addr, size, off, align, flags):
        if is64:
            return s16(sn) + s16(sg) + struct.pack('<QQIIIIIIII', addr, size, off, align, 0, 0,
                                                   flags, 0, 0, 0)
        return s16(sn) + s16(sg) + struct.pack('<IIIIIIIII', addr, size, off, align, 0, 0, flags,
                                               0, 0)

    base = 0x100000000 if is64 else 0x1000
    sects = [
        sect('__text', '__TEXT', base + 0x800, 0x100, 0x800, 4, 0x80000400),
        sect('__data', '__DATA', base + 0x900, 0x100, 0x900, 3, 0),
        sect('__bss', '__DATA', base + 0xa00, 0x100, 0, 3, 1),
        sect('__cstring', '__TEXT', base + 0xb00, 0x100, 0xb00, 0, 2),
        sect('__const', '__DATA', base + 0xc00, 0x100, 0xc00, 3, 0),
    ]
    segname = s16('__TEXT' if ftype != 1 else '')
    if is64:
        seg = lc(0x19, segname + struct.pack('<QQQQiiII', base, 0x1000, 0, 0x1000, 7, 7,
                                             len(sects), 0) + b''.join(sects))
    else:
        seg = lc(0x1, segname + struct.pack('<IIIIiiII', base, 0x1000, 0, 0x1000, 7, 7,
                                            len(sects), 0) + b''.join(sects), align=4)
    libs = ['/usr/lib/libSystem.B.dylib',
            '/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation',
            '/usr/lib/libfoo_debug.dylib', '/usr/lib/libz.1.2.11.dylib', '@rpath/libbar.dylib',
            'weird/noext', '/usr/lib/libc++.1.dylib', 'Foo.framework/Foo',
            '/a/Bar.framework/Versions/A/Bar_profile', '/usr/lib/libqux_profile.dylib',
            'libplain.A.dylib', '/x/y/zz.dylib', '/usr/lib/libc.so']
    al = 8 if is64 else 4
    dls = [dylib(0xc, name, align=al) for name in libs]

    strtab = bytearray(b' \0')
    syms = []

    def sym(name, t, sect, desc, value, strx=None):
        if strx is None:
            strx = len(strtab)
            strtab.extend(name.encode() + b'\0')
        syms.append((strx, t, sect, desc, value))

    B = base
    sym('_main', 0x0f, 1, 0, B + 0x800)
    sym('_local', 0x0e, 1, 0, B + 0x810)
    sym('_data', 0x0f, 2, 0, B + 0x900)
    sym('_bss', 0x0f, 3, 0, B + 0xa00)
    sym('_cstr', 0x0e, 4, 0, B + 0xb00)
    sym('_const', 0x0f, 5, 0, B + 0xc00)
    sym('_pext', 0x1f, 1, 0, B + 0x820)
    sym('_pext_weak', 0x1f, 1, 0x80, B + 0x830)
    sym('_wasprivate', 0x1e, 1, 0, B + 0x840)
    sym('_weakdef', 0x0f, 1, 0x80, B + 0x850)
    sym('_weakauto', 0x0f, 1, 0xc0, B + 0x860)
    sym('_refdyn', 0x0f, 1, 0x10, B + 0x870)
    sym('_nodead', 0x0f, 1, 0x20, B + 0x880)
    sym('_altentry', 0x0f, 1, 0x200, B + 0x890)
    sym('_resolver', 0x0f, 1, 0x100, B + 0x8a0)
    sym('_cold', 0x0f, 1, 0x400, B + 0x8b0)
    sym('_thumb', 0x0f, 1, 0x8, B + 0x8c0)
    sym('_abs', 0x03, 0, 0, 0x1234)
    sym('_abslocal', 0x02, 0, 0, 0x5678)
    mainoff = 2  # string-table offset of "_main"
    sym('_indr', 0x0b, 0, 0, mainoff)
    sym('_indrlocal', 0x0a, 0, 0, mainoff)
    sym('_indrbad', 0x0b, 0, 0, 0x7fff)
    sym('_common', 0x01, 0, 0x0300, 16)
    sym('_common0', 0x01, 0, 0, 8)
    for i in range(0, 15):
        sym('_undef%d' % i, 0x01, 0, i << 8, 0)
    sym('_undefexe', 0x01, 0, 0xfe << 8, 0)
    sym('_undefdyn', 0x01, 0, 0xff << 8, 0)
    sym('_undeflazy', 0x01, 0, (1 << 8) | 1, 0)
    sym('_undefprivlazy', 0x01, 0, (1 << 8) | 5, 0)
    sym('_undefprivnl', 0x01, 0, (1 << 8) | 4, 0)
    sym('_undefdefined', 0x01, 0, (1 << 8) | 2, 0)
    sym('_weakref', 0x01, 0, (1 << 8) | 0x40, 0)
    sym('_weakrefdef', 0x01, 0, (1 << 8) | 0xc0, 0)
    sym('_undefnodead', 0x01, 0, (1 << 8) | 0x20 | 0x200, 0)
    sym('_pbud', 0x0d, 0, 1 << 8, 0x40)
    sym('_pbud0', 0x0d, 0, 1 << 8, 0)
    sym('_nonextundef', 0x00, 0, 0, 0)
    sym('_nonextundefv', 0x00, 0, 0, 0x99)
    sym('_pextundef', 0x11, 0, 1 << 8, 0)
    sym('_main', 0x24, 1, 0, B + 0x800)           # N_FUN
    sym('/tmp/', 0x64, 0, 0, 0)                   # N_SO
    sym('/tmp/x.o', 0x66, 3, 1, 0x65000000)       # N_OSO
    sym('_weirdstab', 0xee, 7, 0x1234, 0x42)      # unknown stab
    sym('_dup', 0x0f, 1, 0, B + 0x8f0)
    sym('_dup', 0x0e, 1, 0, B + 0x8e0)
    sym('_dup', 0x0f, 2, 0, B + 0x8e0)
    sym('_dup', 0x01, 0, 1 << 8, 0)
    sym('', 0x0e, 1, 0, B + 0x8d0, strx=0)
    sym('', 0x0e, 1, 0, B + 0x8d8, strx=0x7ffffff)
    sym('_badsect', 0x0e, 9, 0, B + 0x8d0)
    sym('_sect0', 0x0f, 0, 0, B + 0x8d0)
    sym('_type6', 0x07, 1, 0, B + 0x8d0)
    sym('_type8', 0x08, 1, 0, B + 0x8d0)
    sym('_A_upper', 0x0f, 1, 0, B + 0x8d0)
    sym('_a_lower', 0x0f, 1, 0, B + 0x8d0)
    sym('_\xe9t\xe9', 0x0f, 1, 0, B + 0x8d0)
    sym('_zzz', 0x0e, 1, 0, B + 0x8d0)

    cmds = [seg] + dls
    if ftype == 6:
        cmds.insert(1, dylib(0xd, '/usr/lib/libme.dylib', align=al))
    symoff = 0x1000
    entsz = 16 if is64 else 12
    stroff = symoff + len(syms) * entsz
    cmds.append(lc(0x2, struct.pack('<IIII', symoff, len(syms), stroff, len(strtab)), align=al))
    sub = 3 if cpu == CPU_X86_64 else 0
    hdr = macho(cpu, sub, ftype, 0x80 | 0x4 | 0x1, cmds, is64=is64)
    assert len(hdr) <= 0x800, len(hdr)
    data = pad_to(hdr, 0x1000)
    for (strx, t, sect_, desc, value) in syms:
        data += struct.pack('<IBBHQ' if is64 else '<IBBHI', strx, t, sect_, desc, value)
    return data + bytes(strtab)


if __name__ == '__main__':
    main(build, 'FILETYPE [CPUTYPE [32]]')
