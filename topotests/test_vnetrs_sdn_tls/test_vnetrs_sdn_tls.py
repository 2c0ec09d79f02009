# SPDX-License-Identifier: GPL-2.0-or-later
"""
The VNet across machines: the SDN stream over TLS.

rs1 and rs2 are two machines with addresses of their own on a fabric
network (10.9.0.0/24, fd00:9::/64) shared with two hypervisors, hv1 and
hv2; nothing is shared between them but that network. Each hypervisor
runs vnetrs-agent over TLS to both instances (rs1 by IPv4, rs2 by IPv6)
and its own kernel is the VM's. The NVAs are those of the overview: the
SD-WAN NVA in front of on-premises (10.250.0.0/16), the firewall with the
default route; both announce 10.77.0.0/16 (ECMP). Certificates are made
at test time with the openssl CLI: a CA, the two route servers, the two
hypervisors, a rogue CA's client and an expired client.
"""

import contextlib
import ctypes
import os
import re
import signal
import socket
import ssl
import struct
import time

import pytest

from lib.topogen import Topogen, get_topogen
from lib.topolog import logger

import vnetrs_topo
import vnetrs_sdn_client
from vnetrs_pki import Pki

CWD = os.path.dirname(os.path.realpath(__file__))

pytestmark = [pytest.mark.bgpd, pytest.mark.vnetrs]

SDWAN, FIREWALL = "10.1.1.4", "10.1.1.5"
PROTO = 245
WANT = {"10.250.0.0/16": [SDWAN], "default": [FIREWALL], "10.77.0.0/16": [SDWAN, FIREWALL]}
PING_DESTS = {"10.250.0.1": SDWAN, "203.0.113.1": FIREWALL}
RS_ADDR = {"rs1": "10.9.0.1", "rs2": "fd00:9::2"}
PORT = 7179
HVS = ("hv1", "hv2")
# docs/agent.md: silent after --silent-after (3 s) plus a probe interval.
SILENT_LIMIT_S = 3 + 1


def build_topo(tgen):
    vnetrs_topo.add_segment(tgen, "vnet", ("rs1", "rs2", "sdwan", "firewall", "hv1", "hv2"))
    vnetrs_topo.add_segment(tgen, "fabric", ("rs1", "rs2", "hv1", "hv2"))
    vnetrs_topo.add_segment(tgen, "branch", ("sdwan", "onprem"))
    vnetrs_topo.add_segment(tgen, "edge", ("firewall", "internet"))


def pki():
    return Pki(os.path.join(get_topogen().logdir, "pki"))


def url(rs):
    addr = RS_ADDR[rs]
    return "tls://{}:{}".format("[" + addr + "]" if ":" in addr else addr, PORT)


def listen_line(rs, port=PORT, extra=""):
    p = pki()
    return "sdn listen tls {} port {} certificate {} key {} ca {}{}".format(
        RS_ADDR[rs], port, p.crt(rs), p.key(rs), p.crt("ca"), extra
    )


def agent_files(hv, name="agent"):
    return vnetrs_topo.agent_files(hv, name)


def start_agent(hv, name="agent", cert=None, extra=()):
    p = pki()
    pidfile, log = agent_files(hv, name)
    out = vnetrs_topo.agent_start(
        get_topogen().gears[hv],
        [url("rs1"), url("rs2")],
        pidfile,
        log,
        "--name", hv + "-" + name,
        "--cert", p.crt(cert or hv),
        "--key", p.key(cert or hv),
        "--ca", p.crt("ca"),
        *extra,
    )
    assert out.strip().endswith("rc=0"), out
    return pidfile, log


def setup_module(mod):
    tgen = Topogen(build_topo, mod.__name__)
    tgen.start_topology()
    # The listeners bind their fabric addresses at once: no DAD delay.
    for name in ("rs1", "rs2", "hv1", "hv2"):
        tgen.gears[name].run("sysctl -qw net.ipv6.conf.{}-eth1.accept_dad=0".format(name))
    p = pki()
    p.ca("ca")
    p.ca("rogue")
    p.cert("rs1", "ca", san=["IP:10.9.0.1", "DNS:rs1"])
    p.cert("rs2", "ca", san=["IP:fd00:9::2", "DNS:rs2"])
    for hv in HVS:
        p.cert(hv, "ca")
    p.cert("rogue-client", "rogue")
    p.cert("old-client", "ca", expired=True)
    vnetrs_topo.load_routers(tgen, CWD, module_routers=("rs1", "rs2"))
    for rs in ("rs1", "rs2"):
        lines = [listen_line(rs)]
        if rs == "rs1":
            lines.append("sdn listen unix " + vnetrs_topo.sdn_sock("rs1"))
        rc, out = vnetrs_topo.rs_config(tgen.gears[rs], *lines)
        assert rc == 0, out
        # Restarts read the saved configuration, the listeners included.
        tgen.gears[rs].vtysh_cmd("write memory")
    for hv in HVS:
        start_agent(hv)


def teardown_module(mod):
    for hv in HVS:
        for name in ("agent", "rogue"):
            vnetrs_topo.kill_pidfile(agent_files(hv, name)[0])
    get_topogen().stop_topology()


# --- reading the state ------------------------------------------------------


def kernel(hv, table=None, proto=PROTO):
    return vnetrs_topo.kernel_routes(get_topogen().gears[hv], proto=proto, table=table)


def wait_kernels(want, what, timeout=30):
    def check():
        got = {hv: kernel(hv) for hv in HVS}
        return None if all(g == want for g in got.values()) else got

    vnetrs_topo.poll(check, what, timeout=timeout)


def sdn(rs):
    return vnetrs_topo.vtysh_json(get_topogen().gears[rs], "show bgp vnet-route-server sdn json")


def tls_listener(rs, port=PORT):
    where = "{} port {}".format(RS_ADDR[rs], port)
    for l in sdn(rs).get("listeners", []):
        if l.get("transport") == "tls" and l.get("address") == where:
            return l
    return {}


def consumers(rs):
    return sorted((c["name"], c["state"]) for l in sdn(rs).get("listeners", []) for c in l["consumers"])


def good_consumers():
    return sorted((hv + "-agent", "live") for hv in HVS)


def agent_status(hv):
    return vnetrs_topo.agent_status(get_topogen().gears[hv])


def instance_state(hv, rs):
    "The agent's state of its connection to rs ('synced', 'silent', ...)."
    m = re.search(r"instance {}: (\w+)".format(re.escape(url(rs))), agent_status(hv))
    return m.group(1) if m else ""


# --- clients of our own, in a hypervisor's network namespace ----------------

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def netns(node):
    "Sockets made inside belong to node's network namespace."
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/proc/{}/ns/net".format(get_topogen().gears[node].net.pid), os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        yield
    finally:
        _libc.setns(own, _CLONE_NEWNET)
        os.close(own)
        os.close(target)


def tls_client(name, cert, port=PORT, node="hv2", rcvbuf=None):
    "A protocol client over TLS to rs1 with cert (a name in the PKI, or None)."
    p = pki()
    ctx = vnetrs_sdn_client.tls_context(
        p.crt(cert) if cert else None, p.key(cert) if cert else None, p.crt("ca")
    )
    with netns(node):
        return vnetrs_sdn_client.SdnClient((RS_ADDR["rs1"], port), name, tls=ctx, rcvbuf=rcvbuf)


def refused_by_server(cert):
    """
    A TLS client with cert (None: no certificate): whether rs1 ended the
    connection without speaking the protocol (TLS 1.3: the client learns
    of the refusal at its first read).
    """
    try:
        c = tls_client("refused", cert)
    except (ssl.SSLError, OSError):
        return True
    c.pump(2.0)
    refused = c.closed and c.server_hello is None
    c.close()
    return refused


def split_messages(raw):
    "The messages of a byte stream: [(type, flags, seq, bytes)]."
    out, off = [], 0
    while off + 16 <= len(raw):
        length, _, typ, flags, seq = struct.unpack_from(">IBBHQ", raw, off)
        out.append((typ, flags, seq, raw[off : off + length]))
        off += length
    return out


def batch_bytes(raw, seq):
    "The bytes of batch seq (BEGIN to COMMIT) in a stream."
    return b"".join(m[3] for m in split_messages(raw) if m[2] == seq and m[0] in (2, 3, 4, 5))


# --- the data plane while something fails ------------------------------------


class Watch:
    "Pings from both hypervisors every 20 ms, and their kernels' route events."

    def __init__(self):
        tgen = get_topogen()
        self.pings = [
            (hv, d, tgen.gears[hv].popen(["ping", "-n", "-i", "0.02", "-W", "1", d], stdout=-1, stderr=-1, text=True))
            for hv in HVS
            for d in PING_DESTS
        ]
        self.monitors = [
            tgen.gears[hv].popen(["ip", "-o", "monitor", "route"], stdout=-1, stderr=-1, text=True) for hv in HVS
        ]
        vnetrs_topo.poll(self._flowing, "pings flow", timeout=5)

    def _flowing(self):
        return None if all(vnetrs_topo.pings(get_topogen().gears[hv], d) for hv in HVS for d in PING_DESTS) else "no"

    def stop(self):
        "Returns ({(hv, dest): (sent, lost)}, [deleted routes of the agent])."
        result = {}
        for hv, dest, p in self.pings:
            p.send_signal(signal.SIGINT)
            out, _ = p.communicate(timeout=10)
            m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
            assert m, out
            result[(hv, dest)] = (int(m.group(1)), int(m.group(1)) - int(m.group(2)))
        deleted = []
        for p in self.monitors:
            p.terminate()
            events, _ = p.communicate(timeout=10)
            deleted += [l for l in events.splitlines() if l.startswith("Deleted") and "proto 245" in l]
        return result, deleted


def assert_nothing_lost(watch, what):
    pings, deleted = watch.stop()
    logger.info("{}: pings (sent, lost) {}".format(what, pings))
    assert not deleted, deleted
    for key, (sent, lost) in pings.items():
        assert sent > 50 and lost == 0, (what, key, sent, lost)


# --- the tests -----------------------------------------------------------------


def test_hypervisors_programmed_over_tls():
    "Both hypervisors' kernels get the NVAs' routes (ECMP too) over TLS, and ping through the right NVA."
    wait_kernels(WANT, "both hypervisors programmed over TLS", timeout=60)
    tgen = get_topogen()
    for rs in ("rs1", "rs2"):
        vnetrs_topo.expect_json(
            tgen.gears[rs],
            "show bgp vnet-route-server sdn json",
            {
                "listeners": [
                    {
                        "transport": "tls",
                        "consumers": [
                            {"name": hv + "-agent", "state": "live", "transport": "tls", "identity": "CN=" + hv}
                            for hv in HVS
                        ],
                    }
                ]
            },
            rs + "'s TLS consumers are live",
        )
        assert consumers(rs) == good_consumers(), consumers(rs)
        l = tls_listener(rs)
        assert l["connections"] >= 2, l
        for c in l["consumers"]:
            hv = c["name"].split("-")[0]
            assert c["transport"] == "tls", c
            assert c["identity"] == "CN=" + hv, c
            assert c["remote"].startswith("[fd00:9::1" if rs == "rs2" else "10.9.0.1"), c
    for hv in HVS:
        for dest, nva in PING_DESTS.items():
            vnetrs_topo.poll(
                lambda: None if vnetrs_topo.pings(tgen.gears[hv], dest) else "no answer",
                "{} pings {}".format(hv, dest),
            )
            assert vnetrs_topo.first_hop(tgen.gears[hv], dest) == nva, (hv, dest)
        assert "transport tls (TLSv1.3), server certificate 'CN=rs1'" in agent_status(hv)


def test_config_round_trip():
    "The TLS listener is in the running-config as configured, the default port left out."
    cfg = get_topogen().gears["rs1"].vtysh_cmd("show running-config")
    p = pki()
    assert "  sdn listen tls 10.9.0.1 certificate {} key {} ca {}\n".format(
        p.crt("rs1"), p.key("rs1"), p.crt("ca")
    ) in cfg, cfg


def test_same_bytes_over_unix_and_tls():
    "A TLS consumer and a Unix consumer receive the same bytes for the same batch."
    unix = vnetrs_sdn_client.SdnClient(vnetrs_topo.sdn_sock("rs1"), "unix-twin")
    tls = tls_client("tls-twin", "hv2")
    try:
        for name, c in (("unix", unix), ("tls", tls)):
            vnetrs_topo.poll(lambda: (c.pump(0.2), None if c.seqs else "no snapshot")[1], name + " consumer synced")
        onprem = get_topogen().gears["onprem"]
        onprem.vtysh_cmd(
            "configure terminal\nip route 10.251.0.0/16 blackhole\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.251.0.0/16"
        )

        def seen():
            for c in (unix, tls):
                c.pump(0.2)
            return None if all("10.251.0.0/16" in c.table for c in (unix, tls)) else (unix.table, tls.table)

        vnetrs_topo.poll(seen, "both consumers see 10.251.0.0/16")
        seq = [s for s, snap, _ in tls.seqs if not snap][-1]
        assert batch_bytes(tls.raw, seq), seq
        assert batch_bytes(tls.raw, seq) == batch_bytes(unix.raw, seq)
    finally:
        unix.close()
        tls.close()
        get_topogen().gears["onprem"].vtysh_cmd(
            "configure terminal\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.251.0.0/16"
        )


REFUSALS = (
    ("unknown-ca", lambda: refused_by_server("rogue-client")),
    ("no-certificate", lambda: refused_by_server(None)),
    ("expired", lambda: refused_by_server("old-client")),
)


def plain_tcp(payload, wait):
    "A TCP client that sends payload (or nothing) and waits wait seconds: whether rs1 closed on it."
    with netns("hv2"):
        s = socket.create_connection((RS_ADDR["rs1"], PORT), timeout=wait)
    try:
        if payload:
            s.sendall(payload)
        while True:
            try:
                if s.recv(4096) == b"":
                    return True
            except socket.timeout:
                return False
            except OSError:
                return True
    finally:
        s.close()


def rogue_table():
    "What the rogue agent's table 200 holds ('' when empty or absent)."
    return get_topogen().gears["hv2"].run("ip -4 route show table 200 2>/dev/null").strip()


def test_refused_clients_are_counted_and_change_nothing():
    "A rogue CA's certificate, none, an expired one, plain TCP and a silent TCP client: refused, counted."
    before = tls_listener("rs1").get("refused", {})
    for reason, attempt in REFUSALS:
        assert attempt(), reason
    assert plain_tcp(b"GET / HTTP/1.0\r\n\r\n", 5), "plain TCP"
    start = time.monotonic()
    assert plain_tcp(None, 10), "silent TCP client"
    took = time.monotonic() - start
    logger.info("a silent TCP client was dropped after {:.1f} s".format(took))
    assert 4 <= took <= 8, took
    # A whole agent with the rogue certificate, in a table of its own.
    pidfile, log = start_agent("hv2", "rogue", cert="rogue-client", extra=("--table", "200", "--protocol", "246"))
    try:
        want = {r: before.get(r, 0) + 1 for r, _ in REFUSALS}
        want.update({"not-tls": before.get("not-tls", 0) + 1, "timeout": before.get("timeout", 0) + 1})
        want["unknown-ca"] += 1  # the rogue agent

        def counted():
            got = tls_listener("rs1").get("refused", {})
            return None if all(got.get(r, 0) >= n for r, n in want.items()) else (got, want)

        vnetrs_topo.poll(counted, "every refusal counted by its reason")
        vnetrs_topo.hold(
            lambda: rogue_table() or None,
            "the rogue agent programs nothing",
        )
    finally:
        vnetrs_topo.agent_stop(pidfile)
    assert consumers("rs1") == good_consumers(), consumers("rs1")
    wait_kernels(WANT, "the hypervisors are untouched")


@pytest.mark.parametrize("rs", ["rs1", "rs2"])
def test_instance_killed_loses_no_ping_and_no_route(rs):
    "kill -9 of an instance while both hypervisors ping: nothing lost; back: the same table."
    watch = Watch()
    router = get_topogen().gears[rs]
    vnetrs_topo.kill9_bgpd(router)
    vnetrs_topo.hold(lambda: None if all(kernel(hv) == WANT for hv in HVS) else "changed", "routes stay", seconds=3)
    router.startDaemons(["bgpd"])
    vnetrs_topo.poll(
        lambda: None if consumers(rs) == good_consumers() else consumers(rs), rs + "'s consumers are back", timeout=60
    )
    wait_kernels(WANT, "the same table")
    assert_nothing_lost(watch, "kill -9 " + rs)


def test_partition_is_noticed_and_heals():
    "rs1's fabric link goes down (no process dies): the agents notice within seconds, lose nothing, resync."
    watch = Watch()
    rs1 = get_topogen().gears["rs1"]
    rs1.run("ip link set rs1-eth1 down")
    start = time.monotonic()
    try:
        vnetrs_topo.poll(
            lambda: None if all(instance_state(hv, "rs1") not in ("synced", "") for hv in HVS) else "still synced",
            "the agents notice the partition",
            timeout=15,
        )
        took = time.monotonic() - start
        logger.info("partition noticed after {:.1f} s".format(took))
        assert took <= SILENT_LIMIT_S + 1, took
        assert all(kernel(hv) == WANT for hv in HVS)
    finally:
        rs1.run("ip link set rs1-eth1 up")
    vnetrs_topo.poll(
        lambda: None if all(instance_state(hv, "rs1") == "synced" for hv in HVS) else agent_status("hv1"),
        "the agents are back in sync with rs1",
        timeout=60,
    )
    vnetrs_topo.poll(
        lambda: None if consumers("rs1") == good_consumers() else consumers("rs1"), "rs1's consumers are live"
    )
    wait_kernels(WANT, "nothing stale")
    assert_nothing_lost(watch, "partition of rs1")


def test_withdraw_reaches_both_hypervisors():
    onprem = get_topogen().gears["onprem"]
    onprem.vtysh_cmd("configure terminal\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 10.250.0.0/16")
    less = {p: g for p, g in WANT.items() if p != "10.250.0.0/16"}
    wait_kernels(less, "the withdraw reached both kernels")
    onprem.vtysh_cmd("configure terminal\nrouter bgp 65100\naddress-family ipv4 unicast\nnetwork 10.250.0.0/16")
    wait_kernels(WANT, "the route is back")


NVA_AS = {"sdwan": (65001, 100), "firewall": (65002, 101)}


def many_networks(present, count=3000):
    "Both NVAs announce (or withdraw) count /32s each (10.100/16, 10.101/16) in one vtysh run."
    tgen = get_topogen()
    for nva, (asn, octet) in NVA_AS.items():
        path = os.path.join(tgen.logdir, nva, "networks.cmds")
        # The /32s are in no routing table: announced without the check.
        lines = ["router bgp {}".format(asn), "no bgp network import-check", "address-family ipv4 unicast"]
        for i in range(count):
            lines.append("{}network 10.{}.{}.{}/32".format("" if present else "no ", octet, i // 250, i % 250 + 1))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        tgen.gears[nva].run("vtysh -f {}".format(path))


def test_stalled_tls_consumer_is_dropped_and_resyncs():
    rs1 = get_topogen().gears["rs1"]
    rc, out = vnetrs_topo.rs_config(rs1, listen_line("rs1", 7180, " queue-limit 64"))
    assert rc == 0, out
    stalled = tls_client("stalled", "hv2", port=7180, rcvbuf=4096)
    try:
        vnetrs_topo.poll(lambda: (stalled.pump(0.2), None if stalled.seqs else "no snapshot")[1], "stalled synced")
        many_networks(True)
        vnetrs_topo.poll(
            lambda: None if tls_listener("rs1", 7180).get("dropped-slow", 0) >= 1 else tls_listener("rs1", 7180),
            "the stalled TLS consumer is dropped at its queue limit",
        )
        stalled.close()
        # The table's snapshot is above 64 KiB now: the limit goes up in
        # place (the listener stays), and a new connection resyncs.
        rc, out = vnetrs_topo.rs_config(rs1, listen_line("rs1", 7180, " queue-limit 65536"))
        assert rc == 0, out
        fresh = tls_client("fresh", "hv2", port=7180)
        try:

            def resynced():
                fresh.pump(0.5)
                return None if "10.100.11.250/32" in fresh.table else len(fresh.table)

            vnetrs_topo.poll(resynced, "a new connection gets the whole table", timeout=60)
        finally:
            fresh.close()
        assert consumers("rs1").count(("hv1-agent", "live")) == 1
    finally:
        stalled.close()
        many_networks(False)
        rc, out = vnetrs_topo.rs_config(rs1, "no sdn listen tls 10.9.0.1 port 7180")
        assert rc == 0, out
    wait_kernels(WANT, "the hypervisors are back to the baseline", timeout=60)


def test_bad_tls_configuration_is_refused():
    rs1 = get_topogen().gears["rs1"]
    p = pki()
    cases = [
        ("sdn listen tls 10.9.0.1 port 7181 certificate /nonexistent key {} ca {}".format(p.key("rs1"), p.crt("ca")),
         "/nonexistent"),
        ("sdn listen tls 10.9.0.1 port 7181 certificate {} key {} ca {}".format(p.crt("rs1"), p.key("hv1"), p.crt("ca")),
         "is not the key of"),
        ("sdn listen tls 192.0.2.99 port 7181 certificate {} key {} ca {}".format(p.crt("rs1"), p.key("rs1"), p.crt("ca")),
         "192.0.2.99"),
    ]
    before = rs1.vtysh_cmd("show running-config")
    for line, msg in cases:
        rc, out = vnetrs_topo.rs_config(rs1, line)
        assert rc != 0 and msg in out, (line, out)
    assert rs1.vtysh_cmd("show running-config") == before
    assert consumers("rs1") == good_consumers()
