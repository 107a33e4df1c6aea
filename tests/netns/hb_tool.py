#!/usr/bin/env python3
# Heartbeat packets for the HA tests, from the client's namespace:
#   hb_tool.py forge KEY NODE ROLE COUNT   send packets signed with KEY
#                                          (sha1, key index 1) claiming NODE
#   hb_tool.py short COUNT                 send a header without a MAC
#   hb_tool.py capture NODE COUNT FILE     save COUNT real packets from NODE
#   hb_tool.py replay FILE SECONDS         resend them every 100 ms
# Packets go to the external LAN's broadcast address, udp/694. The layout
# is user/ha/hbmsg.h's.
import hashlib, hmac, socket, struct, sys, time

DST = ("192.168.10.255", 694)
ROLES = {"init": 0, "standby": 1, "active": 2, "leaving": 3}


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


def header(node, role, seq):
    return struct.pack(">IBBBBQQ32sBBBBIIQI", 0x58444842, 2, 1, 0, 1,
                       int(time.time() * 1000) + 10**9, seq,
                       node.encode(), ROLES[role], 2, 0, 0, 1000, 100,
                       0, 0)


def main():
    cmd = sys.argv[1]
    s = sock()
    if cmd == "forge":
        key, node, role, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        for i in range(n):
            h = header(node, role, i + 1)
            s.sendto(h + hmac.new(key.encode(), h, hashlib.sha1).digest(), DST)
            time.sleep(0.05)
    elif cmd == "short":
        for i in range(int(sys.argv[2])):
            s.sendto(header("dir1", "leaving", i + 1), DST)
            time.sleep(0.05)
    elif cmd == "capture":
        node, n, path = sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
        s.bind(("0.0.0.0", 694))
        s.settimeout(5)
        got = []
        while len(got) < n:
            pkt, _ = s.recvfrom(2048)
            if pkt[24:56].rstrip(b"\0") == node:
                got.append(pkt)
        with open(path, "wb") as f:
            for p in got:
                f.write(struct.pack(">H", len(p)) + p)
    elif cmd == "replay":
        data = open(sys.argv[2], "rb").read()
        pkts, off = [], 0
        while off < len(data):
            (ln,) = struct.unpack(">H", data[off:off + 2])
            pkts.append(data[off + 2:off + 2 + ln])
            off += 2 + ln
        end = time.time() + float(sys.argv[3])
        while time.time() < end:
            for p in pkts:
                s.sendto(p, DST)
            time.sleep(0.1)
    else:
        sys.exit("unknown command " + cmd)


main()
