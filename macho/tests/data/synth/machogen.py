"""Shared helpers for the hand-crafted Mach-O fixtures in this directory.

Everything is little-endian (thin files) or big-endian (fat headers), built
with struct only, so the output depends on nothing but the arguments.  The
helpers deliberately allow inconsistent values (a cmdsize that does not match
the body, an ncmds or sizeofcmds that lies): that is what the fixtures test.
"""
import os
import struct
import sys

# cputype values
CPU_X86 = 7
CPU_X86_64 = 0x01000007
CPU_ARM = 12
CPU_ARM64 = 0x0100000C
CPU_ARM64_32 = 0x0200000C

# filetype values
MH_OBJECT = 1
MH_EXECUTE = 2
MH_CORE = 4
MH_DYLIB = 6

# flags used throughout: MH_NOUNDEFS | MH_DYLDLINK | MH_TWOLEVEL
MH_STD_FLAGS = 0x85


def pad(b, a=8):
    """b padded with NUL bytes to a multiple of a."""
    return b + b'\0' * ((-len(b)) % a)


def pad_to(b, size):
    """b padded with NUL bytes to exactly size bytes (never truncates)."""
    assert len(b) <= size, (len(b), size)
    return b + b'\0' * (size - len(b))


def s16(s):
    """A 16-byte name field: NUL-padded, and *not* NUL-terminated when s has
    16 characters."""
    return s.encode().ljust(16, b'\0')[:16]


def lc(cmd, body, align=8, cmdsize=None):
    """A load command: cmd, cmdsize, body padded to align.

    With cmdsize, that value is written instead of the real size; if it is
    larger the command is padded with NULs up to it, if smaller the bytes are
    kept and only the field lies."""
    raw = struct.pack('<II', cmd, 0) + body
    raw = pad(raw, align)
    cs = cmdsize if cmdsize is not None else len(raw)
    if cmdsize is not None and cmdsize > len(raw):
        raw = raw + b'\0' * (cmdsize - len(raw))
    return struct.pack('<II', cmd, cs) + raw[8:]


def strcmd(cmd, s, align=8, extra=b''):
    """A load command whose body is an lc_str offset (+ extra) + string."""
    off = 12 + len(extra)
    return lc(cmd, struct.pack('<I', off) + extra + s.encode() + b'\0', align)


def dylib(cmd, name, ts=2, cur=0x10203, compat=0x10000, align=8):
    """A dylib_command (LC_LOAD_DYLIB, LC_ID_DYLIB, ...): default timestamp 2,
    current version 1.2.3, compatibility version 1.0.0."""
    return lc(cmd, struct.pack('<IIII', 24, ts, cur, compat) + name.encode() + b'\0', align)


def macho(cputype, sub, ftype, flags, cmds, is64=True, tail=b'', sizeofcmds=None, ncmds=None):
    """Mach header + load commands (+ tail).  ncmds and sizeofcmds are
    computed unless given."""
    cmdbytes = b''.join(cmds)
    n = ncmds if ncmds is not None else len(cmds)
    size = sizeofcmds if sizeofcmds is not None else len(cmdbytes)
    if is64:
        h = struct.pack('<IIIIIIII', 0xfeedfacf, cputype, sub, ftype, n, size, flags, 0)
    else:
        h = struct.pack('<IIIIIII', 0xfeedface, cputype, sub, ftype, n, size, flags)
    return h + cmdbytes + tail


def fat(slices, align=12):
    """A FAT_MAGIC universal file: slices is a list of (cputype, cpusubtype,
    data); every slice starts on a 4 KiB boundary (the first at 4096) and is
    padded to a 4 KiB multiple; every fat_arch says align 2^align."""
    out = struct.pack('>II', 0xcafebabe, len(slices))
    off = 4096
    entries = b''
    body = b''
    cur = off
    for (ct, st, data) in slices:
        entries += struct.pack('>IIIII', ct, st, cur, len(data), align)
        body += data + b'\0' * ((-len(data)) % 4096)
        cur += len(data) + ((-len(data)) % 4096)
    hdr = out + entries
    return hdr + b'\0' * (off - len(hdr)) + body


def write(path, data):
    """Writes data to path (the one output of every generator)."""
    with open(path, 'wb') as f:
        f.write(data)


def main(build, usage):
    """Command-line entry of a generator: `GEN OUTPUT [ARGS...]` writes
    build(*ARGS) to OUTPUT."""
    if len(sys.argv) < 2:
        sys.stderr.write('usage: %s OUTPUT %s\n' % (os.path.basename(sys.argv[0]), usage))
        sys.exit(2)
    write(sys.argv[1], build(*sys.argv[2:]))
