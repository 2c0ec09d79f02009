#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Print "TIME PREFIX PROTO" for every IPv4 route the kernel of the current
network namespace adds inside a watched network (default 198.18.0.0/15),
TIME being when the netlink notification was read (CLOCK_REALTIME).

    ip netns exec NS nlwatch.py [NETWORK]
"""

import ipaddress
import socket
import struct
import sys
import time

RTMGRP_IPV4_ROUTE = 0x40
RTM_NEWROUTE = 24
RTA_DST = 1


def main():
    net = ipaddress.ip_network(sys.argv[1] if len(sys.argv) > 1
                               else "198.18.0.0/15")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((0, RTMGRP_IPV4_ROUTE))
    print("ready", flush=True)
    while True:
        data = s.recv(1 << 20)
        now = time.time()
        off = 0
        while off + 16 <= len(data):
            mlen, mtype = struct.unpack_from("=IH", data, off)
            if mlen < 16:
                break
            if mtype == RTM_NEWROUTE:
                msg = data[off + 16:off + mlen]
                family, dlen = msg[0], msg[1]
                proto = msg[5]
                a = 12
                while family == socket.AF_INET and a + 4 <= len(msg):
                    alen, atype = struct.unpack_from("=HH", msg, a)
                    if alen < 4:
                        break
                    if atype == RTA_DST:
                        dst = socket.inet_ntoa(msg[a + 4:a + 8])
                        p = ipaddress.ip_network("%s/%d" % (dst, dlen))
                        if p.subnet_of(net):
                            print("%.6f %s %d" % (now, p, proto),
                                  flush=True)
                        break
                    a += (alen + 3) & ~3
            off += (mlen + 3) & ~3


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
