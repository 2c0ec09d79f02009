# SPDX-License-Identifier: GPL-2.0-or-later
"""
The VM's kernel watched the way an SRE would check the agent: every IPv4
route added or removed, as the kernel announces it, with a receive buffer
large enough for bursts (`ip monitor` drops events at tens of thousands of
changes), so a flap shows even when it lasts a millisecond.

Run inside a namespace as a script, it appends one line per route event to
a file ("MONOTONIC add|del PROTO PREFIX"), and "OVERFLOW" if events were
lost all the same; the test side (RouteWatch) starts it in a topotest
node, and reads and judges the events:

    watch = RouteWatch(tgen.gears["vm"], path)
    mark = watch.mark()
    ... the step ...
    assert not watch.flaps(mark, proto=245)
"""

import os
import socket
import struct
import subprocess
import sys
import time

NETLINK_ROUTE = 0
RTNLGRP_IPV4_ROUTE = 7
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTA_DST, RTA_TABLE = 1, 15
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
SO_RCVBUFFORCE = 33
RCVBUF = 512 * 1024 * 1024


def _route_event(msg_type, body):
    "(op, proto, prefix, table) of a route message body, or None."
    if len(body) < 12:
        return None
    family, dst_len, _, _, table, proto, _, _, _ = struct.unpack("BBBBBBBBI", body[:12])
    if family != socket.AF_INET:
        return None
    dst, off = b"\0\0\0\0", 12
    while off + 4 <= len(body):
        alen, atype = struct.unpack("HH", body[off : off + 4])
        if alen < 4:
            break
        if atype == RTA_DST and alen == 8:
            dst = body[off + 4 : off + 8]
        elif atype == RTA_TABLE and alen == 8:
            table = struct.unpack("I", body[off + 4 : off + 8])[0]
        off += (alen + 3) & ~3
    prefix = "{}/{}".format(socket.inet_ntoa(dst), dst_len)
    return ("add" if msg_type == RTM_NEWROUTE else "del", proto, prefix, table)


def listen(path):
    "The listener: runs until killed, one line per route event."
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_IPV4_ROUTE)
    with open(path, "a", buffering=1) as out:
        out.write("READY\n")
        while True:
            try:
                data = s.recv(1 << 20)
            except OSError:  # ENOBUFS: events were lost
                out.write("OVERFLOW\n")
                continue
            now = time.monotonic()
            off = 0
            while off + 16 <= len(data):
                length, mtype, _, _, _ = struct.unpack("IHHII", data[off : off + 16])
                if length < 16:
                    break
                if mtype in (RTM_NEWROUTE, RTM_DELROUTE):
                    ev = _route_event(mtype, data[off + 16 : off + length])
                    if ev and ev[3] == 254:
                        out.write("{:.6f} {} {} {}\n".format(now, ev[0], ev[1], ev[2]))
                off += (length + 3) & ~3


class RouteWatch:
    "The listener in a topotest node, and what it saw."

    def __init__(self, node, path):
        self.path = path
        open(path, "w").close()
        self.proc = node.popen(
            [sys.executable, os.path.abspath(__file__), path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while "READY" not in self._lines() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _lines(self):
        with open(self.path) as f:
            return f.read().splitlines()

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def mark(self):
        "A point in the event stream (the number of lines so far)."
        return len(self._lines())

    def events(self, since=0, proto=None):
        "[(time, op, proto, prefix)] after mark since; OVERFLOW fails."
        out = []
        for line in self._lines()[since:]:
            if line == "READY":
                continue
            assert line != "OVERFLOW", "the route listener lost events"
            t, op, p, prefix = line.split()
            if proto is None or int(p) == proto:
                out.append((float(t), op, int(p), prefix))
        return out

    def flaps(self, since, proto):
        """
        The prefixes of proto that went added -> deleted -> added, or
        deleted -> added -> deleted, after mark since: {prefix: [ops]}.
        """
        seq = {}
        for _, op, _, prefix in self.events(since, proto):
            ops = seq.setdefault(prefix, [])
            if not ops or ops[-1] != op:
                ops.append(op)
        return {p: ops for p, ops in seq.items() if len(ops) >= 3}


if __name__ == "__main__":
    listen(sys.argv[1])
