#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
"""Tamper with the seal of an image in an OCI layout, for the refusal tests
of tests/integration/oci-seal.sh.  Every change is written as new blobs,
and the tags in index.json move to them, as an attacker would have to.

  oci-tamper.py merged-sig LAYOUT TAG SIGFILE
      the artifact's merged-EROFS signature becomes SIGFILE
  oci-tamper.py merged-claim LAYOUT TAG HEX SIGFILE
      the artifact claims EROFS digest HEX, signed by SIGFILE
  oci-tamper.py inline-edit LAYOUT TAG
      one hex digit of the inline merged digest annotation changes
  oci-tamper.py manifest-digest LAYOUT TAG
      print the digest of the manifest TAG names
"""
import hashlib
import json
import os
import sys

REF = "org.opencontainers.image.ref.name"
MERGED = "composefs.merged.erofs.v1.fsverity-"


def blob_path(layout, digest):
    alg, hexd = digest.split(":")
    return os.path.join(layout, "blobs", alg, hexd)


def read_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return f.read()


def put_blob(layout, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(layout, d), "wb") as f:
        f.write(data)
    return d


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def index(layout):
    with open(os.path.join(layout, "index.json")) as f:
        return json.load(f)


def write_index(layout, idx):
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(compact(idx))


def tagged(idx, tag):
    for m in idx["manifests"]:
        if m.get("annotations", {}).get(REF) == tag:
            return m
    raise SystemExit("no tag " + tag)


def artifact_of(layout, tag):
    """(index, tagged manifest entry, referrers index entry, artifact)"""
    idx = index(layout)
    m = tagged(idx, tag)
    ref = tagged(idx, m["digest"].replace(":", "-"))
    refs = json.loads(read_blob(layout, ref["digest"]))
    art = json.loads(read_blob(layout, refs["manifests"][0]["digest"]))
    return idx, ref, refs, art


def store_artifact(layout, idx, ref, refs, art):
    data = compact(art)
    refs["manifests"][0]["digest"] = put_blob(layout, data)
    refs["manifests"][0]["size"] = len(data)
    data = compact(refs)
    ref["digest"] = put_blob(layout, data)
    ref["size"] = len(data)
    write_index(layout, idx)


def merged_layer(art):
    for layer in art["layers"]:
        for k in layer.get("annotations", {}):
            if k.startswith(MERGED):
                return layer, k
    raise SystemExit("no merged layer")


def main():
    cmd, layout, tag = sys.argv[1:4]
    if cmd == "manifest-digest":
        print(tagged(index(layout), tag)["digest"])
    elif cmd in ("merged-sig", "merged-claim"):
        idx, ref, refs, art = artifact_of(layout, tag)
        layer, key = merged_layer(art)
        if cmd == "merged-claim":
            layer["annotations"][key] = sys.argv[4]
        with open(sys.argv[-1], "rb") as f:
            sig = f.read()
        layer["digest"] = put_blob(layout, sig)
        layer["size"] = len(sig)
        store_artifact(layout, idx, ref, refs, art)
    elif cmd == "inline-edit":
        idx = index(layout)
        m = tagged(idx, tag)
        man = json.loads(read_blob(layout, m["digest"]))
        ann = man["annotations"]
        key = [k for k in ann if k.startswith(MERGED) and not k.endswith(".sig")][0]
        v = ann[key]
        ann[key] = ("1" if v[0] != "1" else "2") + v[1:]
        data = compact(man)
        m["digest"] = put_blob(layout, data)
        m["size"] = len(data)
        write_index(layout, idx)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
