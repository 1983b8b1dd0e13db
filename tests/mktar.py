#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
"""Hand-made tar layers for the tests, entries exactly as given.

    mktar.py OUT SPEC...      a PAX tar (OUT.gz: gzip-compressed)
    mktar.py --bomb OUT SIZE  gzip tar of one file of SIZE zero bytes

SPEC is TYPE:NAME[:ARG], in archive order:
    f  a file, ARG its content      d  a directory (mode ARG, octal)
    l  a symlink to ARG             h  a hardlink to ARG
    x  a file with an xattr user.big of ARG bytes
    n  ARG empty files NAME0, NAME1, ...
"""
import gzip
import io
import sys
import tarfile


class Zeros:
    def __init__(self, n):
        self.n = n

    def read(self, k=-1):
        k = self.n if k < 0 else min(k, self.n)
        self.n -= k
        return bytes(k)


def entries(t, specs):
    for spec in specs:
        kind, name, arg = (spec.split(":", 2) + [""])[:3]
        ti = tarfile.TarInfo(name)
        ti.mtime = 1700000000
        ti.mode = 0o644
        data = None
        if kind == "f":
            data = arg.encode()
        elif kind == "d":
            ti.type = tarfile.DIRTYPE
            ti.mode = int(arg, 8) if arg else 0o755
        elif kind == "l":
            ti.type, ti.linkname = tarfile.SYMTYPE, arg
            ti.mode = 0o777
        elif kind == "h":
            ti.type, ti.linkname = tarfile.LNKTYPE, arg
        elif kind == "x":
            data = b"x"
            ti.pax_headers = {"SCHILY.xattr.user.big": "v" * int(arg)}
        elif kind == "n":
            for i in range(int(arg)):
                t.addfile(tarfile.TarInfo("%s%d" % (name, i)), io.BytesIO())
            continue
        else:
            sys.exit("mktar.py: unknown entry type in " + spec)
        if data is not None:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)


def main():
    if sys.argv[1] == "--bomb":
        out, size = sys.argv[2], int(sys.argv[3])
        with gzip.open(out, "wb", compresslevel=9) as g:
            with tarfile.open(fileobj=g, mode="w",
                              format=tarfile.PAX_FORMAT) as t:
                ti = tarfile.TarInfo("zeros")
                ti.size = size
                t.addfile(ti, Zeros(size))
        return
    out = sys.argv[1]
    mode = "w:gz" if out.endswith(".gz") else "w"
    with tarfile.open(out, mode, format=tarfile.PAX_FORMAT) as t:
        entries(t, sys.argv[2:])


main()
