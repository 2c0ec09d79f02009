# SPDX-License-Identifier: GPL-2.0-or-later
"""
A small SDN stream consumer for topotests (docs/sdn-protocol.md, v1).

It is written from the protocol document, independently of the C decoder,
so that a test also catches the two drifting apart. It keeps the table the
route server streams, applied batch by batch at COMMIT.

    c = SdnClient("/path/to/sock", "test-consumer")
    c.pump(2.0)                # read for up to 2 s
    c.table                    # {"10.250.0.0/16": ("nva", ["10.1.1.4"]), ...}

Over TLS, path is (host, port) and tls an ssl.SSLContext (tls_context()).
Every byte received is also kept in c.raw, for comparing what two
transports carried.
"""

import ipaddress
import select
import socket
import ssl
import struct
import time

HELLO, BEGIN, ROUTE_ADD, ROUTE_DEL, COMMIT, KEEPALIVE = 1, 2, 3, 4, 5, 6
SOURCES = {0: "local", 1: "nva", 2: "expressroute", 3: "vpn"}
_HDR = struct.Struct(">IBBHQ")


class ProtocolError(Exception):
    pass


def _prefix(body, off):
    fam, plen = body[off], body[off + 1]
    size = 4 if fam == 4 else 16
    raw = body[off + 2 : off + 2 + size]
    net = ipaddress.ip_network((raw if fam == 6 else bytes(raw), plen))
    return str(net), off + 2 + size


def _address(body, off):
    fam = body[off]
    size = 4 if fam == 4 else 16
    return str(ipaddress.ip_address(bytes(body[off + 1 : off + 1 + size]))), off + 1 + size


def encode_hello(name):
    raw = name.encode()
    payload = struct.pack(">H", len(raw)) + raw
    return _HDR.pack(16 + len(payload), 1, HELLO, 0, 0) + payload


def encode_keepalive(seq):
    return _HDR.pack(16, 1, KEEPALIVE, 0, seq)


def tls_context(cert=None, key=None, ca=None, server_name_check=False):
    "A TLS 1.3 client context: our certificate (if any), the CA that signed the route server's."
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = server_name_check
    if ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def _connect_unix(path, timeout):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.connect(path)
            return sock
        except BlockingIOError:
            # The listen backlog is full: the server is accepting.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect_tls(addr, tls, timeout, rcvbuf=None):
    family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if rcvbuf:
        # A small window: a consumer that stops reading is stuck soon.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(addr)
    sock = tls.wrap_socket(sock, server_hostname=addr[0])
    sock.settimeout(timeout)
    # TLS 1.3: the server's verdict on our certificate comes with its
    # first record; a refusal shows as an error on the first read.
    return sock


class SdnClient:
    def __init__(self, path, name="topotest", hello=True, timeout=5.0, tls=None, rcvbuf=None):
        if tls is not None:
            self.sock = _connect_tls(path, tls, timeout, rcvbuf)
        else:
            self.sock = _connect_unix(path, timeout)
        self.sock.setblocking(False)
        self.tls = tls is not None
        self.raw = b""
        self.buf = b""
        self.table = {}
        self.server_hello = None
        self.seqs = []  # committed batches, in order: (seq, snapshot, count)
        self.closed = False
        self._batch = None
        self._last_sent = time.monotonic()
        if hello:
            self.sock.sendall(encode_hello(name))

    def close(self):
        self.sock.close()
        self.closed = True

    def pump(self, duration=0.5):
        "Read and apply what arrives for up to duration seconds."
        deadline = time.monotonic() + duration
        try:
            if not self.closed and time.monotonic() - self._last_sent > 5:
                # The protocol's keepalive, every 10 s at most.
                self.sock.sendall(encode_keepalive(self.seqs[-1][0] if self.seqs else 0))
                self._last_sent = time.monotonic()
        except OSError:
            self.closed = True
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            pending = self.tls and self.sock.pending()
            if not pending:
                ready, _, _ = select.select([self.sock], [], [], left)
                if not ready:
                    break
            try:
                data = self.sock.recv(1 << 20)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except OSError:
                data = b""
            if not data:
                self.closed = True
                break
            self.raw += data
            self.buf += data
            self._parse()

    def _parse(self):
        while len(self.buf) >= 16:
            length, version, typ, flags, seq = _HDR.unpack_from(self.buf)
            if version != 1 or length < 16:
                raise ProtocolError("bad header: {}".format(self.buf[:16].hex()))
            if len(self.buf) < length:
                return
            body, self.buf = self.buf[16:length], self.buf[length:]
            self._handle(typ, flags, seq, body)

    def _handle(self, typ, flags, seq, body):
        if typ == HELLO:
            asn, rid, epoch, nlen = struct.unpack_from(">I4sQH", body)
            self.server_hello = {
                "asn": asn,
                "router-id": str(ipaddress.ip_address(rid)),
                "epoch": epoch,
                "name": body[18 : 18 + nlen].decode(),
            }
        elif typ == BEGIN:
            if self._batch is not None:
                raise ProtocolError("BEGIN inside a batch")
            self._batch = {"seq": seq, "snapshot": bool(flags & 1), "changes": {}}
        elif typ in (ROUTE_ADD, ROUTE_DEL):
            if self._batch is None or self._batch["seq"] != seq:
                raise ProtocolError("route outside its batch")
            prefix, off = _prefix(body, 0)
            if typ == ROUTE_DEL:
                self._batch["changes"][prefix] = None
                return
            source, _rflags, _aslen, nnh = struct.unpack_from(">BBIH", body, off)
            off += 8
            hops = []
            for _ in range(nnh):
                hop, off = _address(body, off)
                hops.append(hop)
            self._batch["changes"][prefix] = (SOURCES.get(source, source), hops)
        elif typ == COMMIT:
            batch, self._batch = self._batch, None
            if batch is None or batch["seq"] != seq:
                raise ProtocolError("COMMIT without its BEGIN")
            if batch["snapshot"]:
                self.table = {}
            for prefix, value in batch["changes"].items():
                if value is None:
                    self.table.pop(prefix, None)
                else:
                    self.table[prefix] = value
            self.seqs.append((seq, batch["snapshot"], len(batch["changes"])))
        elif typ == KEEPALIVE:
            pass
        else:
            raise ProtocolError("unknown type {}".format(typ))
