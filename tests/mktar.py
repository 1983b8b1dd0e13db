#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
"""Hand-made tar layers for the tests, entries exactly as given.

    mktar.py OUT SPEC...      a PAX tar (OUT.gz: gzip-compressed)
    mktar.py --bomb OUT SIZE  gzip tar of one file of SIZE zero bytes
    mktar.py --layout DIR SPEC...
                              an OCI image layout of one gzip layer made of
                              SPEC, tagged "t"

SPEC is TYPE:NAME[:ARG], in archive order:
    f  a file, ARG its content      d  a directory (mode ARG, octal)
    l  a symlink to ARG             h  a hardlink to ARG
    x  a file with an xattr user.big of ARG bytes
    L  a file with the xattr user.lib=ARG as libarchive writes it
    n  ARG empty files NAME0, NAME1, ...
"""
import base64
import gzip
import hashlib
import io
import json
import os
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
        elif kind == "L":
            data = b"x"
            ti.pax_headers = {"LIBARCHIVE.xattr.user.lib":
                              base64.b64encode(arg.encode()).decode()}
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


def blob(top, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(top, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def layout(top, specs):
    os.makedirs(os.path.join(top, "blobs", "sha256"), exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        entries(t, specs)
    layer = raw.getvalue()
    ldesc = blob(top, gzip.compress(layer, mtime=0))
    ldesc["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    config = {"architecture": "amd64", "os": "linux",
              "rootfs": {"type": "layers", "diff_ids": [
                  "sha256:" + hashlib.sha256(layer).hexdigest()]}}
    cdesc = blob(top, json.dumps(config).encode())
    cdesc["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": [ldesc]}
    mdesc = blob(top, json.dumps(manifest).encode())
    mdesc["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": "t"}
    with open(os.path.join(top, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [mdesc]}, f)
    with open(os.path.join(top, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def main():
    if sys.argv[1] == "--layout":
        layout(sys.argv[2], sys.argv[3:])
        return
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
