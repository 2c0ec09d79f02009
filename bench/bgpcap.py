# SPDX-License-Identifier: GPL-2.0-or-later
"""
Read a tcpdump capture (pcap, Ethernet, IPv4) of BGP sessions and return the
BGP messages each TCP flow carried, with the capture time of the segment
that completed each message. UPDATEs are decoded to their IPv4 NLRI and
withdrawn prefixes.
"""

import socket
import struct

MARKER = b"\xff" * 16


def _prefixes(buf):
    res = []
    off = 0
    while off < len(buf):
        plen = buf[off]
        if plen > 32:
            raise ValueError("prefix length %d" % plen)
        nbytes = (plen + 7) // 8
        if off + 1 + nbytes > len(buf):
            raise ValueError("truncated prefix")
        raw = buf[off + 1:off + 1 + nbytes] + b"\0" * (4 - nbytes)
        res.append("%s/%d" % (socket.inet_ntoa(raw[:4]), plen))
        off += 1 + nbytes
    return res


def _update(body):
    wlen = struct.unpack_from(">H", body, 0)[0]
    withdrawn = _prefixes(body[2:2 + wlen])
    alen = struct.unpack_from(">H", body, 2 + wlen)[0]
    nlri = _prefixes(body[4 + wlen + alen:])
    return nlri, withdrawn


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        magic = struct.unpack_from(">I", data, 0)[0]
    nano = magic == 0xA1B23C4D
    linktype = struct.unpack_from(endian + "I", data, 20)[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack_from(endian + "IIII", data,
                                                     off)
        off += 16
        pkt = data[off:off + incl]
        off += incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:
            if len(pkt) < 14:
                continue
            etype = struct.unpack_from(">H", pkt, 12)[0]
            ip = pkt[14:] if etype == 0x0800 else None
        elif linktype == 113:  # Linux cooked (tcpdump -i any)
            ip = pkt[16:] if pkt[14:16] == b"\x08\x00" else None
        elif linktype == 276:  # Linux cooked v2
            ip = pkt[20:] if pkt[0:2] == b"\x08\x00" else None
        else:
            ip = pkt
        if not ip or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack_from(">H", ip, 2)[0]
        tcp = ip[ihl:tot]
        if len(tcp) < 20:
            continue
        sport, dport, seq = struct.unpack_from(">HHI", tcp, 0)
        doff = (tcp[12] >> 4) * 4
        payload = tcp[doff:]
        src = socket.inet_ntoa(ip[12:16])
        dst = socket.inet_ntoa(ip[16:20])
        yield ts, (src, sport, dst, dport), seq, payload


def messages(path):
    """[(ts, src, dst, type, nlri, withdrawn)] in capture order."""
    flows = {}
    res = []
    for ts, flow, seq, payload in packets(path):
        st = flows.setdefault(flow, {"next": None, "buf": b""})
        if not payload:
            continue
        if st["next"] is not None:
            # Retransmissions and overlaps: keep only new bytes.
            delta = (seq - st["next"]) & 0xFFFFFFFF
            if delta >= 0x80000000:
                skip = (st["next"] - seq) & 0xFFFFFFFF
                if skip >= len(payload):
                    continue
                payload = payload[skip:]
                seq = st["next"]
        st["next"] = (seq + len(payload)) & 0xFFFFFFFF
        buf = st["buf"] + payload
        off = 0
        while len(buf) - off >= 19:
            if buf[off:off + 16] != MARKER:
                # Lost sync (capture started mid-message): resync on the
                # next marker.
                nxt = buf.find(MARKER, off + 1)
                if nxt < 0:
                    off = len(buf)
                    break
                off = nxt
                continue
            mlen, mtype = struct.unpack_from(">HB", buf, off + 16)
            if mlen < 19 or len(buf) - off < mlen:
                break
            body = buf[off + 19:off + mlen]
            nlri = withdrawn = ()
            if mtype == 2:
                try:
                    nlri, withdrawn = _update(body)
                except (struct.error, IndexError, ValueError):
                    pass
            res.append((ts, flow[0], flow[2], mtype, nlri, withdrawn))
            off += mlen
        st["buf"] = buf[off:]
    return res


def first_update(path, sources=None):
    """Capture time of the first UPDATE carrying NLRI (from sources)."""
    for ts, src, _dst, mtype, nlri, _w in messages(path):
        if mtype == 2 and nlri and (sources is None or src in sources):
            return ts
    return None


def announce_times(path, source):
    """{prefix: capture time of its first announcement by source}."""
    res = {}
    for ts, src, _dst, mtype, nlri, _w in messages(path):
        if mtype == 2 and src == source:
            for p in nlri:
                res.setdefault(p, ts)
    return res


def update_span(path, sources, dest=None):
    """(first, last) capture time of UPDATEs with NLRI from sources (the
    last one: towards dest only, when given)."""
    first = last = None
    for ts, src, dst, mtype, nlri, _w in messages(path):
        if mtype == 2 and nlri and src in sources:
            if first is None:
                first = ts
            if dest is None or dst == dest:
                last = ts
    return first, last
