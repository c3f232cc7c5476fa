#!/usr/bin/env python3
"""Writes the committed seed corpora under fuzz/seeds/<target>/ from the repository's test
vectors and examples (run from anywhere; rewrites the folders). See docs/fuzzing.md for the
input format of each target."""

import glob
import hashlib
import json
import os
import re
import shutil

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def write(target, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def connect():
    # Selector: bits 0-2 transport (rtmp, rtsp, whip, whep, srt), bits 3-4 action (1 publish,
    # 2 subscribe), bits 5-7 entry point (0 parse, 4 Authorization value, 5 SRT streamid).
    text = read("crates/authbench-core/src/connect/tests.rs").decode()
    literals = set(re.findall(r'"((?:rtmps?|rtsps?|https?)://[^"{]*|#!::[^"{]*|(?:publish|read):[^"{]*|(?:Basic|Bearer|bearer)\b[^"{]*)"', text))
    for lit in sorted(literals):
        lit = lit.encode().decode("unicode_escape")
        if lit.startswith("#!::") or lit.startswith(("publish:", "read:")):
            write("connect", bytes([5 << 5]) + lit.encode())
            write("connect", bytes([4 | (1 << 3)]) + b"\n\n" + lit.encode())
        elif lit.lower().startswith(("basic", "bearer")):
            write("connect", bytes([4 << 5]) + lit.encode())
            write("connect", bytes([1 | (2 << 3)]) + b"rtsp://h/live/cam1\n" + lit.encode())
        else:
            if lit.startswith("rtmp"):
                sel = 0 | (1 << 3)
            elif lit.startswith("rtsp"):
                sel = 1 | (2 << 3)
            elif "whep" in lit:
                sel = 3
            else:
                sel = 2
            write("connect", bytes([sel]) + lit.encode())


def jwt():
    # A first byte 0 marks a raw token.
    for path in sorted(glob.glob(os.path.join(ROOT, "crates/authbench-jwt/tests/vectors/*.json"))):
        with open(path) as f:
            for v in json.load(f)["vectors"]:
                if v.get("token"):
                    write("jwt", b"\0" + v["token"].encode())


def file():
    # Selector bits 0-1: 0 htpasswd, 1 htpasswd allowing plaintext, 2 Red5 Pro plaintext;
    # bit 2: use the group file after the NUL byte.
    fx = "crates/authbench-file/tests/fixtures/"
    groups = read(fx + "groups.htgroup")
    write("file", b"\x04" + read(fx + "apache.htpasswd") + b"\0" + groups)
    write("file", b"\x00" + read(fx + "python-bcrypt.htpasswd"))
    write("file", b"\x05" + read(fx + "apache-plaintext.htpasswd") + b"\0" + groups)
    write("file", b"\x06" + read(fx + "red5pro.credentials") + b"\0" + groups)


def scenario_yaml():
    for path in sorted(glob.glob(os.path.join(ROOT, "scenarios/*.yaml"))
                       + glob.glob(os.path.join(ROOT, "scenarios/deployments/*.yaml"))):
        with open(path, "rb") as f:
            write("scenario_yaml", f.read())


def target_yaml():
    for path in sorted(glob.glob(os.path.join(ROOT, "targets/*.yaml"))):
        with open(path, "rb") as f:
            write("target_yaml", f.read())


def roundtrip_answer():
    # Status (u16, big-endian), flags (bit 0: credentials presented), body.
    bodies = [
        (200, b'{"result": true, "url": ""}'),
        (200, b'{"result": "TRUE", "subject": "alice"}'),
        (200, b'{"result": false, "reason": "revoked"}'),
        (200, b'{"result": false, "reason": "backend_timeout"}'),
        (200, b'[true]'),
        (204, b""),
        (401, b""),
        (403, b'{"reason": "tenant_mismatch"}'),
        (500, b""),
    ]
    for status, body in bodies:
        write("roundtrip_answer", status.to_bytes(2, "big") + b"\x01" + body)


if __name__ == "__main__":
    for target in ["connect", "jwt", "file", "scenario_yaml", "roundtrip_answer", "target_yaml"]:
        shutil.rmtree(os.path.join(SEEDS, target), ignore_errors=True)
    connect()
    jwt()
    file()
    scenario_yaml()
    roundtrip_answer()
    target_yaml()
