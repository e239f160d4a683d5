"""synth-nm-ties: x86_64 MH_EXECUTE with 2000 symbols drawn from only a few
(name, address) pairs, for nm's sort order.

Edge case: llvm-nm sorts by (name, address) with std::sort, which is not
stable; with many symbols that share name and address but differ in type
(N_SECT local / external) and section (__text, __data, __bss, __const) the
order it prints such ties in is an accident of the sort (see README.md).
Names are _x (twice as likely), _y and _z0 .. _z5; addresses 0x100000800 or
0x100000810.

The choices come from a Mersenne Twister seeded like CPython's
random.seed(SEED) and drawn like random.choice / random.randint, written out
here so that the bytes do not depend on the Python version.

usage: nm_ties.py OUTPUT SEED COUNT     (build.sh: SEED 5, COUNT 2000)
"""
import struct

from machogen import CPU_X86_64, MH_EXECUTE, MH_STD_FLAGS, lc, macho, main, pad_to, s16


class MT19937:
    """CPython's random.Random: init_by_array seeding from an int, 32-bit
    outputs, getrandbits(k) for k <= 32, rejection-sampled _randbelow."""

    def __init__(self, seed):
        key = []
        seed = abs(seed)
        while True:
            key.append(seed & 0xffffffff)
            seed >>= 32
            if not seed:
                break
        mt = [0] * 624
        mt[0] = 19650218
        for i in range(1, 624):
            mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xffffffff
        i, j = 1, 0
        for _ in range(max(624, len(key))):
            mt[i] = ((mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525)) + key[j] + j) & 0xffffffff
            i += 1
            j += 1
            if i >= 624:
                mt[0] = mt[623]
                i = 1
            if j >= len(key):
                j = 0
        for _ in range(623):
            mt[i] = ((mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941)) - i) & 0xffffffff
            i += 1
            if i >= 624:
                mt[0] = mt[623]
                i = 1
        mt[0] = 0x80000000
        self.mt = mt
        self.index = 624

    def _uint32(self):
        mt = self.mt
        if self.index >= 624:
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
            self.index = 0
        y = mt[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680
        y ^= (y << 15) & 0xefc60000
        y ^= y >> 18
        return y

    def _randbelow(self, n):
        k = n.bit_length()
        assert 0 < k <= 32
        r = self._uint32() >> (32 - k)
        while r >= n:
            r = self._uint32() >> (32 - k)
        return r

    def choice(self, seq):
        return seq[self._randbelow(len(seq))]

    def randint(self, a, b):
        return a + self._randbelow(b - a + 1)


def build(seed, count):
    rng = MT19937(int(seed))
    base = 0x100000000

    def sect64(sn, sg, addr, size, off, align, flags):
        return s16(sn) + s16(sg) + struct.pack('<QQIIIIIIII', addr, size, off, align, 0, 0, flags,
                                               0, 0, 0)

    sects = [sect64('__text', '__TEXT', base + 0x800, 0x100, 0x800, 4, 0x80000400),
             sect64('__data', '__DATA', base + 0x900, 0x100, 0x900, 3, 0),
             sect64('__bss', '__DATA', base + 0xa00, 0x100, 0, 3, 1),
             sect64('__const', '__DATA', base + 0xb00, 0x100, 0xb00, 3, 0)]
    seg = lc(0x19, s16('__TEXT') + struct.pack('<QQQQiiII', base, 0x1000, 0, 0x1000, 7, 7,
                                               len(sects), 0) + b''.join(sects))
    strtab = bytearray(b' \0')
    names = {}

    def strx(n):
        if n not in names:
            names[n] = len(strtab)
            strtab.extend(n.encode() + b'\0')
        return names[n]

    syms = []
    for _ in range(int(count)):
        # Evaluation order matters: the list literal draws randint first.
        nm = rng.choice(['_x', '_y', '_x', '_z%d' % rng.randint(0, 5)])
        t = rng.choice([0x0e, 0x0f])
        sct = rng.randint(1, 4)
        v = base + 0x800 + rng.choice([0, 0, 0x10])
        syms.append((strx(nm), t, sct, 0, v))
    symoff = 0x1000
    stroff = symoff + 16 * len(syms)
    cmds = [seg, lc(0x2, struct.pack('<IIII', symoff, len(syms), stroff, len(strtab)))]
    data = pad_to(macho(CPU_X86_64, 3, MH_EXECUTE, MH_STD_FLAGS, cmds), symoff)
    for s in syms:
        data += struct.pack('<IBBHQ', *s)
    return data + bytes(strtab)


if __name__ == '__main__':
    main(build, 'SEED COUNT')
