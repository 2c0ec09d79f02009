# SPDX-License-Identifier: GPL-2.0-or-later
"""
A raw BGP speaker for hostile-peer topotests, written from RFC 4271 (BGP-4),
RFC 4760 (MP-BGP), RFC 6793 (4-octet AS), RFC 8654 (extended messages)
and RFC 7606 (error handling), with nothing but socket and struct.

It builds messages byte by byte, so a test can send what no real speaker
would: wrong lengths, bad flags, duplicate or missing attributes, AS paths
of any size. Three parts:

* builders (pure functions returning bytes): header(), open_msg(),
  update(), attr() and the attribute helpers, keepalive(), notification();
* Speaker: one TCP session to a BGP peer, run inside the hostile router's
  namespace. It sends the OPEN (4-octet AS, MP-BGP IPv4 unicast, route
  refresh, extended message), answers with KEEPALIVEs, reads everything
  the peer sends in a thread and keeps the NOTIFICATION it got, if any;
* a control loop (`python3 vnetrs_raw_bgp.py serve`) reading one JSON
  command per line on stdin and answering one JSON line on stdout, and
  RawPeer, its test-side client, which starts it in a topotest router's
  namespace:

    peer = RawPeer(tgen.gears["bad"])
    peer.connect("10.1.0.4", asn=65009, router_id="10.1.1.9")
    peer.send(update(attrs=..., nlri=["10.70.0.0/24"]))
    peer.wait(2)["notification"]     # [3, 10, "..."] or None
"""

import ipaddress
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

# Message types (RFC 4271 4.1)
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
MARKER = b"\xff" * 16
MAX_SIZE, MAX_EXTENDED_SIZE = 4096, 65535

# Path attribute flags and type codes
OPTIONAL, TRANSITIVE, PARTIAL, EXTENDED_LENGTH = 0x80, 0x40, 0x20, 0x10
ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF = 1, 2, 3, 4, 5
ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES = 6, 7, 8
MP_REACH_NLRI, MP_UNREACH_NLRI = 14, 15
AS4_PATH, LARGE_COMMUNITIES = 17, 32
AS_SET, AS_SEQUENCE = 1, 2
AS_TRANS = 23456

# The flags a well-formed attribute of each type carries.
WELL_FORMED_FLAGS = {
    ORIGIN: TRANSITIVE,
    AS_PATH: TRANSITIVE,
    NEXT_HOP: TRANSITIVE,
    MED: OPTIONAL,
    LOCAL_PREF: TRANSITIVE,
    ATOMIC_AGGREGATE: TRANSITIVE,
    AGGREGATOR: OPTIONAL | TRANSITIVE,
    COMMUNITIES: OPTIONAL | TRANSITIVE,
    MP_REACH_NLRI: OPTIONAL,
    MP_UNREACH_NLRI: OPTIONAL,
    AS4_PATH: OPTIONAL | TRANSITIVE,
    LARGE_COMMUNITIES: OPTIONAL | TRANSITIVE,
}

NOTIFICATION_NAMES = {
    1: ("Message Header Error", {1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type"}),
    2: ("OPEN Message Error", {2: "Bad Peer AS", 4: "Unsupported Optional Parameter", 7: "Unsupported Capability"}),
    3: (
        "UPDATE Message Error",
        {
            1: "Malformed Attribute List",
            2: "Unrecognized Well-known Attribute",
            3: "Missing Well-known Attribute",
            4: "Attribute Flags Error",
            5: "Attribute Length Error",
            6: "Invalid ORIGIN Attribute",
            8: "Invalid NEXT_HOP Attribute",
            9: "Optional Attribute Error",
            10: "Invalid Network Field",
            11: "Malformed AS_PATH",
        },
    ),
    4: ("Hold Timer Expired", {}),
    5: (
        "Finite State Machine Error",
        {1: "Unexpected Message in OpenSent", 2: "Unexpected Message in OpenConfirm", 3: "Unexpected Message in Established"},
    ),
    6: (
        "Cease",
        {
            1: "Maximum Number of Prefixes Reached",
            2: "Administrative Shutdown",
            3: "Peer De-configured",
            4: "Administrative Reset",
            5: "Connection Rejected",
            6: "Other Configuration Change",
            7: "Connection Collision Resolution",
            8: "Out of Resources",
        },
    ),
}


def notification_name(code, subcode):
    "'3/10 UPDATE Message Error: Invalid Network Field'"
    name, subs = NOTIFICATION_NAMES.get(code, ("code {}".format(code), {}))
    return "{}/{} {}: {}".format(code, subcode, name, subs.get(subcode, "subcode {}".format(subcode)))


# --- builders -------------------------------------------------------------


def header(msg_type, body, marker=MARKER, length=None):
    "A BGP message; length overrides the header's length field."
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack(">HB", length, msg_type) + body


def keepalive():
    return header(KEEPALIVE, b"")


def notification(code, subcode, data=b""):
    return header(NOTIFICATION, struct.pack(">BB", code, subcode) + data)


def capability(code, value=b""):
    return struct.pack(">BB", code, len(value)) + value


def open_msg(asn, router_id, hold=90, as4=True, mp=True, extended=True, route_refresh=True):
    "An OPEN of asn (AS_TRANS in the 2-octet field above 65535)."
    caps = b""
    if mp:
        caps += capability(1, struct.pack(">HBB", 1, 0, 1))  # IPv4 unicast
    if route_refresh:
        caps += capability(2)
    if as4:
        caps += capability(65, struct.pack(">I", asn))
    if extended:
        caps += capability(6)
    params = struct.pack(">BB", 2, len(caps)) + caps if caps else b""
    my_as = asn if asn <= 0xFFFF else AS_TRANS
    body = struct.pack(">BHH4sB", 4, my_as, hold, socket.inet_aton(router_id), len(params))
    return header(OPEN, body + params)


def prefix(pfx):
    "An NLRI entry: length byte and the significant octets."
    net = ipaddress.ip_network(pfx)
    nbytes = (net.prefixlen + 7) // 8
    return bytes([net.prefixlen]) + net.network_address.packed[:nbytes]


def nlri_raw(plen, octets):
    "An NLRI entry with any length byte (e.g. 33) and the octets given."
    return bytes([plen]) + bytes(octets)


def _nlri(items):
    return b"".join(i if isinstance(i, bytes) else prefix(i) for i in items)


def update(withdrawn=(), attrs=b"", nlri=(), withdrawn_len=None, attrs_len=None):
    """
    An UPDATE; withdrawn and nlri are prefixes (strings) or raw entries
    (bytes), attrs the concatenated attributes. withdrawn_len and
    attrs_len override the length fields.
    """
    w = _nlri(withdrawn)
    body = struct.pack(">H", len(w) if withdrawn_len is None else withdrawn_len) + w
    body += struct.pack(">H", len(attrs) if attrs_len is None else attrs_len) + attrs
    return header(UPDATE, body + _nlri(nlri))


def attr(type_code, value, flags=None, length=None):
    """
    A path attribute: flags default to the well-formed ones of the type;
    the extended-length flag is set when the value needs it (or when
    flags ask for it). length overrides the length field.
    """
    if flags is None:
        flags = WELL_FORMED_FLAGS.get(type_code, OPTIONAL | TRANSITIVE)
    if length is None:
        length = len(value)
    if length > 255:
        flags |= EXTENDED_LENGTH
    if flags & EXTENDED_LENGTH:
        return struct.pack(">BBH", flags, type_code, length) + value
    return struct.pack(">BBB", flags, type_code, length) + value


def origin(value=0, **kw):
    return attr(ORIGIN, bytes([value]), **kw)


def as_path_value(segments, four=True):
    """
    The value of AS_PATH: segments is a list of (type, [asn, ...]); a
    sequence longer than 255 is split over several segments.
    """
    out = b""
    fmt = ">I" if four else ">H"
    for seg_type, asns in segments:
        asns = list(asns)
        chunks = [asns[i : i + 255] for i in range(0, len(asns), 255)] or [[]]
        for chunk in chunks:
            out += struct.pack(">BB", seg_type, len(chunk))
            out += b"".join(struct.pack(fmt, a) for a in chunk)
    return out


def as_path(asns=(), segments=None, **kw):
    "AS_PATH of a sequence of asns (or of explicit segments), 4-octet."
    if segments is None:
        segments = [(AS_SEQUENCE, asns)]
    return attr(AS_PATH, as_path_value(segments), **kw)


def next_hop(addr, **kw):
    return attr(NEXT_HOP, socket.inet_aton(addr), **kw)


def communities(values, **kw):
    "values: 32-bit integers or 'asn:value' strings."
    out = b""
    for v in values:
        if isinstance(v, str):
            hi, lo = v.split(":")
            v = (int(hi) << 16) | int(lo)
        out += struct.pack(">I", v)
    return attr(COMMUNITIES, out, **kw)


def large_communities(values, **kw):
    "values: (global, local1, local2) triples."
    return attr(LARGE_COMMUNITIES, b"".join(struct.pack(">III", *v) for v in values), **kw)


def mp_reach(nexthop, nlri, afi=1, safi=1, nh_len=None, **kw):
    "MP_REACH_NLRI (RFC 4760) for IPv4 or IPv6 prefixes."
    nh = ipaddress.ip_address(nexthop).packed
    value = struct.pack(">HBB", afi, safi, len(nh) if nh_len is None else nh_len) + nh + b"\x00"
    return attr(MP_REACH_NLRI, value + _nlri(nlri), **kw)


def route_attrs(asns, nh, comms=None):
    "The attributes of a plain, valid route."
    out = origin(0) + as_path(asns) + next_hop(nh)
    if comms:
        out += communities(comms)
    return out


# --- reading --------------------------------------------------------------


def split_messages(buf):
    """
    The complete messages at the start of buf as (type, body) and what is
    left over. Raises ValueError on a broken header.
    """
    msgs = []
    while len(buf) >= 19:
        if buf[:16] != MARKER:
            raise ValueError("bad marker from the peer")
        length, msg_type = struct.unpack(">HB", buf[16:19])
        if length < 19:
            raise ValueError("bad length {} from the peer".format(length))
        if len(buf) < length:
            break
        msgs.append((msg_type, buf[19:length]))
        buf = buf[length:]
    return msgs, buf


def decode_open(body):
    "The fields and capability codes of an OPEN body."
    version, asn, hold, rid, plen = struct.unpack(">BHH4sB", body[:10])
    caps = []
    params = body[10 : 10 + plen]
    i = 0
    while i + 2 <= len(params):
        ptype, pl = params[i], params[i + 1]
        value = params[i + 2 : i + 2 + pl]
        if ptype == 2:
            j = 0
            while j + 2 <= len(value):
                caps.append(value[j])
                j += 2 + value[j + 1]
        i += 2 + pl
    return {"version": version, "as": asn, "hold": hold, "router-id": socket.inet_ntoa(rid), "capabilities": caps}


class Speaker:
    """
    One TCP session to a BGP speaker. A thread reads what the peer sends:
    it answers nothing but keeps counts, the peer's OPEN and its
    NOTIFICATION; connect() and keep-alives are driven from outside.
    """

    def __init__(self):
        self.sock = None
        self.lock = threading.Lock()
        # The reader's keep-alives and the test's messages must not interleave.
        self.send_lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.established = False
        self.closed = False
        self.notification = None
        self.peer_open = None
        self.messages_in = 0
        self.updates_in = 0
        self.keepalives_in = 0
        self.reader = None
        self.last_keepalive = 0.0
        self.max_size = MAX_SIZE

    def tcp_connect(self, host, port=179, timeout=5.0):
        self.close()
        self._reset()
        s = socket.create_connection((host, port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(30.0)
        self.sock = s
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def _read_loop(self):
        buf = b""
        sock = self.sock
        while True:
            try:
                r, _, _ = select.select([sock], [], [], 1.0)
                if not r:
                    self._keepalive_if_due()
                    continue
                data = sock.recv(65536)
            except (OSError, ValueError):
                data = b""
            if not data:
                with self.lock:
                    self.closed = True
                    self.established = False
                return
            buf += data
            try:
                msgs, buf = split_messages(buf)
            except ValueError:
                with self.lock:
                    self.closed = True
                return
            for msg_type, body in msgs:
                self._received(msg_type, body)
            self._keepalive_if_due()

    def _received(self, msg_type, body):
        with self.lock:
            self.messages_in += 1
            if msg_type == OPEN:
                self.peer_open = decode_open(body)
            elif msg_type == KEEPALIVE:
                self.keepalives_in += 1
            elif msg_type == UPDATE:
                self.updates_in += 1
            elif msg_type == NOTIFICATION and len(body) >= 2:
                self.notification = [body[0], body[1], body[2:].hex()]
                self.established = False

    def _keepalive_if_due(self):
        if self.established and time.monotonic() - self.last_keepalive > 10:
            try:
                self.send(keepalive())
            except OSError:
                pass

    def send(self, data):
        with self.send_lock:
            self.sock.sendall(data)
            if data[18:19] == bytes([KEEPALIVE]):
                self.last_keepalive = time.monotonic()

    def wait_for(self, cond, timeout):
        "Wait until cond() (under the lock) holds or timeout passes."
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if cond():
                    return True
            time.sleep(0.02)
        with self.lock:
            return cond()

    def handshake(self, asn, router_id, hold=90, timeout=10.0, **caps):
        """
        OPEN and KEEPALIVE both ways. True once established; False when
        the peer answered with a NOTIFICATION or closed.
        """
        self.send(open_msg(asn, router_id, hold, **caps))
        if not self.wait_for(lambda: self.peer_open or self.notification or self.closed, timeout):
            return False
        if not self.peer_open:
            return False
        if caps.get("extended", True) and 6 in self.peer_open["capabilities"]:
            self.max_size = MAX_EXTENDED_SIZE
        self.send(keepalive())
        ok = self.wait_for(lambda: self.keepalives_in or self.notification or self.closed, timeout)
        with self.lock:
            self.established = bool(ok and self.keepalives_in and not self.notification and not self.closed)
            return self.established

    def status(self):
        with self.lock:
            return {
                "established": self.established,
                "closed": self.closed,
                "notification": self.notification,
                "peer-open": self.peer_open,
                "messages-in": self.messages_in,
                "updates-in": self.updates_in,
                "max-size": self.max_size,
            }

    def close(self):
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            if self.reader is not None:
                self.reader.join(5)
            self.sock = None
            with self.lock:
                self.established = False
                self.closed = True


# --- control loop (inside the namespace) ---------------------------------


def _op_connect(spk, cmd):
    """
    Connect and establish, retrying until the timeout while the peer
    refuses, closes or answers with a NOTIFICATION (bgpd still clearing
    the last session); unless retry is false.
    """
    deadline = time.monotonic() + cmd.get("timeout", 30)
    attempts, refusals = 0, []
    while True:
        attempts += 1
        try:
            spk.tcp_connect(cmd["host"], cmd.get("port", 179))
            if cmd.get("raw"):
                return {"ok": True, "attempts": attempts}
            caps = {k: cmd[k] for k in ("as4", "mp", "extended") if k in cmd}
            if spk.handshake(cmd["asn"], cmd["router_id"], cmd.get("hold", 90), **caps):
                return {"ok": True, "attempts": attempts, "refusals": refusals}
        except OSError as e:
            err = str(e)
        else:
            err = "closed"
        # A NOTIFICATION during the handshake (bgpd still busy with the
        # last session) is retried too, and reported.
        refusals.append(spk.status()["notification"] or err)
        if time.monotonic() > deadline or not cmd.get("retry", True):
            return {"ok": False, "attempts": attempts, "error": err, "refusals": refusals}
        time.sleep(0.5)


def _op_flood(spk, cmd):
    "Send the messages round-robin for seconds (or count rounds)."
    msgs = [bytes.fromhex(m) for m in cmd["messages"]]
    end = time.monotonic() + cmd.get("seconds", 0)
    rounds = cmd.get("rounds")
    sent, start = 0, time.monotonic()
    while True:
        for m in msgs:
            spk.send(m)
            sent += 1
        if rounds is not None:
            rounds -= 1
            if rounds <= 0:
                break
        elif time.monotonic() >= end:
            break
    return {"ok": True, "sent": sent, "seconds": time.monotonic() - start}


def serve():
    "One JSON command per line on stdin, one JSON answer per line on stdout."
    spk = Speaker()
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op == "connect":
                ans = _op_connect(spk, cmd)
            elif op == "send":
                for m in cmd["messages"]:
                    spk.send(bytes.fromhex(m))
                ans = {"ok": True, "sent": len(cmd["messages"])}
            elif op == "flood":
                ans = _op_flood(spk, cmd)
            elif op == "wait":
                spk.wait_for(lambda: spk.notification or spk.closed, cmd.get("seconds", 1))
                ans = {"ok": True}
            elif op == "close":
                if cmd.get("notify"):
                    try:
                        spk.send(notification(*cmd["notify"]))
                    except OSError:
                        pass
                spk.close()
                ans = {"ok": True}
            elif op == "status":
                ans = {"ok": True}
            elif op == "quit":
                spk.close()
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                ans = {"ok": False, "error": "unknown op " + op}
        except OSError as e:
            ans = {"ok": False, "error": str(e)}
        ans.update(spk.status())
        print(json.dumps(ans), flush=True)


# --- test side ------------------------------------------------------------


class RawPeer:
    """
    The test's handle on a Speaker running in a topotest router's
    namespace (router: a TopoRouter, or anything with popen()).
    """

    def __init__(self, router, python="/usr/bin/python3"):
        self.proc = router.popen(
            [python, os.path.abspath(__file__), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def _call(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("raw BGP speaker died: " + self.proc.stderr.read())
        return json.loads(line)

    def connect(self, host, asn, router_id, **kw):
        return self._call(op="connect", host=host, asn=asn, router_id=router_id, **kw)

    def raw_connect(self, host):
        "TCP only: no OPEN."
        return self._call(op="connect", host=host, raw=True)

    def send(self, *messages):
        return self._call(op="send", messages=[m.hex() for m in messages])

    def flood(self, messages, seconds=None, rounds=None):
        kw = {"rounds": rounds} if rounds is not None else {"seconds": seconds}
        return self._call(op="flood", messages=[m.hex() for m in messages], **kw)

    def wait(self, seconds):
        "Wait up to seconds for a NOTIFICATION or a close; the status."
        return self._call(op="wait", seconds=seconds)

    def status(self):
        return self._call(op="status")

    def close(self, notify=None):
        return self._call(op="close", notify=notify)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self._call(op="quit")
            except (OSError, RuntimeError, ValueError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        sys.exit("usage: {} serve".format(sys.argv[0]))
