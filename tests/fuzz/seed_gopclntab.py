#!/usr/bin/env python3
"""seed_gopclntab.py: a small seed for fuzz-gopclntab cut from a real Go line table.

    objcopy -O binary --only-section=.gopclntab build/tests/workloads/wl-gohot pclntab
    tests/fuzz/seed_gopclntab.py pclntab FIRST COUNT > tests/fuzz/corpus/gopclntab/NAME

A whole .gopclntab is hundreds of KB, and cutting it short leaves its header pointing past the
end, so this rebuilds a consistent Go 1.18+ (little-endian, 8-byte pointers) table holding COUNT
functions from FIRST on: their names, entries, pcsp/pcfile/pcln tables and the file names their
compilation units give them, as the linker laid them out (pcdata and funcdata dropped).
"""
import struct
import sys


def uvarint(b, pos):
    v = shift = 0
    while True:
        c = b[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, pos
        shift += 7


def pcvalue_len_and_values(b, off):
    """Length in bytes of the pc-value table at off, and the values it takes."""
    pos, val, first, vals = off, -1, True, []
    while True:
        uv, pos = uvarint(b, pos)
        if uv == 0 and not first:
            return pos - off, vals
        first = False
        val += -(uv >> 1) - 1 if uv & 1 else uv >> 1
        vals.append(val)
        _, pos = uvarint(b, pos)


def cstr(b, off):
    return b[off:b.index(b"\0", off) + 1]


def main():
    data = open(sys.argv[1], "rb").read()
    first, count = int(sys.argv[2]), int(sys.argv[3])
    magic, q, ps = struct.unpack_from("<I2xBB", data)
    assert magic in (0xFFFFFFF0, 0xFFFFFFF1) and ps == 8, "a Go 1.18+ LE 64-bit table"
    nfunc, nfiles, text, fnt, cut, ft, pct, pcln = struct.unpack_from("<8Q", data, 8)
    assert first + count <= nfunc

    names, cus, files, pcs, funcs = bytearray(b"\0"), [], bytearray(), bytearray(b"\0"), []
    file_at = {}
    for i in range(first, first + count):
        entry, foff = struct.unpack_from("<II", data, pcln + 8 * i)
        f = struct.unpack_from("<II i I IIII I", data, pcln + foff)
        _, nameoff, args, defer, pcsp, pcfile, pcline, _, cuoff = f
        name_new = len(names)
        names += cstr(data, fnt + nameoff)
        new_tabs = []
        fvals = []
        for off in (pcsp, pcfile, pcline):
            if off == 0:
                new_tabs.append(0)
                continue
            n, vals = pcvalue_len_and_values(data, pct + off)
            if off == pcfile:
                fvals = vals
            new_tabs.append(len(pcs))
            pcs += data[pct + off:pct + off + n]
        cu_new = 0xFFFFFFFF
        if cuoff != 0xFFFFFFFF:
            cu_new = len(cus)
            for fno in range(max(fvals, default=0) + 1):
                (fo,) = struct.unpack_from("<I", data, cut + 4 * (cuoff + fno))
                if fo == 0xFFFFFFFF:
                    cus.append(fo)
                    continue
                s = cstr(data, ft + fo)
                if s not in file_at:
                    file_at[s] = len(files)
                    files += s
                cus.append(file_at[s])
        funcs.append((entry, name_new, args, defer, new_tabs, cu_new))
    (end,) = struct.unpack_from("<I", data, pcln + 8 * (first + count))

    hdr = 8 + 8 * 8
    o_names = hdr
    o_cu = o_names + len(names)
    o_cu += -o_cu % 4
    o_files = o_cu + 4 * len(cus)
    o_pc = o_files + len(files)
    o_pcln = o_pc + len(pcs)
    o_pcln += -o_pcln % 8
    functab_len = 8 * count + 4
    functab_len += -functab_len % 8
    out = bytearray(struct.pack("<I2xBB", magic, q, ps))
    out += struct.pack("<8Q", count, len(file_at), text, o_names, o_cu, o_files, o_pc, o_pcln)
    out += names
    out += b"\0" * (o_cu - len(out))
    out += b"".join(struct.pack("<I", c) for c in cus)
    out += files + pcs
    out += b"\0" * (o_pcln - len(out))
    tab, body = bytearray(), bytearray()
    for entry, nameoff, args, defer, (pcsp, pcfile, pcline), cu in funcs:
        tab += struct.pack("<II", entry, functab_len + len(body))
        body += struct.pack("<IiiIIIIII4x", entry, nameoff, args, defer, pcsp, pcfile, pcline,
                            0, cu)
    tab += struct.pack("<I", end)
    tab += b"\0" * (functab_len - len(tab))
    sys.stdout.buffer.write(bytes(out + tab + body))


main()
