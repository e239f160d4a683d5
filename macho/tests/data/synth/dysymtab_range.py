"""synth-dysymtab-range: x86_64 MH_EXECUTE with LC_SYMTAB, an LC_DYSYMTAB
whose indices point outside the symbol table, and an LC_ATOM_INFO past the
end of the file.

Edge cases:
  * LC_DYSYMTAB: ilocalsym 100 and iundefsym 50 with nsyms 2 (both with
    count 0), iextdefsym 1 / nextdefsym 1;
  * two identical nlist_64 entries: name "_a", n_type N_SECT (0x0e) but
    n_sect NO_SECT (0), value 0;
  * LC_ATOM_INFO with dataoff 0x2000 / datasize 8 in a 4 KiB file.

usage: dysymtab_range.py OUTPUT
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, MH_STD_FLAGS, lc, macho, main, pad_to


def build():
    symoff, nsyms, stroff, strsize = 0x800, 2, 0x820, 8
    cmds = [
        lc(0x2, struct.pack('<IIII', symoff, nsyms, stroff, strsize)),      # LC_SYMTAB
        lc(0xb, struct.pack('<' + 'I' * 18, 100, 0, 1, 1, 50, 0,            # LC_DYSYMTAB
                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
        lc(0x36, struct.pack('<II', 0x2000, 8)),                            # LC_ATOM_INFO
    ]
    data = pad_to(macho(CPU_X86_64, 3, MH_EXECUTE, MH_STD_FLAGS, cmds), symoff)
    for _ in range(nsyms):
        data += struct.pack('<IBBHQ', 1, 0x0e, 0, 0, 0)
    data = pad_to(data, stroff) + b'\0_a\0'
    return pad_to(data, 0x1000)


if __name__ == '__main__':
    main(build, '')
