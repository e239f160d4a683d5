"""synth-archive.a: a static archive (GNU/SysV "!<arch>" format, no symbol
table, zero timestamps/uid/gid, mode 644) of two members:

  a.o   the x86_64 MH_OBJECT of symbols.py (the same bytes as
        synth-symbols-obj; 5821 bytes, so it is followed by a "\\n" pad)
  b.o   the i386 MH_DYLIB of routines_i386.py (the same bytes as
        synth-routines-i386)

Edge cases: an archive whose members are of different architectures and
file types, one member of odd size, member names in GNU "name/" form.
llvm-lipo 19 crashes on it (-archs), so build.sh records no per-slice
outputs for it.

usage: archive.py OUTPUT
"""
import routines_i386
import symbols
from machogen import main


def member(name, data):
    hdr = ('%-16s%-12s%-6s%-6s%-8s%-10s' % (name + '/', '0', '0', '0', '644', len(data))).encode() + b'`\n'
    assert len(hdr) == 60
    return hdr + data + (b'\n' if len(data) % 2 else b'')


def build():
    return (b'!<arch>\n'
            + member('a.o', symbols.build('1'))
            + member('b.o', routines_i386.build()))


if __name__ == '__main__':
    main(build, '')
