#!/usr/bin/env python3
"""Write the wire-format seeds of tests/fuzz/seeds/: one valid heartbeat
and sync datagram of each kind, unsigned (the fuzz targets sign inputs whose
first byte is odd, and that byte comes first here)."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    path = os.path.join(HERE, "seeds", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def heartbeat(kind, node=b"dir1", version=2):
    hdr = b"XDHB" + bytes([version, kind, 0, 1])
    hdr += struct.pack(">QQ", 1796534000000000, 7)
    hdr += node.ljust(32, b"\0")
    hdr += bytes([2, 0, 1, 0]) + struct.pack(">II", 3, 100)
    if version >= 2:
        # the peer's table held: generation, entries
        hdr += struct.pack(">QI", 1796533000000000, 1000)
    assert len(hdr) == (68 if version == 1 else 80)
    return b"\x01" + hdr


def entry(i):
    # client, VIP, client port, vport, real, rport, proto, state, flags,
    # 3 zero bytes, idle ms
    return (struct.pack(">4s4sHH4sH", bytes([192, 168, 10, 10]),
                        bytes([192, 168, 10, 100]), 40000 + i, 80,
                        bytes([10, 0, 0, 11]), 80)
            + bytes([6, 3, 0, 0, 0, 0]) + struct.pack(">I", 10))


def sync(kind, entries=(), zlib_on=False, aux1=1, aux2=0):
    node = b"dir1"
    payload = b"".join(entries)
    flags = 0
    if zlib_on:
        payload = zlib.compress(payload, 1)
        flags = 1
    hdr = b"XDSY" + bytes([1, kind, 1, len(node)])
    hdr += struct.pack(">QQIIIHH", 1796534000000000, 9, aux1, aux2,
                       len(entries), len(payload), flags)
    assert len(hdr) == 40
    return b"\x01" + hdr + node + payload


put("hbmsg/heartbeat", heartbeat(1))
put("hbmsg/takeover", heartbeat(2))
put("hbmsg/heartbeat_v1", heartbeat(1, version=1))
es = [entry(i) for i in range(3)]
put("sync/conn", sync(1, es))
put("sync/bulk_req", sync(2))
put("sync/bulk", sync(3, es, zlib_on=True))
put("sync/bulk_end", sync(4, aux2=1))
